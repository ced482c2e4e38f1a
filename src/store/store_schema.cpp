#include "store/store_schema.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace dnslens {

namespace {

enum class Packed : std::uint8_t { kNo, kThreat, kFirewallSim };

// Which packed column holds a route53query column, and its key there.
Packed packed_in(std::string_view name, std::string_view& key) {
  if (name.starts_with(kThreatPrefix)) {
    key = name.substr(kThreatPrefix.size());
    return Packed::kThreat;
  }
  if (name.starts_with(kFirewallSimPrefix) && name != "firewall_sim_drift") {
    key = name.substr(kFirewallSimPrefix.size());
    return Packed::kFirewallSim;
  }
  return Packed::kNo;
}

std::array<StoreColumn, kStoredColumnCount> make_stored_columns() {
  std::array<StoreColumn, kStoredColumnCount> out{};
  std::size_t n = 0;
  Packed last = Packed::kNo;
  for (const StoreColumn& c : kQueryColumns) {
    std::string_view key;
    const Packed p = packed_in(c.name, key);
    if (p == Packed::kNo) {
      out.at(n++) = c;
    } else if (p != last) {
      out.at(n++) = StoreColumn{p == Packed::kThreat ? "threat" : "firewall_sim", StoreType::kVarchar};
    }
    last = p;
  }
  if (n != kStoredColumnCount || out[kColThreat].name != "threat" || out[kColFirewallSim].name != "firewall_sim" ||
      out[kColQueryTimestamp].name != "query_timestamp" || out[kColSource].name != "source") {
    throw Error(ErrorCode::kInternal, "route53query_data's columns do not match StoredColumn");
  }
  return out;
}

}  // namespace

const std::array<StoreColumn, kStoredColumnCount>& stored_columns() {
  static const std::array<StoreColumn, kStoredColumnCount> columns = make_stored_columns();
  return columns;
}

std::string query_view_sql() {
  std::string sql = fmt::format("CREATE OR REPLACE VIEW {} AS SELECT\n", kQueryTable);
  for (std::size_t i = 0; i < kQueryColumns.size(); ++i) {
    const StoreColumn& c = kQueryColumns[i];
    std::string_view key;
    const Packed p = packed_in(c.name, key);
    std::string expr;
    if (p != Packed::kNo) {
      expr = fmt::format("(\"{}\" ->> '{}')", p == Packed::kThreat ? "threat" : "firewall_sim", key);
      if (c.type != StoreType::kVarchar) expr = fmt::format("CAST({} AS {})", expr, store_type_sql(c.type));
    } else if (c.name == "query_timestamp") {
      expr = fmt::format("COALESCE(\"query_timestamp\", strftime(\"query_ts\", '{}'))", kQueryTimestampFormat);
    } else {
      expr = fmt::format("\"{}\"", c.name);
    }
    sql += fmt::format("  {} AS \"{}\"{}\n", expr, c.name, i + 1 < kQueryColumns.size() ? "," : "");
  }
  sql += fmt::format("FROM {}", kQueryDataTable);
  return sql;
}

std::string stored_columns_from_table_sql() {
  std::string threat, sim;
  for (const StoreColumn& c : kQueryColumns) {
    std::string_view key;
    const Packed p = packed_in(c.name, key);
    if (p == Packed::kNo) continue;
    std::string& to = p == Packed::kThreat ? threat : sim;
    to += fmt::format("{}'{}', \"{}\"", to.empty() ? "" : ", ", key, c.name);
  }
  std::string sql;
  for (const StoreColumn& c : stored_columns()) {
    if (!sql.empty()) sql += ", ";
    if (c.name == "threat") {
      sql += fmt::format("CASE WHEN \"threat_indicator\" IS NULL THEN NULL ELSE json_object({})::VARCHAR END", threat);
    } else if (c.name == "firewall_sim") {
      sql += fmt::format("CASE WHEN \"firewall_sim_action\" IS NULL THEN NULL ELSE json_object({})::VARCHAR END", sim);
    } else if (c.name == "query_timestamp") {
      sql += fmt::format("NULLIF(\"query_timestamp\", strftime(\"query_ts\", '{}'))", kQueryTimestampFormat);
    } else {
      sql += fmt::format("\"{}\"", c.name);
    }
  }
  return sql;
}

std::string_view store_type_sql(StoreType t) {
  switch (t) {
    case StoreType::kVarchar: return "VARCHAR";
    case StoreType::kFloat: return "FLOAT";
    case StoreType::kDouble: return "DOUBLE";
    case StoreType::kInteger: return "INTEGER";
    case StoreType::kBigint: return "BIGINT";
    case StoreType::kBoolean: return "BOOLEAN";
    case StoreType::kTimestamp: return "TIMESTAMP";
    case StoreType::kAnswers: return "STRUCT(\"Rdata\" VARCHAR, \"Type\" VARCHAR, \"Class\" VARCHAR)[]";
    case StoreType::kSrcids:
      return "STRUCT(\"instance\" VARCHAR, \"resolver_endpoint\" VARCHAR, \"resolver_network_interface\" VARCHAR)";
  }
  return "VARCHAR";
}

std::string store_schema_sql() {
  std::string sql = fmt::format("CREATE TABLE IF NOT EXISTS {} (\n", kQueryDataTable);
  const auto& stored = stored_columns();
  for (std::size_t i = 0; i < stored.size(); ++i) {
    sql += fmt::format("  \"{}\" {}{}\n", stored[i].name, store_type_sql(stored[i].type), i + 1 < stored.size() ? "," : "");
  }
  sql += ");\n";
  sql += fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (\n"
      "  finding_type VARCHAR, guardduty_analog VARCHAR, severity VARCHAR, confidence DOUBLE, score DOUBLE,\n"
      "  first_seen TIMESTAMP, last_seen TIMESTAMP, events BIGINT, occurrences BIGINT,\n"
      "  account_id VARCHAR, vpc_id VARCHAR, instance VARCHAR, srcaddr VARCHAR, source VARCHAR, domain VARCHAR,\n"
      "  explanation VARCHAR, metrics VARCHAR, evidence VARCHAR, finding_json VARCHAR, recorded_at TIMESTAMP,\n"
      "  run_id VARCHAR\n"
      ");\n",
      kFindingsTable);
  // What dnslens serve took in: each acknowledged Firehose request (its id makes a retry a no-op)
  // and each record it could not use, stored in the same transaction as the good records.
  sql += fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (\n"
      "  request_id VARCHAR PRIMARY KEY, received_at TIMESTAMP, source_arn VARCHAR, records BIGINT, bad_records BIGINT\n"
      ");\n"
      "CREATE TABLE IF NOT EXISTS {} (\n"
      "  received_at TIMESTAMP, origin VARCHAR, line BIGINT, reason VARCHAR, detail VARCHAR, raw VARCHAR, raw_bytes BIGINT\n"
      ");\n",
      kIngestRequestsTable, kDeadLettersTable);
  return sql;
}

}  // namespace dnslens
