// dnslens clickhouse init | migrate | rebuild-rollups: dnslens's tables on a ClickHouse server or cluster.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "store/clickhouse/clickhouse_schema.hpp"

namespace dnslens::cli {

namespace {

struct ClickHouseCommandOptions {
  ClickHouseOptions clickhouse;
  bool print_sql = false;
  std::string since, until;          // rebuild-rollups
  std::vector<std::string> rollups;  // rebuild-rollups: these only
};

int init(const ClickHouseCommandOptions& o, const char* verb) {
  ClickHouseClient client(o.clickhouse.client_config());
  const ClickHouseVersion v = client.version();
  if (o.print_sql) {
    for (const auto& sql : clickhouse_schema_sql(clickhouse_dialect(v), o.clickhouse.schema))
      std::printf("%s;\n\n", sql.c_str());
    return 0;
  }
  const int before = clickhouse_schema_version(client, o.clickhouse.schema);
  for (const auto& line : clickhouse_init(client, o.clickhouse.schema)) std::printf("%s\n", line.c_str());
  std::printf(
      "dnslens %s: ClickHouse %s at %s, database %s%s: schema version %d (was %d)\n", verb, v.text.c_str(),
      client.where().c_str(), o.clickhouse.schema.database.c_str(),
      o.clickhouse.schema.cluster.empty() ? "" : fmt::format(" on cluster {}", o.clickhouse.schema.cluster).c_str(),
      kClickHouseSchemaVersion, before);
  return 0;
}

int rebuild_rollups(const ClickHouseCommandOptions& o) {
  ClickHouseRebuildRange range;
  if (!o.since.empty()) range.since_ms = parse_time_option(o.since, "--since");
  if (!o.until.empty()) range.until_ms = parse_time_option(o.until, "--until");
  if (range.since_ms && range.until_ms && *range.until_ms <= *range.since_ms)
    throw Error(ErrorCode::kUsage, "--until must be after --since");
  ClickHouseClient client(o.clickhouse.client_config());
  for (const auto& line : clickhouse_rebuild_rollups(client, o.clickhouse.schema, range, o.rollups))
    std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace

void register_clickhouse(CLI::App& app, CommandRegistry& registry) {
  CLI::App* ch =
      app.add_subcommand("clickhouse", "dnslens's tables on ClickHouse: create and migrate them, rebuild the rollups");
  ch->require_subcommand(1);
  auto o = std::make_shared<ClickHouseCommandOptions>();
  CLI::App* in = ch->add_subcommand(
      "init",
      "Create the database and tables (idempotent), shaped by the server's version: route53query with the DuckDB "
      "store's column names, partitioned by day; replicated and Distributed with --clickhouse-cluster");
  o->clickhouse.add(in, /*required=*/true);
  in->add_option("--retention-days", o->clickhouse.schema.retention_days, "Drop rows older than this (TTL; 0 = keep)");
  in->add_flag("--print-sql", o->print_sql, "Print the statements for this server instead of running them");
  registry.add(in, [o] { return init(*o, "clickhouse init"); });
  auto m = std::make_shared<ClickHouseCommandOptions>();
  CLI::App* mi = ch->add_subcommand("migrate", "Bring dnslens's tables to this dnslens's schema version");
  m->clickhouse.add(mi, /*required=*/true);
  mi->add_option("--retention-days", m->clickhouse.schema.retention_days, "Drop rows older than this (TTL; 0 = keep)");
  registry.add(mi, [m] { return init(*m, "clickhouse migrate"); });
  auto r = std::make_shared<ClickHouseCommandOptions>();
  CLI::App* re = ch->add_subcommand(
      "rebuild-rollups",
      "Compute the rollups again from route53query for every day with records in the range (passive DNS: every "
      "month), replacing what they hold: for records loaded before the rollups existed, or to repair them. Records "
      "loaded into those days meanwhile may count twice or not at all");
  r->clickhouse.add(re, /*required=*/true);
  re->add_option("--since", r->since, "Days with records from this time (ISO 8601, a date, or an age such as 7d)");
  re->add_option("--until", r->until, "Days with records before this time (default: all)");
  re->add_option(
        "--rollup", r->rollups,
        "Only these rollups (source_domain_hour, subdomains_hour, passive_dns, vpc_minute, traffic_hour, rdns_hour)")
      ->delimiter(',');
  registry.add(re, [r] { return rebuild_rollups(*r); });
}

}  // namespace dnslens::cli
