#pragma once
// dnslens's tables on ClickHouse, created and migrated by `dnslens clickhouse init|migrate`, shaped by
// what the server's version has (SELECT version()): route53query with the DuckDB store's (and AWS's
// Athena table's) column names, so the same SQL reads both; answers as the Nested columns
// answers.Rdata / answers.Type / answers.Class and srcids as srcids.instance, srcids.resolver_endpoint
// and srcids.resolver_network_interface, which read as Athena's struct fields do.
// - Partitioned by day, ordered by account, VPC, registered domain and time (the panels' and drill-downs'
//   filters), through key columns that are never NULL.
// - Current servers (20.1 and later): DateTime64(3, 'UTC'), LowCardinality for low-variety texts, ZSTD
//   on the long texts, and TTL retention when asked. Older ones (Debian's 18.16): DateTime('UTC') (the
//   milliseconds stay in query_timestamp), plain Nullable(String), no codecs, no TTL.
// - With a cluster name: ReplicatedMergeTree tables route53query_local on every node (ON CLUSTER) and a
//   Distributed route53query over them, sharded by the source address.
// - findings (ReplacingMergeTree by run and finding key: stored again, a finding replaces itself; read
//   with FINAL), dead_letters, and ingest_requests (serve's Firehose request ids; replicated to every node
//   of a cluster), with the DuckDB store's column names.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/clickhouse/clickhouse_client.hpp"

namespace dnslens {

// 1: route53query. 2: findings, dead_letters, ingest_requests. 3: the rollups and their materialized views.
// 4: the dashboards' rollups, traffic_hour and rdns_hour.
inline constexpr int kClickHouseSchemaVersion = 4;

struct ClickHouseDialect {
  bool datetime64 = false;       // DateTime64(3, 'UTC') for query_ts (else DateTime, whole seconds)
  bool low_cardinality = false;  // LowCardinality(...) for low-variety texts
  bool codecs = false;           // CODEC(ZSTD) on long texts
  bool ttl = false;              // TTL retention
  bool dedup_token = false;      // insert_deduplication_token (22.2 and later)
};
[[nodiscard]] ClickHouseDialect clickhouse_dialect(const ClickHouseVersion& v);

struct ClickHouseSchemaOptions {
  std::string database = "dnslens";
  std::string cluster;     // empty: one server, plain MergeTree
  int retention_days = 0;  // > 0 and the dialect has TTL: rows older than this are dropped
};

// route53query's columns as ClickHouse has them, in the order RowBinary rows carry them.
struct ClickHouseColumn {
  std::string name;
  std::string type;
};
[[nodiscard]] std::vector<ClickHouseColumn> clickhouse_query_columns(const ClickHouseDialect& d);

// The statements that create (idempotently) the database and tables.
[[nodiscard]] std::vector<std::string> clickhouse_schema_sql(const ClickHouseDialect& d,
                                                             const ClickHouseSchemaOptions& o);

// Creates what is missing and records the schema version; returns what it did, one line per statement.
// Where route53query exists, the dashboards' rollups it creates take route53query's own TTL (or none),
// not o.retention_days.
std::vector<std::string> clickhouse_init(ClickHouseClient& client, const ClickHouseSchemaOptions& o);
// Rebuilds rollups from route53query: for every day with records in the range (passive_dns: every month
// with records, its partition), the rollup's partition is dropped on every shard and computed again from
// the records. It fills the rollups for records loaded before they existed (`migrate` does it for
// rollups it creates) and repairs them. A day's rollup is only replaced from that day's records, so a
// day whose records retention has dropped keeps its rollup, and so does a month of passive DNS whose
// rollup holds records older than the oldest still stored. A period is computed into a staging table
// (`<rollup>_rebuild_<run id>` on the node dnslens talks to) and then swapped in (DROP PARTITION on every shard,
// REPLACE PARTITION from the staging table), so readers see it missing only between the two statements.
// Records loaded into a day while it is rebuilt may count twice or not at all: rebuild days that no
// longer receive records, or stop loading. On a cluster every node must answer first (else nothing is dropped).
// A failure ends the rebuild with an Error naming the day to rebuild again. A failed insert (into the
// staging table) leaves the rollup as it was. Before its first drop a rebuild records itself as owed in
// dnslens_rollup_backfill (from that day, or an earlier day already owed), moves that to the day that
// failed if one does, and settles it at the end; `migrate` (clickhouse_init) finishes what is owed, and a
// rebuild whose range covers an owed one (no until, since at or before its first moment) clears it. `migrate` records
// the backfill of the rollups it creates there before creating them. `only`: these rollups (empty: all). Returns one
// line per rollup; throws Error(kUsage) for an unknown rollup name.
struct ClickHouseRebuildRange {
  std::optional<std::int64_t> since_ms;  // records from this time (none: the oldest)
  std::optional<std::int64_t> until_ms;  // before this time (none: the newest)
};
std::vector<std::string> clickhouse_rebuild_rollups(ClickHouseClient& client, const ClickHouseSchemaOptions& o,
                                                    const ClickHouseRebuildRange& range,
                                                    const std::vector<std::string>& only = {});
// The rows a rollup's materialized view makes of the records of `source` that match `where` (" WHERE
// ..." or empty), in the rollup table's columns: what a reader adds to the rollup's own rows for records
// the rollup's whole periods leave out (a range's partial minutes or hours). Their `sig` is 0 (no
// signature: the rows are only added to the rollup's own). Throws Error(kInternal) for a name that is
// no rollup.
[[nodiscard]] std::string clickhouse_rollup_select(std::string_view rollup, std::string_view source,
                                                   std::string_view where);
// A rollup's column names, comma-separated, in its table's order (which its view's SELECT gives too).
// Throws Error(kInternal) for a name that is no rollup.
[[nodiscard]] std::string clickhouse_rollup_columns(std::string_view rollup);
// The schema version the database has (0: none).
[[nodiscard]] int clickhouse_schema_version(ClickHouseClient& client, const ClickHouseSchemaOptions& o);
// The rollups whose rebuild is owed, from `table` (dnslens_rollup_backfill, with its database or not):
// rollup and the day it is owed from, one row each. Both `migrate` and the dashboards (which read a
// rollup only when nothing is owed) ask with it.
[[nodiscard]] std::string clickhouse_owed_backfills_sql(std::string_view table);

// What a loader needs to know of the tables on the node it talks to (the table's own column types, not
// the server's dialect: a table created before an upgrade keeps its types). Throws Error(kConfig) when
// route53query is missing ("run dnslens clickhouse init first"), its columns are not the ones dnslens
// writes, or the schema version is newer than this dnslens's.
struct ClickHouseTableInfo {
  bool datetime64 = false;               // query_ts is DateTime64 (8-byte milliseconds), else DateTime (4-byte seconds)
  bool findings_datetime64 = false;      // findings' first_seen, last_seen and recorded_at
  bool dead_letters_datetime64 = false;  // dead_letters.received_at
  bool requests_datetime64 = false;      // ingest_requests.received_at
};
[[nodiscard]] ClickHouseTableInfo clickhouse_table_info(ClickHouseClient& client, const ClickHouseSchemaOptions& o);

// The table inserts go to: `database`.`name` (the Distributed table on a cluster; ingest_requests is
// the same table on every node).
[[nodiscard]] std::string clickhouse_insert_table(const ClickHouseSchemaOptions& o,
                                                  std::string_view name = "route53query");

// Sends RowBinary rows into one of dnslens's tables: on a cluster synchronously to the shards
// (insert_distributed_sync), so a returned insert is on them. On servers that have it (dedup, 22.2+), a
// block the table drops as a duplicate is dropped from the rollups' views too, and `token` (when given)
// is the block's insert_deduplication_token. Replicated tables drop a block they already have, so any
// failure is retried there; a single server's MergeTree would store it twice, so only a refusal that
// says nothing was written is.
void clickhouse_insert_rows(ClickHouseClient& client, const ClickHouseSchemaOptions& o, std::string_view table,
                            std::string_view rows, bool dedup, std::string_view token = {});

}  // namespace dnslens
