#include "pipeline/security_lake_export.hpp"

#include <unistd.h>

#include <fstream>
#include <system_error>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/error.hpp"
#include "parse/query_log_parser.hpp"
#include "pipeline/record_processor.hpp"
#include "sinks/ocsf/ocsf_encoder.hpp"
#include "store/store_export.hpp"
#include "store/store_schema.hpp"

namespace dnslens {

namespace {

// The OCSF 1.1.0 DNS Activity event as dnslens writes it, as DuckDB types: every file gets these
// columns whatever its events hold. enrichments[].data and unmapped are JSON text (OCSF's json_t).
constexpr std::string_view kEventColumns =
    "{'class_uid': 'INTEGER', 'class_name': 'VARCHAR', 'category_uid': 'INTEGER', 'category_name': 'VARCHAR', "
    "'activity_id': 'INTEGER', 'activity_name': 'VARCHAR', 'type_uid': 'BIGINT', 'type_name': 'VARCHAR', "
    "'severity_id': 'INTEGER', 'severity': 'VARCHAR', 'time': 'BIGINT', 'time_dt': 'TIMESTAMP', "
    "'metadata': 'STRUCT(product STRUCT(feature STRUCT(name VARCHAR), name VARCHAR, vendor_name VARCHAR, "
    "version VARCHAR), profiles VARCHAR[], version VARCHAR)', "
    "'cloud': 'STRUCT(account STRUCT(uid VARCHAR), provider VARCHAR, region VARCHAR)', "
    "'src_endpoint': 'STRUCT(ip VARCHAR, port INTEGER, vpc_uid VARCHAR, instance_uid VARCHAR, name VARCHAR)', "
    "'dst_endpoint': 'STRUCT(instance_uid VARCHAR, interface_uid VARCHAR)', "
    "'connection_info': 'STRUCT(direction VARCHAR, direction_id INTEGER, protocol_name VARCHAR, protocol_num "
    "INTEGER)', "
    "'query': 'STRUCT(hostname VARCHAR, type VARCHAR, class VARCHAR)', "
    "'answers': 'STRUCT(rdata VARCHAR, type VARCHAR, class VARCHAR)[]', "
    "'rcode_id': 'INTEGER', 'rcode': 'VARCHAR', 'action_id': 'INTEGER', 'action': 'VARCHAR', "
    "'disposition_id': 'INTEGER', 'disposition': 'VARCHAR', 'firewall_rule': 'STRUCT(uid VARCHAR)', "
    "'observables': 'STRUCT(name VARCHAR, type VARCHAR, type_id INTEGER, value VARCHAR)[]', "
    "'enrichments': 'STRUCT(name VARCHAR, value VARCHAR, type VARCHAR, provider VARCHAR, data JSON)[]', "
    "'unmapped': 'JSON'}";

// The store's records as Route 53 lines (the store keeps the version as a number and the port as an
// integer; a record without srcids gets an empty object, as Route 53 writes it).
std::string route53_lines_sql(std::string_view where) {
  return fmt::format(
      "SELECT printf('%.6f', version) AS version, account_id, region, vpc_id, query_timestamp, query_name, "
      "query_type, query_class, rcode, answers, srcaddr, CAST(srcport AS VARCHAR) AS srcport, transport, "
      "COALESCE(srcids, {{'instance': NULL, 'resolver_endpoint': NULL, 'resolver_network_interface': NULL}}) AS "
      "srcids, firewall_rule_action, firewall_rule_group_id, firewall_domain_list_id FROM {} WHERE {} ORDER BY "
      "query_ts",
      kQueryTable, where);
}

// An AWS Region code: two letters, then dash-separated words, then a number (us-east-1, us-gov-west-1,
// ap-southeast-4, cn-north-1).
bool is_aws_region(std::string_view s) {
  const auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.size() < 6 || s.size() > 32 || !lower(s[0]) || !lower(s[1]) || s[2] != '-') return false;
  const std::size_t dash = s.rfind('-');
  if (dash <= 2 || dash + 1 == s.size()) return false;
  for (std::size_t i = dash + 1; i < s.size(); ++i)
    if (!digit(s[i])) return false;
  for (std::size_t i = 3; i < dash; ++i) {
    if (s[i] == '-' ? s[i - 1] == '-' : !lower(s[i])) return false;
  }
  return s[dash - 1] != '-';
}

bool is_aws_account(std::string_view s) {
  return s.size() == 12 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

void SecurityLakeExportOptions::validate() const {
  if (dir.empty()) throw Error(ErrorCode::kUsage, "the Security Lake export needs a directory");
  const bool name_ok = !source_name.empty() && source_name.size() <= 64 && source_name != "." && source_name != ".." &&
                       source_name.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == std::string::npos;
  if (!name_ok) {
    throw Error(ErrorCode::kUsage,
                fmt::format("custom source name '{}': 1 to 64 letters, digits, '_', '-' or '.'", source_name));
  }
  if (compression != "zstd" && compression != "snappy" && compression != "gzip" && compression != "uncompressed") {
    throw Error(ErrorCode::kUsage,
                fmt::format("unknown Parquet compression '{}' (zstd, snappy, gzip, uncompressed)", compression));
  }
  if (from_ms && to_ms && *from_ms >= *to_ms)
    throw Error(ErrorCode::kUsage, "the export range is empty (--from >= --to)");
}

SecurityLakeExportStats export_security_lake(DuckConnection& conn, const PublicSuffixList& psl,
                                             const SecurityLakeExportOptions& o) {
  o.validate();
  SecurityLakeExportStats stats;
  const std::filesystem::path source_dir = o.dir / "ext" / o.source_name;
  const std::filesystem::path work = o.dir / fmt::format(".dnslens-export-{}", ::getpid());
  std::error_code ec;
  std::filesystem::create_directories(work, ec);
  if (!ec) std::filesystem::create_directories(source_dir, ec);
  if (ec) throw Error(ErrorCode::kIo, fmt::format("cannot create {}: {}", o.dir.string(), ec.message()));
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{work};

  // 1. The records as Route 53 lines, written by DuckDB (bounded memory whatever the store's size).
  std::string where = "query_ts IS NOT NULL";
  if (o.from_ms) where += fmt::format(" AND query_ts >= {}", sql_timestamp_ms(*o.from_ms));
  if (o.to_ms) where += fmt::format(" AND query_ts < {}", sql_timestamp_ms(*o.to_ms));
  const std::filesystem::path route53 = work / "route53.jsonl";
  conn.exec(fmt::format("COPY ({}) TO {} (FORMAT json)", route53_lines_sql(where), sql_quote(route53.string())));

  // 2. Each as an OCSF 1.1.0 event, with its registered domain.
  const std::filesystem::path events = work / "ocsf.jsonl";
  {
    std::ifstream in(route53);
    std::ofstream out(events, std::ios::binary);
    if (!in || !out) throw Error(ErrorCode::kIo, fmt::format("cannot write {}", events.string()));
    QueryLogParser parser;
    QueryRecord record;
    EnrichedRecord enriched;
    const EnricherChain chain = build_enricher_chain(Enrichers{.psl = &psl});
    EnricherChain::Local local = chain.make_local();
    chain.begin_batch(local);
    std::string line;
    OutputBuffer encoded;
    while (std::getline(in, line)) {
      const std::size_t size = line.size();
      line.resize(size + simdjson::SIMDJSON_PADDING);
      if (!parser.parse(std::string_view(line.data(), size), line.size(), record).ok) {
        ++stats.bad_records;
        continue;
      }
      if (!is_aws_region(record.region) || !is_aws_account(record.account_id)) {
        ++stats.unpartitioned;
        continue;
      }
      chain.enrich(record, enriched, local);
      encoded.clear();
      encode_ocsf_dns_activity(SinkRecord{std::string_view(line.data(), size), 0, record, enriched}, "1.1.0", encoded);
      out << encoded.view();
      ++stats.records;
    }
    out.close();
    if (!out) throw Error(ErrorCode::kIo, fmt::format("cannot write {}", events.string()));
  }
  if (stats.records == 0) return stats;

  // 3. Parquet in Security Lake's layout; each region/account/day written is replaced whole, so an export
  // repeated leaves no duplicates.
  const std::string events_sql = fmt::format(
      "SELECT *, cloud.region AS region, cloud.account.uid AS \"accountId\", strftime(time_dt, '%Y%m%d') AS "
      "\"eventDay\" FROM read_json({}, format = 'newline_delimited', columns = {}, hive_partitioning = false)",
      sql_quote(events.string()), kEventColumns);
  DuckResult days =
      conn.query(fmt::format("SELECT DISTINCT region, \"accountId\", \"eventDay\" FROM ({})", events_sql));
  for (std::size_t r = 0; r < days.rows(); ++r) {
    const auto partition = source_dir / fmt::format("region={}", days.text(0, r).value_or("NULL")) /
                           fmt::format("accountId={}", days.text(1, r).value_or("NULL")) /
                           fmt::format("eventDay={}", days.text(2, r).value_or("NULL"));
    std::filesystem::remove_all(partition, ec);
    if (ec) throw Error(ErrorCode::kIo, fmt::format("cannot replace {}: {}", partition.string(), ec.message()));
  }
  stats.partitions = days.rows();
  conn.exec(fmt::format(
      "COPY ({}) TO {} (FORMAT parquet, COMPRESSION {}, PARTITION_BY (region, \"accountId\", \"eventDay\"), "
      "OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'dnslens_{{i}}')",
      events_sql, sql_quote(source_dir.string()), o.compression));
  const ParquetFiles files = parquet_files_under(source_dir);
  stats.files = files.files;
  stats.bytes = files.bytes;
  return stats;
}

}  // namespace dnslens
