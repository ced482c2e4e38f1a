#include "store/store_schema.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace dnslens {

namespace {

enum class Packed : std::uint8_t { kNo, kThreat, kFirewallSim };

// The ENUM a route53query column is stored as, if any.
const EnumDomain* enum_domain_of(std::string_view name) {
  if (name == "region") return &region_domain();
  if (name == "query_type") return &rr_type_domain();
  if (name == "query_class") return &rr_class_domain();
  if (name == "rcode") return &rcode_domain();
  if (name == "transport") return &transport_domain();
  return nullptr;
}

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

// The stored column a route53query column becomes (the packed groups are handled by the caller).
StoreColumn stored_as(const StoreColumn& c) {
  if (c.name == "isMatchedDomain") return StoreColumn{"matched", StoreType::kBoolean};
  if (c.name == "answers") return StoreColumn{"answers", StoreType::kCodedAnswers};
  if (const EnumDomain* d = enum_domain_of(c.name)) return StoreColumn{c.name, StoreType::kEnum, d};
  return c;
}

std::array<StoreColumn, kStoredColumnCount> make_stored_columns() {
  std::array<StoreColumn, kStoredColumnCount> out{};
  std::size_t n = 0;
  Packed last = Packed::kNo;
  for (const StoreColumn& c : kQueryColumns) {
    std::string_view key;
    const Packed p = packed_in(c.name, key);
    if (c.name == "unmapped") continue;  // a member of the overflow object
    if (p == Packed::kNo) {
      out.at(n++) = stored_as(c);
    } else if (p != last) {
      out.at(n++) = StoreColumn{p == Packed::kThreat ? "threat" : "firewall_sim", StoreType::kVarchar};
    }
    last = p;
  }
  out.at(n++) = StoreColumn{"overflow", StoreType::kVarchar};
  if (n != kStoredColumnCount || out[kColThreat].name != "threat" || out[kColFirewallSim].name != "firewall_sim" ||
      out[kColQueryTimestamp].name != "query_timestamp" || out[kColMatched].name != "matched" ||
      out[kColRegion].domain != &region_domain() || out[kColQueryType].domain != &rr_type_domain() ||
      out[kColQueryClass].domain != &rr_class_domain() || out[kColRcode].domain != &rcode_domain() ||
      out[kColTransport].domain != &transport_domain() || out[kColSource].name != "source") {
    throw Error(ErrorCode::kInternal, "route53query_data's columns do not match StoredColumn");
  }
  return out;
}

std::string quoted(std::string_view name) { return fmt::format("\"{}\"", name); }

// SQL: whether an answers list (of structs with VARCHAR Type and Class) holds a Type or Class that
// its ENUM cannot hold.
std::string answers_overflow_sql(std::string_view answers) {
  return fmt::format(
      "coalesce(list_bool_or(list_transform({}, lambda a: (a.\"Type\" IS NOT NULL AND TRY_CAST(a.\"Type\" AS {}) IS "
      "NULL) "
      "OR (a.\"Class\" IS NOT NULL AND TRY_CAST(a.\"Class\" AS {}) IS NULL))), false)",
      answers, rr_type_domain().sql(), rr_class_domain().sql());
}

std::string answers_type_sql(bool coded) {
  return fmt::format("STRUCT(\"Rdata\" VARCHAR, \"Type\" {}, \"Class\" {})[]",
                     coded ? rr_type_domain().sql() : "VARCHAR", coded ? rr_class_domain().sql() : "VARCHAR");
}

}  // namespace

EnumDomain::EnumDomain(std::string_view name, std::initializer_list<std::string_view> members)
    : name_(name), members_(members) {
  if (members_.size() > 255) throw Error(ErrorCode::kInternal, "an ENUM domain must fit in one byte");
  for (std::size_t i = 0; i < members_.size(); ++i) index_.emplace(members_[i], static_cast<int>(i));
}

std::string EnumDomain::sql() const {
  std::string out = "ENUM(";
  for (std::size_t i = 0; i < members_.size(); ++i) out += fmt::format("{}'{}'", i ? ", " : "", members_[i]);
  return out + ")";
}

const EnumDomain& rr_type_domain() {
  static const EnumDomain d(
      "query_type",
      {"A",          "NS",     "MD",       "MF",    "CNAME",    "SOA",   "MB",     "MG",       "MR",      "NULL",
       "WKS",        "PTR",    "HINFO",    "MINFO", "MX",       "TXT",   "RP",     "AFSDB",    "X25",     "ISDN",
       "RT",         "NSAP",   "NSAP-PTR", "SIG",   "KEY",      "PX",    "GPOS",   "AAAA",     "LOC",     "NXT",
       "EID",        "NIMLOC", "SRV",      "ATMA",  "NAPTR",    "KX",    "CERT",   "A6",       "DNAME",   "SINK",
       "OPT",        "APL",    "DS",       "SSHFP", "IPSECKEY", "RRSIG", "NSEC",   "DNSKEY",   "DHCID",   "NSEC3",
       "NSEC3PARAM", "TLSA",   "SMIMEA",   "HIP",   "NINFO",    "RKEY",  "TALINK", "CDS",      "CDNSKEY", "OPENPGPKEY",
       "CSYNC",      "ZONEMD", "SVCB",     "HTTPS", "DSYNC",    "SPF",   "UINFO",  "UID",      "GID",     "UNSPEC",
       "NID",        "L32",    "L64",      "LP",    "EUI48",    "EUI64", "TKEY",   "TSIG",     "IXFR",    "AXFR",
       "MAILB",      "MAILA",  "ANY",      "URI",   "CAA",      "AVC",   "DOA",    "AMTRELAY", "RESINFO", "WALLET",
       "TA",         "DLV"});
  return d;
}

const EnumDomain& rr_class_domain() {
  static const EnumDomain d("query_class", {"IN", "CS", "CH", "HS", "NONE", "ANY"});
  return d;
}

const EnumDomain& rcode_domain() {
  static const EnumDomain d("rcode",
                            {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",    "REFUSED",  "YXDOMAIN",
                             "YXRRSET", "NXRRSET", "NOTAUTH",  "NOTZONE",  "DSOTYPENI", "BADVERS",  "BADSIG",
                             "BADKEY",  "BADTIME", "BADMODE",  "BADNAME",  "BADALG",    "BADTRUNC", "BADCOOKIE"});
  return d;
}

const EnumDomain& transport_domain() {
  static const EnumDomain d("transport", {"UDP", "TCP", "DoH"});
  return d;
}

const EnumDomain& region_domain() {
  static const EnumDomain d(
      "region",
      {"us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",      "af-south-1",     "ap-east-1",
       "ap-east-2",      "ap-south-1",     "ap-south-2",     "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
       "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2",
       "ap-northeast-3", "ca-central-1",   "ca-west-1",      "eu-central-1",   "eu-central-2",   "eu-west-1",
       "eu-west-2",      "eu-west-3",      "eu-south-1",     "eu-south-2",     "eu-north-1",     "il-central-1",
       "me-south-1",     "me-central-1",   "mx-central-1",   "sa-east-1",      "us-gov-east-1",  "us-gov-west-1",
       "cn-north-1",     "cn-northwest-1", "eusc-de-east-1"});
  return d;
}

const std::array<StoreColumn, kStoredColumnCount>& stored_columns() {
  static const std::array<StoreColumn, kStoredColumnCount> columns = make_stored_columns();
  return columns;
}

std::string query_view_sql() { return fmt::format("CREATE OR REPLACE VIEW {} AS {}", kQueryTable, query_select_sql()); }

std::string query_select_sql(std::string_view extra) {
  std::string sql = "SELECT\n";
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
    } else if (enum_domain_of(c.name) != nullptr) {
      expr = fmt::format("COALESCE(CAST(\"{0}\" AS VARCHAR), \"overflow\" ->> '{0}')", c.name);
    } else if (c.name == "answers") {
      expr = fmt::format(
          "COALESCE(CAST(\"answers\" AS {0}), from_json(json_extract(\"overflow\", '$.answers'), "
          "'[{{\"Rdata\":\"VARCHAR\",\"Type\":\"VARCHAR\",\"Class\":\"VARCHAR\"}}]'))",
          answers_type_sql(false));
    } else if (c.name == "isMatchedDomain") {
      expr = "CASE WHEN \"matched\" THEN 'Y' WHEN NOT \"matched\" THEN 'N' END";
    } else if (c.name == "unmapped") {
      expr = "CAST(json_extract(\"overflow\", '$.unmapped') AS VARCHAR)";
    } else {
      expr = quoted(c.name);
    }
    sql += fmt::format("  {} AS \"{}\"{}\n", expr, c.name, i + 1 < kQueryColumns.size() ? "," : "");
  }
  if (!extra.empty()) sql += fmt::format("  , {}\n", extra);
  sql += fmt::format("FROM {}", kQueryDataTable);
  return sql;
}

std::string stored_columns_from_query_sql() {
  std::string threat, sim;
  for (const StoreColumn& c : kQueryColumns) {
    std::string_view key;
    const Packed p = packed_in(c.name, key);
    if (p == Packed::kNo) continue;
    std::string& to = p == Packed::kThreat ? threat : sim;
    to += fmt::format("{}'{}', \"{}\"", to.empty() ? "" : ", ", key, c.name);
  }
  // overflow: the values the ENUMs cannot hold, under their column's name (JSON null for the others).
  std::string any_overflow, overflow_members;
  for (const StoreColumn& c : stored_columns()) {
    if (c.type != StoreType::kEnum) continue;
    const std::string test =
        fmt::format("(\"{0}\" IS NOT NULL AND TRY_CAST(\"{0}\" AS {1}) IS NULL)", c.name, c.domain->sql());
    any_overflow += test + " OR ";
    overflow_members += fmt::format("'{}', CASE WHEN {} THEN \"{}\" END, ", c.name, test, c.name);
  }
  const std::string answers_test = answers_overflow_sql("\"answers\"");
  any_overflow += answers_test;
  overflow_members += fmt::format("'answers', CASE WHEN {} THEN to_json(\"answers\") END", answers_test);

  std::string sql;
  for (const StoreColumn& c : stored_columns()) {
    if (!sql.empty()) sql += ", ";
    if (c.name == "threat") {
      sql += fmt::format("CASE WHEN \"threat_indicator\" IS NULL THEN NULL ELSE json_object({})::VARCHAR END", threat);
    } else if (c.name == "firewall_sim") {
      sql += fmt::format("CASE WHEN \"firewall_sim_action\" IS NULL THEN NULL ELSE json_object({})::VARCHAR END", sim);
    } else if (c.name == "query_timestamp") {
      sql += fmt::format("NULLIF(\"query_timestamp\", strftime(\"query_ts\", '{}'))", kQueryTimestampFormat);
    } else if (c.type == StoreType::kEnum) {
      sql += fmt::format("TRY_CAST(\"{}\" AS {})", c.name, c.domain->sql());
    } else if (c.type == StoreType::kCodedAnswers) {
      sql +=
          fmt::format("CASE WHEN {} THEN NULL ELSE CAST(\"answers\" AS {}) END", answers_test, answers_type_sql(true));
    } else if (c.name == "matched") {
      sql += "(\"isMatchedDomain\" = 'Y')";
    } else if (c.name == "overflow") {
      sql += fmt::format("CASE WHEN {} THEN json_object({})::VARCHAR END", any_overflow, overflow_members);
    } else {
      sql += quoted(c.name);
    }
    sql += fmt::format(" AS \"{}\"", c.name);
  }
  return sql;
}

std::string store_column_sql(const StoreColumn& c) {
  if (c.type == StoreType::kEnum) return c.domain->sql();
  if (c.type == StoreType::kCodedAnswers) return answers_type_sql(true);
  return std::string(store_type_sql(c.type));
}

std::string_view store_type_sql(StoreType t) {
  switch (t) {
    case StoreType::kVarchar:
      return "VARCHAR";
    case StoreType::kFloat:
      return "FLOAT";
    case StoreType::kDouble:
      return "DOUBLE";
    case StoreType::kInteger:
      return "INTEGER";
    case StoreType::kBigint:
      return "BIGINT";
    case StoreType::kBoolean:
      return "BOOLEAN";
    case StoreType::kTimestamp:
      return "TIMESTAMP";
    case StoreType::kAnswers:
      return "STRUCT(\"Rdata\" VARCHAR, \"Type\" VARCHAR, \"Class\" VARCHAR)[]";
    case StoreType::kSrcids:
      return "STRUCT(\"instance\" VARCHAR, \"resolver_endpoint\" VARCHAR, \"resolver_network_interface\" VARCHAR)";
    case StoreType::kEnum:  // the members are the column's: store_column_sql
    case StoreType::kCodedAnswers:
      break;
  }
  return "VARCHAR";
}

std::string store_schema_sql(std::string_view data_table) {
  std::string sql = fmt::format("CREATE TABLE IF NOT EXISTS {} (\n", data_table);
  const auto& stored = stored_columns();
  for (std::size_t i = 0; i < stored.size(); ++i) {
    sql +=
        fmt::format("  \"{}\" {}{}\n", stored[i].name, store_column_sql(stored[i]), i + 1 < stored.size() ? "," : "");
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
  // and each record it could not use, stored in the same transaction as the good records. Past a
  // request's cap its bad records are only counted (bad_records includes them, dead_letters_dropped
  // says how many).
  sql += fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (\n"
      "  request_id VARCHAR PRIMARY KEY, received_at TIMESTAMP, source_arn VARCHAR, records BIGINT, bad_records "
      "BIGINT,\n"
      "  dead_letters_dropped BIGINT DEFAULT 0\n"
      ");\n"
      "CREATE TABLE IF NOT EXISTS {} (\n"
      "  received_at TIMESTAMP, origin VARCHAR, line BIGINT, reason VARCHAR, detail VARCHAR, raw VARCHAR, raw_bytes "
      "BIGINT\n"
      ");\n",
      kIngestRequestsTable, kDeadLettersTable);
  return sql;
}

}  // namespace dnslens
