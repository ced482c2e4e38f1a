#include "store/clickhouse/clickhouse_schema.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/error.hpp"
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

}  // namespace

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
      "vpc_key, domain_key, query_ts){}",
      db, local_table(o), on_cluster(o), columns, engine, ttl));
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
  const std::string exists = client.query(
      fmt::format("SELECT count() FROM system.tables WHERE database = '{}' AND name = 'dnslens_schema'", o.database));
  if (exists.empty() || exists[0] == '0') return 0;
  const std::string v = client.query(fmt::format("SELECT max(version) FROM {}.`dnslens_schema`", q(o.database)));
  return std::atoi(v.c_str());
}

std::vector<std::string> clickhouse_init(ClickHouseClient& client, const ClickHouseSchemaOptions& o) {
  const ClickHouseDialect d = clickhouse_dialect(client.version());
  const int had = clickhouse_schema_version(client, o);
  if (had > kClickHouseSchemaVersion) {
    throw Error(ErrorCode::kConfig,
                fmt::format("ClickHouse database {} has schema version {}, newer than this dnslens's {}", o.database,
                            had, kClickHouseSchemaVersion));
  }
  std::vector<std::string> done;
  for (const auto& sql : clickhouse_schema_sql(d, o)) {
    // The server waits for every node of an ON CLUSTER statement up to distributed_ddl_task_timeout: kept
    // under the client's read timeout, so a slow or dead node ends in the server's own error (Code 159,
    // naming the unfinished hosts) rather than a client timeout. The client still retries 159 like any
    // unknown outcome, so a dead node makes init wait that long per attempt.
    std::map<std::string, std::string> settings;
    if (!o.cluster.empty())
      settings["distributed_ddl_task_timeout"] = std::to_string(std::max(5, client.config().timeout_ms / 1000 - 10));
    client.query(sql, settings);
    done.push_back(sql.substr(0, sql.find(" (")));
  }
  if (had < kClickHouseSchemaVersion) {
    const std::string insert =
        fmt::format("INSERT INTO {}.`dnslens_schema` VALUES ({}, now())", q(o.database), kClickHouseSchemaVersion);
    client.query(insert);
    done.push_back(fmt::format("schema version {}", kClickHouseSchemaVersion));
  }
  return done;
}

ClickHouseTableInfo clickhouse_table_info(ClickHouseClient& client, const ClickHouseSchemaOptions& o) {
  const std::string types = client.query(fmt::format(
      "SELECT name, type FROM system.columns WHERE database = '{}' AND table = 'route53query' FORMAT TabSeparated",
      o.database));
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

std::string clickhouse_insert_table(const ClickHouseSchemaOptions& o) {
  return fmt::format("{}.`route53query`", q(o.database));
}

}  // namespace dnslens
