#include "store/clickhouse/clickhouse_schema.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "store/clickhouse/clickhouse_tsv.hpp"
#include "store/store_schema.hpp"

namespace dnslens {

namespace {

bool low_variety(std::string_view name) {
  static constexpr std::string_view kNames[] = {"account_id",
                                                "region",
                                                "vpc_id",
                                                "query_type",
                                                "query_class",
                                                "rcode",
                                                "transport",
                                                "firewall_rule_action",
                                                "firewall_rule_group_id",
                                                "firewall_domain_list_id",
                                                "isMatchedDomain",
                                                "public_suffix",
                                                "threat_indicator_type",
                                                "threat_feed",
                                                "threat_confidence_level",
                                                "threat_actor",
                                                "threat_category",
                                                "threat_source",
                                                "threat_matched_on",
                                                "firewall_sim_action",
                                                "firewall_sim_rule",
                                                "firewall_sim_rule_group_id",
                                                "firewall_sim_domain_list_id",
                                                "firewall_sim_block_response",
                                                "firewall_sim_matched_on",
                                                "source",
                                                "srcids.instance",
                                                "srcids.resolver_endpoint",
                                                "srcids.resolver_network_interface"};
  for (auto n : kNames) {
    if (n == name) return true;
  }
  return false;
}

bool long_text(std::string_view name) {
  return name == "query_name" || name == "query_name_normalized" || name == "subdomain" || name == "unmapped" ||
         name == "answers.Rdata";
}

std::string text_type(const ClickHouseDialect& d, std::string_view name) {
  if (d.low_cardinality && low_variety(name)) return "LowCardinality(Nullable(String))";
  if (d.codecs && long_text(name)) return "Nullable(String) CODEC(ZSTD(1))";
  return "Nullable(String)";
}

std::string q(std::string_view name) { return fmt::format("`{}`", name); }

std::string local_table(const ClickHouseSchemaOptions& o) {
  return o.cluster.empty() ? q("route53query") : q("route53query_local");
}

std::string on_cluster(const ClickHouseSchemaOptions& o) {
  return o.cluster.empty() ? std::string() : fmt::format(" ON CLUSTER {}", q(o.cluster));
}

// Replicated tables drop a block they already have among their last N (replicated_deduplication_window,
// 100 by default): what makes a retried insert harmless. serve's retries can come long after the first
// try (Firehose retries for up to two hours), with many inserts in between: a wider window.
inline constexpr int kDeduplicationWindow = 10000;

std::string dedup_window(const ClickHouseSchemaOptions& o) {
  return o.cluster.empty() ? std::string()
                           : fmt::format("\nSETTINGS replicated_deduplication_window = {}", kDeduplicationWindow);
}

// The rollups whose rebuild is owed: a row per rollup, the newest (by version) telling whether it is
// pending and from which period on (`since`: 'YYYY-MM-DD', empty for all). `migrate` writes one for each
// rollup it creates over stored records before creating it, a rebuild one before its first drop (moved
// to the day that failed, settled when it finishes); a rebuild that covers it clears it, and `migrate`
// rebuilds what is pending. Like dnslens_schema, one replicated copy on every node.
std::string backfill_table_sql(const ClickHouseSchemaOptions& o) {
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {}.`dnslens_rollup_backfill`{} (`rollup` String, since String, pending UInt8, "
      "version UInt64) ENGINE = {} ORDER BY `rollup`",
      q(o.database), on_cluster(o),
      o.cluster.empty()
          ? std::string("ReplacingMergeTree(version)")
          : fmt::format("ReplicatedReplacingMergeTree('/clickhouse/tables/all/{}/dnslens_rollup_backfill', "
                        "'{{shard}}-{{replica}}', version)",
                        o.database));
}

// A table of dnslens's besides route53query: on a cluster a replicated `<name>_local` on every node and
// a Distributed `<name>` over them.
struct TableSpec {
  std::string_view name;
  std::string columns;
  std::string_view engine;  // MergeTree, ReplacingMergeTree
  std::string_view engine_args;
  std::string_view partition_by;  // empty: none
  std::string_view order_by;
  std::string_view shard_key;
  std::string_view ttl_date = {};  // with a retention: rows expire as the records of this day (empty: kept)
};

void add_table(std::vector<std::string>& out, const ClickHouseSchemaOptions& o, const TableSpec& t) {
  const std::string db = q(o.database);
  const std::string local = o.cluster.empty() ? std::string(t.name) : fmt::format("{}_local", t.name);
  const std::string engine =
      o.cluster.empty() ? fmt::format("{}({})", t.engine, t.engine_args)
                        : fmt::format("Replicated{}('/clickhouse/tables/{{shard}}/{}/{}', '{{replica}}'{}{})", t.engine,
                                      o.database, local, t.engine_args.empty() ? "" : ", ", t.engine_args);
  const std::string ttl = t.ttl_date.empty() || o.retention_days <= 0
                              ? std::string()
                              : fmt::format("\nTTL {} + INTERVAL {} DAY", t.ttl_date, o.retention_days);
  out.push_back(fmt::format("CREATE TABLE IF NOT EXISTS {}.{}{} (\n{}\n) ENGINE = {}{}\nORDER BY ({}){}{}", db,
                            q(local), on_cluster(o), t.columns, engine,
                            t.partition_by.empty() ? std::string() : fmt::format("\nPARTITION BY {}", t.partition_by),
                            t.order_by, ttl, t.engine != "ReplacingMergeTree" ? dedup_window(o) : std::string()));
  if (!o.cluster.empty()) {
    out.push_back(fmt::format("CREATE TABLE IF NOT EXISTS {}.{}{} AS {}.{} ENGINE = Distributed({}, {}, {}, {})", db,
                              q(t.name), on_cluster(o), db, q(local), q(o.cluster), db, q(local), t.shard_key));
  }
}

// Rollups kept by materialized views over the records as they are inserted (on a cluster, over each
// node's route53query_local into its own replicated rollup table, under a Distributed one to read).
// Sums in SummingMergeTree and states in AggregatingMergeTree: rows of one key are combined when parts
// merge, so readers aggregate again (sum(), uniqMerge(), minMerge(), ...).
// Every rollup row carries `sig`, a sum of its records' hashes. Replicated tables drop an inserted block
// whose bytes they already have, the views' blocks too: that makes a retried insert count once in the
// rollups, but without sig two different inserts could give the same rollup block (one beacon query per
// request, the same hour) and the second would be dropped. With it, only the same records give the same
// block.
constexpr std::string_view kRowSignature =
    "cityHash64(ifNull(query_timestamp, ''), ifNull(srcaddr, ''), ifNull(srcport, 0), ifNull(query_name, ''), "
    "ifNull(query_type, ''), ifNull(vpc_id, ''))";

// A rollup: its table, the SELECT its view runs over each inserted block ({source} the records' table,
// {where} a filter on them, empty in the view) and the partition its table is cut by (day or month).
struct Rollup {
  TableSpec table;
  std::string select;
  bool monthly = false;           // partitioned by month (else by day)
  std::string_view records = {};  // the records it counts (a condition on them; empty: all)
};

std::vector<Rollup> rollups(const ClickHouseDialect& d) {
  const std::string ts = d.datetime64 ? "DateTime64(3, 'UTC')" : "DateTime('UTC')";
  return {
      // Beaconing: queries per source, registered domain and hour.
      {{.name = "source_domain_hour",
        .columns = "  hour DateTime('UTC'),\n  account_key String,\n  vpc_key String,\n  source String,\n  srcaddr "
                   "String,\n  domain_key String,\n  queries UInt64,\n  nxdomain UInt64,\n  sig UInt64",
        .engine = "SummingMergeTree",
        .engine_args = "(queries, nxdomain)",
        .partition_by = "toDate(hour)",
        .order_by = "domain_key, source, srcaddr, account_key, vpc_key, hour",
        .shard_key = "rand()"},
       "SELECT toStartOfHour(query_ts) AS hour, ifNull(account_id, '') AS account_key, ifNull(vpc_id, '') AS vpc_key, "
       "ifNull(source, '') AS source, ifNull(srcaddr, '') AS srcaddr, ifNull(registered_domain, '') AS domain_key, "
       "count() AS queries, countIf(ifNull(rcode, '') = 'NXDOMAIN') AS nxdomain, sum({sig}) AS sig FROM "
       "{source}{where} GROUP BY hour, account_key, vpc_key, source, srcaddr, domain_key"},
      // Tunneling: distinct subdomains (and their characters) under each registered domain per hour.
      {{.name = "subdomains_hour",
        .columns = "  hour DateTime('UTC'),\n  account_key String,\n  vpc_key String,\n  domain_key String,\n  "
                   "queries AggregateFunction(count),\n  subdomains AggregateFunction(uniqIf, String, UInt8),\n  "
                   "subdomain_chars AggregateFunction(sum, UInt64),\n  sig AggregateFunction(sum, UInt64)",
        .engine = "AggregatingMergeTree",
        .engine_args = "",
        .partition_by = "toDate(hour)",
        .order_by = "domain_key, account_key, vpc_key, hour",
        .shard_key = "rand()"},
       "SELECT toStartOfHour(query_ts) AS hour, ifNull(account_id, '') AS account_key, ifNull(vpc_id, '') AS vpc_key, "
       "ifNull(registered_domain, '') AS domain_key, countState() AS queries, uniqIfState(ifNull(subdomain, ''), "
       "isNotNull(subdomain)) AS subdomains, sumState(toUInt64(length(ifNull(subdomain, '')))) AS subdomain_chars, "
       "sumState({sig}) AS sig FROM {source}{where} GROUP BY hour, account_key, vpc_key, domain_key"},
      // Passive DNS: each name's answers, first and last seen, per month.
      {{.name = "passive_dns",
        .columns = fmt::format("  month Date,\n  name String,\n  rdata String,\n  type String,\n  first_seen "
                               "AggregateFunction(min, {0}),\n  last_seen AggregateFunction(max, {0}),\n  queries "
                               "AggregateFunction(count),\n  sig AggregateFunction(sum, UInt64)",
                               ts),
        .engine = "AggregatingMergeTree",
        .engine_args = "",
        .partition_by = "month",
        .order_by = "name, rdata, type, month",
        .shard_key = "rand()"},
       "SELECT toStartOfMonth(query_ts) AS month, ifNull(query_name_normalized, '') AS name, rdata, type, "
       "minState(query_ts) AS first_seen, maxState(query_ts) AS last_seen, countState() AS queries, sumState({sig}) AS "
       "sig FROM {source} ARRAY JOIN `answers.Rdata` AS rdata, `answers.Type` AS type{where} GROUP BY month, name, "
       "rdata, type",
       true},
      // The dashboards: queries per hour by source and by domain (the registered domain, else the name),
      // with what the summary and traffic panels count of them and the first and last record's time
      // (the stored range, without reading the records). Keys are '' where the record has no value (the
      // stores keep an empty text as NULL, never as ''). With a retention its rows expire with the
      // records of their day, so the dashboards never count records no longer stored.
      {{.name = "traffic_hour",
        .columns =
            fmt::format("  hour DateTime('UTC'),\n  account_key String,\n  vpc_key String,\n  source_key String,\n  "
                        "instance_key String,\n  srcaddr_key String,\n  domain_key String,\n  registered UInt8,\n  "
                        "first_seen AggregateFunction(min, {0}),\n  last_seen AggregateFunction(max, {0}),\n  queries "
                        "AggregateFunction(count),\n  nxdomain AggregateFunction(sum, UInt64),\n  name_length "
                        "AggregateFunction(sum, UInt64),\n  threat_hits AggregateFunction(sum, UInt64),\n  alerted "
                        "AggregateFunction(sum, UInt64),\n  blocked AggregateFunction(sum, UInt64),\n  sig "
                        "AggregateFunction(sum, UInt64)",
                        ts),
        .engine = "AggregatingMergeTree",
        .engine_args = "",
        .partition_by = "toDate(hour)",
        .order_by = "account_key, vpc_key, domain_key, source_key, instance_key, srcaddr_key, registered, hour",
        .shard_key = "rand()",
        .ttl_date = "toDate(hour)"},
       "SELECT toStartOfHour(query_ts) AS hour, ifNull(account_id, '') AS account_key, ifNull(vpc_id, '') AS vpc_key, "
       "ifNull(source, '') AS source_key, ifNull(`srcids.instance`, '') AS instance_key, ifNull(srcaddr, '') AS "
       "srcaddr_key, ifNull(registered_domain, ifNull(query_name_normalized, '')) AS domain_key, "
       "toUInt8(isNotNull(registered_domain)) AS registered, minState(query_ts) AS first_seen, maxState(query_ts) AS "
       "last_seen, countState() AS queries, sumState(toUInt64(ifNull(rcode, '') = 'NXDOMAIN')) AS nxdomain, "
       "sumState(toUInt64(ifNull(lengthUTF8(query_name), 0))) AS name_length, "
       "sumState(toUInt64(isNotNull(threat_indicator))) AS threat_hits, sumState(toUInt64(ifNull(firewall_rule_action, "
       "'') = 'ALERT')) AS alerted, sumState(toUInt64(ifNull(firewall_rule_action, '') = 'BLOCK')) AS blocked, "
       "sumState({sig}) AS sig FROM {source}{where} GROUP BY hour, account_key, vpc_key, source_key, instance_key, "
       "srcaddr_key, domain_key, registered"},
      // The reverse-DNS panels: PTR queries per hour by source, name and response code (expiring with
      // the records, as traffic_hour).
      {{.name = "rdns_hour",
        .columns = "  hour DateTime('UTC'),\n  account_key String,\n  vpc_key String,\n  source_key String,\n  "
                   "instance_key String,\n  srcaddr_key String,\n  name_key String,\n  rcode_key String,\n  "
                   "queries UInt64,\n  sig UInt64",
        .engine = "SummingMergeTree",
        .engine_args = "(queries)",
        .partition_by = "toDate(hour)",
        .order_by = "account_key, vpc_key, name_key, source_key, instance_key, srcaddr_key, rcode_key, hour",
        .shard_key = "rand()",
        .ttl_date = "toDate(hour)"},
       "SELECT toStartOfHour(query_ts) AS hour, ifNull(account_id, '') AS account_key, ifNull(vpc_id, '') AS vpc_key, "
       "ifNull(source, '') AS source_key, ifNull(`srcids.instance`, '') AS instance_key, ifNull(srcaddr, '') AS "
       "srcaddr_key, ifNull(query_name_normalized, '') AS name_key, ifNull(rcode, '') AS rcode_key, count() AS "
       "queries, sum({sig}) AS sig FROM {source}{where} GROUP BY hour, account_key, vpc_key, source_key, "
       "instance_key, srcaddr_key, name_key, rcode_key",
       false,
       "ifNull(query_type, '') = 'PTR'"},
      // Anomalies and log gaps: queries per VPC and minute.
      {{.name = "vpc_minute",
        .columns = "  minute DateTime('UTC'),\n  account_key String,\n  vpc_key String,\n  queries UInt64,\n  "
                   "nxdomain UInt64,\n  alerted UInt64,\n  blocked UInt64,\n  sig UInt64",
        .engine = "SummingMergeTree",
        .engine_args = "(queries, nxdomain, alerted, blocked)",
        .partition_by = "toDate(minute)",
        .order_by = "account_key, vpc_key, minute",
        .shard_key = "rand()"},
       "SELECT toStartOfMinute(query_ts) AS minute, ifNull(account_id, '') AS account_key, ifNull(vpc_id, '') AS "
       "vpc_key, count() AS queries, countIf(ifNull(rcode, '') = 'NXDOMAIN') AS nxdomain, "
       "countIf(ifNull(firewall_rule_action, '') = 'ALERT') AS alerted, countIf(ifNull(firewall_rule_action, '') = "
       "'BLOCK') AS blocked, sum({sig}) AS sig FROM {source}{where} GROUP BY minute, account_key, vpc_key"},
  };
}

// sig: the rows' signature (kRowSignature for the views and rebuilds; a reader that only adds the rows to
// the rollup's own may give a constant, which reads none of the columns it hashes).
std::string rollup_select(const Rollup& r, const std::string& source, const std::string& where,
                          std::string_view sig = kRowSignature) {
  constexpr std::string_view kWhere = " WHERE ";
  if (!where.empty() && !where.starts_with(kWhere))
    throw Error(ErrorCode::kInternal, fmt::format("a rollup's record filter is not a WHERE clause: {}", where));
  std::string filter = where;
  if (!r.records.empty()) {
    filter = where.empty() ? fmt::format("{}{}", kWhere, r.records)
                           : fmt::format("{}({}) AND {}", kWhere, where.substr(kWhere.size()), r.records);
  }
  return fmt::format(fmt::runtime(r.select), fmt::arg("source", source), fmt::arg("sig", sig),
                     fmt::arg("where", filter));
}

void add_rollups(std::vector<std::string>& out, const ClickHouseDialect& d, const ClickHouseSchemaOptions& o) {
  const std::string db = q(o.database);
  const std::string source = o.cluster.empty() ? q("route53query") : q("route53query_local");
  for (const Rollup& r : rollups(d)) {
    add_table(out, o, r.table);
    const std::string target = o.cluster.empty() ? std::string(r.table.name) : fmt::format("{}_local", r.table.name);
    out.push_back(fmt::format("CREATE MATERIALIZED VIEW IF NOT EXISTS {}.{}{} TO {}.{} AS {}", db,
                              q(fmt::format("{}_mv", r.table.name)), on_cluster(o), db, q(target),
                              rollup_select(r, fmt::format("{}.{}", db, source), "")));
  }
}

// The rollup of that table name, for the readers (no view SELECT depends on the dialect); throws
// Error(kInternal) for a name that is no rollup.
Rollup rollup_named(std::string_view name) {
  for (Rollup& r : rollups(ClickHouseDialect{})) {
    if (r.table.name == name) return std::move(r);
  }
  throw Error(ErrorCode::kInternal, fmt::format("no rollup '{}'", name));
}

}  // namespace

std::string clickhouse_rollup_select(std::string_view rollup, std::string_view source, std::string_view where) {
  return rollup_select(rollup_named(rollup), std::string(source), std::string(where), "toUInt64(0)");
}

std::string clickhouse_rollup_columns(std::string_view rollup) {
  const Rollup r = rollup_named(rollup);
  // The columns' text is "  name Type,\n  name Type, ..." (types may hold commas, never ",\n").
  std::string names;
  for (std::string_view rest = r.table.columns; !rest.empty();) {
    const std::size_t end = rest.find(",\n");
    std::string_view column = rest.substr(0, end);
    column.remove_prefix(std::min(column.find_first_not_of(' '), column.size()));
    names += fmt::format("{}{}", names.empty() ? "" : ", ", column.substr(0, column.find(' ')));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
  }
  return names;
}

ClickHouseDialect clickhouse_dialect(const ClickHouseVersion& v) {
  ClickHouseDialect d;
  d.datetime64 = v.at_least(20, 1);
  d.low_cardinality = v.at_least(19, 9);  // no longer experimental
  d.codecs = v.at_least(19, 11);
  d.ttl = v.at_least(19, 6);
  d.dedup_token = v.at_least(22, 2);
  return d;
}

std::vector<ClickHouseColumn> clickhouse_query_columns(const ClickHouseDialect& d) {
  std::vector<ClickHouseColumn> out;
  for (const StoreColumn& c : kQueryColumns) {
    switch (c.type) {
      case StoreType::kVarchar:
      case StoreType::kEnum:
        out.push_back({std::string(c.name), text_type(d, c.name)});
        break;
      case StoreType::kFloat:
        out.push_back({std::string(c.name), "Nullable(Float32)"});
        break;
      case StoreType::kDouble:
        out.push_back({std::string(c.name), "Nullable(Float64)"});
        break;
      case StoreType::kInteger:
        out.push_back({std::string(c.name), "Nullable(Int32)"});
        break;
      case StoreType::kBigint:
        out.push_back({std::string(c.name), "Nullable(Int64)"});
        break;
      case StoreType::kBoolean:
        out.push_back({std::string(c.name), "Nullable(UInt8)"});
        break;
      case StoreType::kTimestamp:
        out.push_back({std::string(c.name), d.datetime64 ? "DateTime64(3, 'UTC')" : "DateTime('UTC')"});
        break;
      case StoreType::kAnswers:
      case StoreType::kCodedAnswers:
        out.push_back({"answers.Rdata", d.codecs ? "Array(String) CODEC(ZSTD(1))" : "Array(String)"});
        out.push_back({"answers.Type", d.low_cardinality ? "Array(LowCardinality(String))" : "Array(String)"});
        out.push_back({"answers.Class", d.low_cardinality ? "Array(LowCardinality(String))" : "Array(String)"});
        break;
      case StoreType::kSrcids:
        for (const char* f : {"srcids.instance", "srcids.resolver_endpoint", "srcids.resolver_network_interface"})
          out.push_back({f, text_type(d, f)});
        break;
    }
  }
  return out;
}

std::vector<std::string> clickhouse_schema_sql(const ClickHouseDialect& d, const ClickHouseSchemaOptions& o) {
  const std::string db = q(o.database);
  std::vector<std::string> out;
  out.push_back(fmt::format("CREATE DATABASE IF NOT EXISTS {}{}", db, on_cluster(o)));
  out.push_back(backfill_table_sql(o));
  std::string columns;
  for (const auto& c : clickhouse_query_columns(d)) columns += fmt::format("  {} {},\n", q(c.name), c.type);
  // Keys are never NULL: the sorting key of a MergeTree may not be Nullable.
  const std::string key_type = d.low_cardinality ? "LowCardinality(String)" : "String";
  columns += fmt::format("  account_key {} MATERIALIZED ifNull(account_id, ''),\n", key_type);
  columns += fmt::format("  vpc_key {} MATERIALIZED ifNull(vpc_id, ''),\n", key_type);
  columns += "  domain_key String MATERIALIZED ifNull(registered_domain, '')\n";
  const std::string engine =
      o.cluster.empty()
          ? std::string("MergeTree()")
          : fmt::format("ReplicatedMergeTree('/clickhouse/tables/{{shard}}/{}/route53query_local', '{{replica}}')",
                        o.database);
  std::string ttl;
  if (o.retention_days > 0) {
    if (!d.ttl) throw Error(ErrorCode::kUsage, "this ClickHouse server has no TTL: retention needs 19.6 or later");
    ttl = fmt::format("\nTTL toDate(query_ts) + INTERVAL {} DAY", o.retention_days);
  }
  out.push_back(fmt::format(
      "CREATE TABLE IF NOT EXISTS {}.{}{} (\n{}) ENGINE = {}\nPARTITION BY toDate(query_ts)\nORDER BY (account_key, "
      "vpc_key, domain_key, query_ts){}{}",
      db, local_table(o), on_cluster(o), columns, engine, ttl, dedup_window(o)));
  if (!o.cluster.empty()) {
    // The query columns only: the key columns are the local tables' own (materialized there).
    std::string query_columns;
    for (const auto& c : clickhouse_query_columns(d))
      query_columns += fmt::format("{}  {} {}", query_columns.empty() ? "" : ",\n", q(c.name), c.type);
    out.push_back(fmt::format(
        "CREATE TABLE IF NOT EXISTS {}.`route53query`{} (\n{}) ENGINE = Distributed({}, {}, `route53query_local`, "
        "cityHash64(ifNull(srcaddr, '')))",
        db, on_cluster(o), query_columns, q(o.cluster), db));
  }
  const std::string ts = d.datetime64 ? "DateTime64(3, 'UTC')" : "DateTime('UTC')";
  // Findings: a finding is one row per run and key (type, source, domain); storing it again under the
  // same run id (serve's periodic writes) replaces the row at the next merge, and readers ask for FINAL.
  // Rows of one key share a shard, so the replacement happens there.
  add_table(out, o,
            {.name = "findings",
             .columns = fmt::format(
                 "  finding_type String,\n  guardduty_analog Nullable(String),\n  severity String,\n  confidence "
                 "Float64,\n  score Float64,\n  first_seen {0},\n  last_seen {0},\n  events Int64,\n  occurrences "
                 "Int64,\n  account_id Nullable(String),\n  vpc_id Nullable(String),\n  instance Nullable(String),\n"
                 "  srcaddr Nullable(String),\n  source Nullable(String),\n  domain Nullable(String),\n  explanation "
                 "String,\n  metrics Nullable(String),\n  evidence String,\n  finding_json String,\n  recorded_at "
                 "{0},\n  run_id String,\n  finding_key String",
                 ts),
             .engine = "ReplacingMergeTree",
             .engine_args = "recorded_at",
             .partition_by = "",
             .order_by = "run_id, finding_key",
             .shard_key = "cityHash64(finding_key)"});
  // What could not be used, as the DuckDB store's dead_letters has it.
  add_table(out, o,
            {.name = "dead_letters",
             .columns =
                 fmt::format("  received_at {},\n  origin String,\n  line Nullable(Int64),\n  reason String,\n  detail "
                             "Nullable(String),\n  raw String,\n  raw_bytes Int64",
                             ts),
             .engine = "MergeTree",
             .engine_args = "",
             .partition_by = "toDate(received_at)",
             .order_by = "received_at, origin",
             .shard_key = "cityHash64(origin)"});
  add_rollups(out, d, o);
  // The Firehose requests dnslens serve stored, by id: one row per id once merged. On a cluster every
  // node holds every request (one replication path), so any serve instance finds any other's.
  out.push_back(fmt::format(
      "CREATE TABLE IF NOT EXISTS {}.`ingest_requests`{} (\n  request_id String,\n  received_at {},\n  source_arn "
      "Nullable(String),\n  records Int64,\n  bad_records Int64,\n  dead_letters_dropped Int64\n) ENGINE = {}\nORDER "
      "BY request_id",
      db, on_cluster(o), ts,
      o.cluster.empty()
          ? std::string("ReplacingMergeTree()")
          : fmt::format(
                "ReplicatedReplacingMergeTree('/clickhouse/tables/all/{}/ingest_requests', '{{shard}}-{{replica}}')",
                o.database)));
  // On a cluster every node replicates the one version table (one replication path for all shards, the
  // replica named by shard and replica), so a version recorded through any node is read through every other.
  out.push_back(fmt::format(
      "CREATE TABLE IF NOT EXISTS {}.`dnslens_schema`{} (version UInt32, applied_at DateTime) ENGINE = {} ORDER BY "
      "version",
      db, on_cluster(o),
      o.cluster.empty()
          ? std::string("MergeTree()")
          : fmt::format("ReplicatedMergeTree('/clickhouse/tables/all/{}/dnslens_schema', '{{shard}}-{{replica}}')",
                        o.database)));
  return out;
}

int clickhouse_schema_version(ClickHouseClient& client, const ClickHouseSchemaOptions& o) {
  const std::string exists =
      client.query(fmt::format("SELECT count() FROM system.tables WHERE database = {} AND name = 'dnslens_schema'",
                               clickhouse_quote(o.database)));
  if (exists.empty() || exists[0] == '0') return 0;
  const std::string v = client.query(fmt::format("SELECT max(version) FROM {}.`dnslens_schema`", q(o.database)));
  return std::atoi(v.c_str());
}

std::string clickhouse_owed_backfills_sql(std::string_view table) {
  return fmt::format(
      "SELECT `rollup`, argMax(since, version) AS s FROM {} GROUP BY `rollup` HAVING argMax(pending, version) = 1 "
      "ORDER BY `rollup`",
      table);
}

namespace {

// A day (or month) with records: 'YYYY-MM-DD' (a month as its first day), and its oldest record's
// time in whole seconds.
struct Period {
  std::string start;
  std::int64_t oldest_s = 0;
};

// The rows of a SELECT of two columns, a text and a whole number (NULLs left out).
std::vector<std::pair<std::string, std::int64_t>> text_number_rows(ClickHouseClient& client,
                                                                   const std::string& select) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (auto& row : parse_clickhouse_tsv(client.query(select + " FORMAT TabSeparatedWithNames"), false).rows) {
    if (row.size() == 2 && row[0] && row[1]) out.emplace_back(std::move(*row[0]), std::atoll(row[1]->c_str()));
  }
  return out;
}

// The periods with records in the range, oldest first.
std::vector<Period> periods_with_records(ClickHouseClient& client, const ClickHouseSchemaOptions& o,
                                         const ClickHouseRebuildRange& range, bool monthly) {
  std::string where;
  // Clamped to the epoch: a huge age would make a negative time, which DateTime wraps.
  if (range.since_ms)
    where += fmt::format(" AND query_ts >= toDateTime({}, 'UTC')", std::max<std::int64_t>(0, *range.since_ms) / 1000);
  if (range.until_ms)
    where +=
        fmt::format(" AND query_ts < toDateTime({}, 'UTC')", std::max<std::int64_t>(0, (*range.until_ms + 999) / 1000));
  // The oldest record of each period over the whole period, not only the part in the range (a month's
  // passive DNS is compared with it). GLOBAL: the subquery runs once, not again on every shard.
  const std::string period = monthly ? "toStartOfMonth(query_ts)" : "toDate(query_ts)";
  std::vector<Period> out;
  for (auto& [start, oldest] : text_number_rows(
           client, fmt::format("SELECT toString({0}) AS p, toUnixTimestamp(min(toDateTime(query_ts))) FROM "
                               "{1}.`route53query` WHERE {0} GLOBAL IN (SELECT DISTINCT {0} FROM {1}.`route53query` "
                               "WHERE 1{2}) GROUP BY p ORDER BY p",
                               period, q(o.database), where)))
    out.push_back({std::move(start), oldest});
  return out;
}

// The server waits for every node of an ON CLUSTER statement up to distributed_ddl_task_timeout: kept
// under the client's read timeout, so a slow or dead node ends in the server's own error (Code 159)
// rather than a client timeout. Once a node has not answered, the next statements wait for it only
// briefly.
std::map<std::string, std::string> ddl_settings(ClickHouseClient& client, const ClickHouseSchemaOptions& o,
                                                bool lagging) {
  std::map<std::string, std::string> settings;
  if (!o.cluster.empty()) {
    settings["distributed_ddl_task_timeout"] =
        std::to_string(lagging ? 5 : std::max(5, client.config().timeout_ms / 1000 - 10));
  }
  return settings;
}

// The pending rebuilds: rollup -> since ('YYYY-MM-DD', empty for all). Empty when the table is missing.
std::map<std::string, std::string> pending_backfills(ClickHouseClient& client, const ClickHouseSchemaOptions& o) {
  std::map<std::string, std::string> out;
  const std::string exists = client.query(
      fmt::format("SELECT count() FROM system.tables WHERE database = {} AND name = 'dnslens_rollup_backfill'",
                  clickhouse_quote(o.database)));
  if (!exists.starts_with("1")) return out;
  for (auto& row :
       parse_clickhouse_tsv(client.query(clickhouse_owed_backfills_sql(q(o.database) + ".`dnslens_rollup_backfill`") +
                                         " FORMAT TabSeparatedWithNames"),
                            false)
           .rows) {
    if (row.size() == 2 && row[0]) out[std::move(*row[0])] = row[1] ? std::move(*row[1]) : std::string();
  }
  return out;
}

// Records that the rollups' rebuild from `since` on is owed (pending) or done.
void set_backfill(ClickHouseClient& client, const ClickHouseSchemaOptions& o, const std::vector<std::string>& rollups,
                  std::string_view since, bool pending) {
  if (rollups.empty()) return;
  // After every version recorded, even with a clock that stepped back.
  const std::int64_t newest = std::atoll(
      client.query(fmt::format("SELECT max(version) FROM {}.`dnslens_rollup_backfill`", q(o.database))).c_str());
  const std::int64_t version = std::max<std::int64_t>(
      newest + 1,
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::string values;
  for (const auto& r : rollups) {
    values += fmt::format("{}({}, {}, {}, {})", values.empty() ? "" : ", ", clickhouse_quote(r),
                          clickhouse_quote(std::string(since)), pending ? 1 : 0, version);
  }
  client.query(fmt::format("INSERT INTO {}.`dnslens_rollup_backfill` (`rollup`, since, pending, version) VALUES {}",
                           q(o.database), values));
}

}  // namespace

std::vector<std::string> clickhouse_rebuild_rollups(ClickHouseClient& client, const ClickHouseSchemaOptions& o,
                                                    const ClickHouseRebuildRange& range,
                                                    const std::vector<std::string>& only) {
  const ClickHouseTableInfo info = clickhouse_table_info(client, o);  // the schema is there and current
  ClickHouseDialect d = clickhouse_dialect(client.version());
  d.datetime64 = info.datetime64;
  const std::vector<Rollup> all = rollups(d);
  for (const auto& name : only) {
    if (std::none_of(all.begin(), all.end(), [&](const Rollup& r) { return r.table.name == name; }))
      throw Error(ErrorCode::kUsage, fmt::format("there is no rollup named {}", name));
  }
  // A day's INSERT ... SELECT can take minutes, and is sent once: sent again after a failure of
  // unknown outcome (a timeout, a lost connection) it could add the day twice. A failure ends the
  // rebuild and says which day to rebuild again.
  ClickHouseConfig insert_config = client.config();
  insert_config.max_retries = 0;
  insert_config.timeout_ms = std::max(insert_config.timeout_ms, 3'600'000);
  ClickHouseClient inserter(insert_config);
  const std::string db = q(o.database);
  const std::string source = fmt::format("{}.`route53query`", db);  // on a cluster the Distributed table: all shards
  // Every node must drop each day: one that cannot would keep the views' rows of the day beside the ones
  // inserted here. An idempotent statement on every node first, the way each DROP goes, so a node down
  // ends the rebuild before anything is dropped (it also creates the table of owed rebuilds where an
  // older migrate did not).
  try {
    // A short wait: the statement is trivial, so a node that has not run it in 10 s is down or stuck.
    auto settings = ddl_settings(client, o, false);
    if (!o.cluster.empty()) settings["distributed_ddl_task_timeout"] = "10";
    client.query(backfill_table_sql(o), settings);
  } catch (const Error& e) {
    if (o.cluster.empty() || std::string_view(e.what()).find("Code: 159") == std::string_view::npos) throw;
    throw Error(e.code(),
                fmt::format("not every node of cluster {} answers within 10 s, and a rebuild drops each day on "
                            "every node: nothing was dropped; run it again once every node is up ({})",
                            o.cluster, e.what()));
  }
  const std::map<std::string, std::string> owed = pending_backfills(client, o);
  std::vector<std::string> done;
  // Staging tables of rebuilds that did not finish (killed), or of one running now.
  std::vector<std::string> leftovers;
  for (auto& row : parse_clickhouse_tsv(
                       client.query(fmt::format("SELECT name FROM system.tables WHERE database = {} AND match(name, "
                                                "'_rebuild_[0-9a-f]{{8}}$') ORDER BY name FORMAT TabSeparatedWithNames",
                                                clickhouse_quote(o.database))),
                       false)
                       .rows) {
    if (row.size() == 1 && row[0]) leftovers.push_back(std::move(*row[0]));
  }
  if (!leftovers.empty()) {
    done.push_back(
        fmt::format("staging tables of an earlier rebuild that did not finish (or of one running now): {}; "
                    "drop them once no rebuild runs",
                    fmt::join(leftovers, " ")));
  }
  const std::string run_id = fmt::format("{:08x}", std::random_device{}());
  std::optional<std::vector<Period>> days, months;
  for (const Rollup& r : all) {
    if (!only.empty() && std::find(only.begin(), only.end(), r.table.name) == only.end()) continue;
    auto& periods = r.monthly ? months : days;
    if (!periods) periods = periods_with_records(client, o, range, r.monthly);
    // A month whose rollup knows of records older than the oldest still stored (retention dropped
    // them) keeps its rollup: rebuilt, it would forget them.
    std::map<std::string, std::int64_t> rollup_oldest;
    if (r.monthly && !periods->empty()) {
      for (auto& [month, oldest] : text_number_rows(
               client, fmt::format("SELECT toString(month), toUnixTimestamp(toDateTime(minMerge(first_seen))) FROM "
                                   "{}.{} GROUP BY month",
                                   db, q(r.table.name))))
        rollup_oldest[std::move(month)] = oldest;
    }
    // The rows go into the rollup table of the node this talks to; readers aggregate over all shards, so
    // where they lie does not matter. Each period is computed into a staging table on that node first
    // (its own engine, not replicated, with the rollup's columns), while readers still see the old rows;
    // then the period is dropped on every shard and the staging one put in its place (REPLACE PARTITION,
    // which the rollup's replicas then fetch): readers see the period missing only between those two.
    // The staging table is this run's own (another rebuild at the same time has its own: each REPLACE
    // puts in a whole period), dropped when the rollup is done or the rebuild fails.
    const std::string target = o.cluster.empty() ? q(r.table.name) : q(fmt::format("{}_local", r.table.name));
    const std::string staging = q(fmt::format("{}_rebuild_{}", r.table.name, run_id));
    struct StagingTable {
      ClickHouseClient& client;
      std::string name;  // empty: not created
      ~StagingTable() {
        if (name.empty()) return;
        try {
          client.query("DROP TABLE IF EXISTS " + name);
        } catch (const Error&) {  // left behind; the next rebuild names it
        }
      }
    } staged{client, {}};
    // What is owed of this rollup before this run (empty: every period) and what this run recorded.
    const auto prior_it = owed.find(std::string(r.table.name));
    const std::optional<std::string> prior =
        prior_it == owed.end() ? std::nullopt : std::optional<std::string>(prior_it->second);
    std::optional<std::string> recorded_from;
    const auto owed_from = [&](const std::string& period) {
      return prior ? std::min(*prior, period) : period;  // "" (every period) sorts first
    };
    std::vector<std::string> rebuilt, kept;
    for (const Period& p : *periods) {
      const auto older = rollup_oldest.find(p.start);
      if (older != rollup_oldest.end() && older->second < p.oldest_s) {
        kept.push_back(p.start);
        continue;
      }
      if (staged.name.empty()) {
        const std::string name = fmt::format("{}.{}", db, staging);
        client.query(fmt::format("CREATE TABLE {} AS {}.{} ENGINE = {}({}) PARTITION BY {} ORDER BY ({})", name, db,
                                 target, r.table.engine, r.table.engine_args, r.table.partition_by, r.table.order_by));
        staged.name = name;
      }
      // What is left: this period on, of this rollup and those not reached yet.
      std::vector<std::string_view> left;
      for (auto it = std::find_if(all.begin(), all.end(), [&](const Rollup& x) { return &x == &r; }); it != all.end();
           ++it) {
        if (only.empty() || std::find(only.begin(), only.end(), it->table.name) != only.end())
          left.push_back(it->table.name);
      }
      const std::string rerun = fmt::format(
          "run dnslens clickhouse rebuild-rollups --since {}{} --rollup {} again", p.start,
          range.until_ms ? " --until " + iso8601_seconds(*range.until_ms) : std::string(), fmt::join(left, ","));
      const std::string what = fmt::format("{} of {} {}", r.table.name, r.monthly ? "the month" : "the day", p.start);
      const std::string where =
          fmt::format(" WHERE {} = toDate('{}')", r.monthly ? "toStartOfMonth(query_ts)" : "toDate(query_ts)", p.start);
      try {
        inserter.query(fmt::format("INSERT INTO {} {}", staged.name, rollup_select(r, source, where)),
                       // A replica within a second of the others where there is one: a lagging one
                       // would miss the newest records.
                       {{"max_replica_delay_for_distributed_queries", "1"}},
                       /*idempotent=*/false);
      } catch (const Error& e) {
        throw Error(e.code(), fmt::format("rebuilding {}: {}; the rollup is as it was (nothing of it was dropped); {}",
                                          what, e.what(), rerun));
      }
      // From the drop on, the rollup is incomplete until the period is in place: recorded as owed first,
      // so that a rebuild killed or cut off in between is finished by the next `migrate`.
      if (!recorded_from) {
        try {
          set_backfill(client, o, {std::string(r.table.name)}, owed_from(p.start), true);
        } catch (const Error& e) {
          throw Error(e.code(), fmt::format("recording the rebuild of {} as owed: {}; the rollup is as it was "
                                            "(nothing of it was dropped); {}",
                                            what, e.what(), rerun));
        }
        recorded_from = owed_from(p.start);
      }
      // After a failure what is owed starts at this period (the ones before are in place), or earlier.
      const auto owe = [&] {
        if (owed_from(p.start) == *recorded_from) return std::string();
        try {
          set_backfill(client, o, {std::string(r.table.name)}, owed_from(p.start), true);
          return std::string();
        } catch (const Error& e) {
          return fmt::format(" (recorded for dnslens clickhouse migrate as owed from {})", *recorded_from);
        }
      };
      // On a cluster every shard drops the period. Had a node not done so in time (the server's Code 159),
      // its shard could still hold the views' rows of the period next to the ones put in here.
      try {
        client.query(fmt::format("ALTER TABLE {}.{}{} DROP PARTITION '{}'", db, target, on_cluster(o), p.start),
                     ddl_settings(client, o, false));
      } catch (const Error& e) {
        const bool node_late = std::string_view(e.what()).find("Code: 159") != std::string_view::npos;
        const std::string note = owe();
        throw Error(e.code(), fmt::format("dropping {}: {}; the rollups are incomplete until rebuilt: {}{}{}", what,
                                          e.what(), rerun, node_late ? " once every node is up" : "", note));
      }
      try {
        client.query(fmt::format("ALTER TABLE {}.{} REPLACE PARTITION '{}' FROM {}", db, target, p.start, staged.name));
      } catch (const Error& e) {
        const std::string note = owe();
        throw Error(e.code(), fmt::format("putting the rebuilt {} in place: {}; the rollups are incomplete until "
                                          "rebuilt: {}{}",
                                          what, e.what(), rerun, note));
      }
      // The staging copy of the period is not needed any more (REPLACE shares its files); the table goes
      // at the end anyway.
      try {
        client.query(fmt::format("ALTER TABLE {} DROP PARTITION '{}'", staged.name, p.start));
      } catch (const Error&) {
      }
      rebuilt.push_back(p.start);
    }
    // Done: an owed rebuild this one covered (every period from the owed one's first moment on) is done;
    // one it did not cover stays owed as it was.
    const bool covered =
        !range.until_ms &&
        (!range.since_ms ||
         (prior && !prior->empty() && *range.since_ms <= parse_iso8601_ms(*prior + "T00:00:00Z").value_or(INT64_MIN)));
    bool cleared = false;
    if (prior && covered) {
      set_backfill(client, o, {std::string(r.table.name)}, "", false);
      cleared = true;
    } else if (prior && recorded_from && *recorded_from != *prior) {
      set_backfill(client, o, {std::string(r.table.name)}, *prior, true);
    } else if (!prior && recorded_from) {
      set_backfill(client, o, {std::string(r.table.name)}, "", false);
    }
    std::string line = rebuilt.empty()
                           ? fmt::format("{}: nothing rebuilt", r.table.name)
                           : fmt::format("{}: rebuilt {} {} from route53query ({} to {})", r.table.name, rebuilt.size(),
                                         r.monthly ? (rebuilt.size() == 1 ? "month" : "months")
                                                   : (rebuilt.size() == 1 ? "day" : "days"),
                                         rebuilt.front(), rebuilt.back());
    if (periods->empty()) line += " (no records in the range)";
    if (!kept.empty())
      line += fmt::format("; kept {} {} whose rollup holds records older than those still stored ({})", kept.size(),
                          kept.size() == 1 ? "month" : "months", fmt::join(kept, ", "));
    if (cleared) line += "; its owed rebuild is done";
    done.push_back(std::move(line));
  }
  return done;
}

std::vector<std::string> clickhouse_init(ClickHouseClient& client, const ClickHouseSchemaOptions& options) {
  ClickHouseDialect d = clickhouse_dialect(client.version());
  ClickHouseSchemaOptions o = options;
  // New tables keep to the timestamp width of a route53query created before a server upgrade (the
  // rollups' states hold its values).
  const std::string existing = client.query(
      fmt::format("SELECT type FROM system.columns WHERE database = {} AND table = 'route53query' AND name = "
                  "'query_ts'",
                  clickhouse_quote(o.database)));
  if (!existing.empty()) d.datetime64 = existing.starts_with("DateTime64");
  if (o.retention_days > 0 && !d.ttl)
    throw Error(ErrorCode::kUsage, "this ClickHouse server has no TTL: retention needs 19.6 or later");
  // The dashboards' rollups expire with the records: a table created now takes route53query's own
  // retention (an existing table keeps its TTL whatever --retention-days says), none where it has none.
  std::string ttl_note;
  if (!existing.empty()) {
    const std::string create = client.query(fmt::format(
        "SELECT create_table_query FROM system.tables WHERE database = {} AND name = {}", clickhouse_quote(o.database),
        clickhouse_quote(o.cluster.empty() ? "route53query" : "route53query_local")));
    constexpr std::string_view kTtl = "TTL toDate(query_ts) + toIntervalDay(";
    const std::size_t at = create.find(kTtl);
    o.retention_days = at == std::string::npos ? 0 : std::atoi(create.c_str() + at + kTtl.size());
    if (at == std::string::npos && create.find(" TTL ") != std::string::npos) {
      ttl_note =
          "route53query has a TTL other than dnslens's (whole days of query_ts): rollups created now have none; "
          "give traffic_hour and rdns_hour the same one (ALTER TABLE ... MODIFY TTL)";
    }
  }
  const int had = clickhouse_schema_version(client, o);
  if (had > kClickHouseSchemaVersion) {
    throw Error(ErrorCode::kConfig,
                fmt::format("ClickHouse database {} has schema version {}, newer than this dnslens's {}", o.database,
                            had, kClickHouseSchemaVersion));
  }
  // Rollups created now (table or view missing) over records already stored are filled from them
  // afterwards. With a shard down the count reads the others.
  const bool had_records =
      !existing.empty() && client
                               .query(fmt::format("SELECT count() > 0 FROM {}.`route53query`", q(o.database)),
                                      {{"skip_unavailable_shards", "1"}})
                               .starts_with("1");
  std::vector<std::string> new_rollups;
  if (had_records) {
    for (const Rollup& r : rollups(d)) {
      const std::string there = client.query(fmt::format(
          "SELECT count() FROM system.tables WHERE database = {} AND name IN ({}, {})", clickhouse_quote(o.database),
          clickhouse_quote(std::string(r.table.name)), clickhouse_quote(fmt::format("{}_mv", r.table.name))));
      if (!there.starts_with("2")) new_rollups.emplace_back(r.table.name);
    }
  }
  std::vector<std::string> done;
  if (!ttl_note.empty()) done.push_back(ttl_note);
  bool lagging = false;
  const std::string backfill_table = backfill_table_sql(o);
  for (const auto& sql : clickhouse_schema_sql(d, o)) {
    // A slow or dead node ends an ON CLUSTER statement in the server's own error (Code 159, naming the
    // unfinished hosts). The statement stays queued for them (they run it when they return), so init
    // goes on and says so.
    try {
      client.query(sql, ddl_settings(client, o, lagging));
      done.push_back(sql.substr(0, sql.find(" (")));
    } catch (const Error& e) {
      const std::string what = e.what();
      if (o.cluster.empty() || what.find("Code: 159") == std::string::npos) throw;
      done.push_back(
          fmt::format("{} - not yet on every node, queued for the others: {}", sql.substr(0, sql.find(" (")), what));
      lagging = true;
    }
    // The backfill of the rollups about to be created is owed before they exist: a migrate stopped
    // after creating them (killed, a node down, a failed backfill) leaves it recorded for the next.
    if (sql == backfill_table) set_backfill(client, o, new_rollups, "", true);
  }
  if (had < kClickHouseSchemaVersion) {
    const std::string insert =
        fmt::format("INSERT INTO {}.`dnslens_schema` VALUES ({}, now())", q(o.database), kClickHouseSchemaVersion);
    client.query(insert);
    done.push_back(fmt::format("schema version {}", kClickHouseSchemaVersion));
  }
  // The rollups created now, and those an earlier migrate or rebuild left owed, rebuilt from the records.
  const std::map<std::string, std::string> owed = pending_backfills(client, o);
  if (!owed.empty()) {
    std::vector<std::string> names;
    for (const auto& [name, since] : owed) names.push_back(since.empty() ? name : name + " from " + since);
    const std::string advice = fmt::format(
        "the rollups {} do not have all the records stored before them yet: run dnslens clickhouse "
        "migrate again{} (or rebuild-rollups)",
        fmt::join(names, ", "), lagging ? " once every node is up" : "");
    if (lagging) {
      done.push_back(advice);
    } else {
      try {
        for (const auto& [name, since] : owed) {
          ClickHouseRebuildRange range;
          if (!since.empty()) range.since_ms = parse_iso8601_ms(since + "T00:00:00Z");
          for (auto& line : clickhouse_rebuild_rollups(client, o, range, {name}))
            done.push_back("backfilled " + std::move(line));
        }
      } catch (const Error& e) {
        throw Error(e.code(), fmt::format("{}; {}", e.what(), advice));
      }
    }
  }
  return done;
}

ClickHouseTableInfo clickhouse_table_info(ClickHouseClient& client, const ClickHouseSchemaOptions& o) {
  const std::string types = client.query(fmt::format(
      "SELECT name, type FROM system.columns WHERE database = {} AND table = 'route53query' FORMAT TabSeparated",
      clickhouse_quote(o.database)));
  if (types.empty()) {
    throw Error(ErrorCode::kConfig,
                fmt::format("ClickHouse at {} has no dnslens tables in database {}: run dnslens clickhouse init first",
                            client.where(), o.database));
  }
  const int version = clickhouse_schema_version(client, o);
  if (version > kClickHouseSchemaVersion) {
    throw Error(ErrorCode::kConfig,
                fmt::format("ClickHouse database {} has schema version {}, newer than this dnslens's {}: upgrade "
                            "dnslens",
                            o.database, version, kClickHouseSchemaVersion));
  }
  if (version < kClickHouseSchemaVersion) {
    throw Error(ErrorCode::kConfig,
                fmt::format("ClickHouse database {} at {} has schema version {}, older than this dnslens's {}: run "
                            "dnslens clickhouse migrate",
                            o.database, client.where(), version, kClickHouseSchemaVersion));
  }
  // The other tables' time columns, each as its table was created.
  const std::string times = client.query(
      fmt::format("SELECT table, type FROM system.columns WHERE database = {} AND ((table = 'findings' AND name = "
                  "'first_seen') OR (table IN ('dead_letters', 'ingest_requests') AND name = 'received_at')) FORMAT "
                  "TabSeparated",
                  clickhouse_quote(o.database)));
  // Every column RowBinary rows carry, in order (the key columns are MATERIALIZED, not sent).
  std::vector<std::string> names;
  ClickHouseTableInfo info;
  for (std::size_t at = 0; at < types.size();) {
    const std::size_t end = std::min(types.find('\n', at), types.size());
    const std::string_view line(types.data() + at, end - at);
    const std::size_t tab = line.find('\t');
    const std::string_view name = line.substr(0, tab);
    const std::string_view type = tab == std::string_view::npos ? std::string_view{} : line.substr(tab + 1);
    if (name != "account_key" && name != "vpc_key" && name != "domain_key") names.emplace_back(name);
    if (name == "query_ts") info.datetime64 = type.starts_with("DateTime64");
    at = end + 1;
  }
  for (std::size_t at = 0; at < times.size();) {
    const std::size_t end = std::min(times.find('\n', at), times.size());
    const std::string_view line(times.data() + at, end - at);
    const bool wide = line.find("\tDateTime64") != std::string_view::npos;
    if (line.starts_with("findings\t")) info.findings_datetime64 = wide;
    if (line.starts_with("dead_letters\t")) info.dead_letters_datetime64 = wide;
    if (line.starts_with("ingest_requests\t")) info.requests_datetime64 = wide;
    at = end + 1;
  }
  std::vector<std::string> want;
  for (const auto& c : clickhouse_query_columns(ClickHouseDialect{})) want.push_back(c.name);
  if (names != want) {
    throw Error(ErrorCode::kConfig,
                fmt::format("ClickHouse table {}.route53query at {} does not have the columns dnslens writes ({} "
                            "columns, {} expected): run dnslens clickhouse migrate",
                            o.database, client.where(), names.size(), want.size()));
  }
  return info;
}

std::string clickhouse_insert_table(const ClickHouseSchemaOptions& o, std::string_view name) {
  return fmt::format("{}.{}", q(o.database), q(name));
}

void clickhouse_insert_rows(ClickHouseClient& client, const ClickHouseSchemaOptions& o, std::string_view table,
                            std::string_view rows, bool dedup, std::string_view token) {
  std::map<std::string, std::string> settings;
  if (!o.cluster.empty()) settings["insert_distributed_sync"] = "1";
  if (dedup) {
    if (!token.empty()) settings["insert_deduplication_token"] = std::string(token);
    // Servers from 24.7 hand a block the table dropped as a duplicate to the views anyway unless asked.
    settings["deduplicate_blocks_in_dependent_materialized_views"] = "1";
  }
  client.insert(fmt::format("INSERT INTO {} FORMAT RowBinary", clickhouse_insert_table(o, table)), rows, settings,
                /*idempotent=*/!o.cluster.empty());
}

}  // namespace dnslens
