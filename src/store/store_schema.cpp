#include "store/store_schema.hpp"

#include <fmt/format.h>

namespace dnslens {

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
  std::string sql = fmt::format("CREATE TABLE IF NOT EXISTS {} (\n", kQueryTable);
  for (std::size_t i = 0; i < kQueryColumns.size(); ++i) {
    sql += fmt::format("  \"{}\" {}{}\n", kQueryColumns[i].name, store_type_sql(kQueryColumns[i].type),
                       i + 1 < kQueryColumns.size() ? "," : "");
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
  sql += "CREATE TABLE IF NOT EXISTS dnslens_meta (key VARCHAR PRIMARY KEY, value VARCHAR);\n";
  return sql;
}

}  // namespace dnslens
