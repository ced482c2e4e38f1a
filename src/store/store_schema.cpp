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
      "  explanation VARCHAR, metrics VARCHAR, evidence VARCHAR, finding_json VARCHAR, recorded_at TIMESTAMP\n"
      ");\n",
      kFindingsTable);
  sql += "CREATE TABLE IF NOT EXISTS dnslens_meta (key VARCHAR PRIMARY KEY, value VARCHAR);\n";
  return sql;
}

}  // namespace dnslens
