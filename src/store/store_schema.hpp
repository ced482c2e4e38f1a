#pragma once
// The embedded store's tables. route53query has the columns of the AWS sample's Athena table (same
// names, so the same SQL runs locally and on Athena), with answers and srcids as typed lists and
// structs, the DNS Firewall fields, and every field dnslens adds to a record; query_ts is the
// timestamp as a TIMESTAMP (UTC) for time filters. findings holds what the detectors reported.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace dnslens {

// kEnum and kCodedAnswers appear only in the stored table (route53query_data), never in the view.
enum class StoreType : std::uint8_t {
  kVarchar,
  kFloat,
  kDouble,
  kInteger,
  kBigint,
  kBoolean,
  kTimestamp,
  kAnswers,
  kSrcids,
  kEnum,
  kCodedAnswers
};

// A closed set of texts stored as a DuckDB ENUM: one byte per row instead of a string, which DuckDB
// loads several times faster. A value outside the set is kept, exactly as logged, in the stored
// table's overflow column (a JSON object keyed by the column's name).
class EnumDomain {
 public:
  EnumDomain(std::string_view name, std::initializer_list<std::string_view> members);
  [[nodiscard]] std::string_view name() const { return name_; }
  [[nodiscard]] const std::vector<std::string_view>& members() const { return members_; }
  // The member's index, or -1 for a text outside the set (and for the empty text).
  [[nodiscard]] int code(std::string_view text) const {
    const auto it = index_.find(text);
    return it == index_.end() ? -1 : it->second;
  }
  [[nodiscard]] std::string sql() const;  // ENUM('A', 'NS', ...)

 private:
  std::string_view name_;
  std::vector<std::string_view> members_;
  absl::flat_hash_map<std::string_view, int> index_;
};

// DNS record types (IANA's names, as Route 53 logs them), classes and response codes; transports; AWS Regions.
[[nodiscard]] const EnumDomain& rr_type_domain();
[[nodiscard]] const EnumDomain& rr_class_domain();
[[nodiscard]] const EnumDomain& rcode_domain();
[[nodiscard]] const EnumDomain& transport_domain();
[[nodiscard]] const EnumDomain& region_domain();

struct StoreColumn {
  std::string_view name;
  StoreType type;
  const EnumDomain* domain = nullptr;  // kEnum only
};

// route53query's columns, in order: the schema users query (and athena-ddl prints).
inline constexpr std::size_t kQueryColumnCount = 54;
inline constexpr std::array<StoreColumn, kQueryColumnCount> kQueryColumns = {{
    {"version", StoreType::kFloat},
    {"account_id", StoreType::kVarchar},
    {"region", StoreType::kVarchar},
    {"vpc_id", StoreType::kVarchar},
    {"query_timestamp", StoreType::kVarchar},
    {"query_name", StoreType::kVarchar},
    {"query_type", StoreType::kVarchar},
    {"query_class", StoreType::kVarchar},
    {"rcode", StoreType::kVarchar},
    {"answers", StoreType::kAnswers},
    {"srcaddr", StoreType::kVarchar},
    {"srcport", StoreType::kInteger},
    {"transport", StoreType::kVarchar},
    {"srcids", StoreType::kSrcids},
    {"firewall_rule_action", StoreType::kVarchar},
    {"firewall_rule_group_id", StoreType::kVarchar},
    {"firewall_domain_list_id", StoreType::kVarchar},
    {"isMatchedDomain", StoreType::kVarchar},
    {"query_name_normalized", StoreType::kVarchar},
    {"registered_domain", StoreType::kVarchar},
    {"public_suffix", StoreType::kVarchar},
    {"subdomain", StoreType::kVarchar},
    {"threat_indicator", StoreType::kVarchar},
    {"threat_indicator_type", StoreType::kVarchar},
    {"threat_feed", StoreType::kVarchar},
    {"threat_confidence", StoreType::kInteger},
    {"threat_confidence_level", StoreType::kVarchar},
    {"threat_actor", StoreType::kVarchar},
    {"threat_category", StoreType::kVarchar},
    {"threat_source", StoreType::kVarchar},
    {"threat_matched_on", StoreType::kVarchar},
    {"threat_matched_value", StoreType::kVarchar},
    {"threat_match_count", StoreType::kInteger},
    {"name_entropy", StoreType::kDouble},
    {"subdomain_entropy", StoreType::kDouble},
    {"name_length", StoreType::kInteger},
    {"subdomain_length", StoreType::kInteger},
    {"longest_label", StoreType::kInteger},
    {"label_count", StoreType::kInteger},
    {"digit_ratio", StoreType::kDouble},
    {"consonant_ratio", StoreType::kDouble},
    {"dga_score", StoreType::kDouble},
    {"benign_noise", StoreType::kBoolean},
    {"firewall_sim_action", StoreType::kVarchar},
    {"firewall_sim_rule", StoreType::kVarchar},
    {"firewall_sim_rule_group_id", StoreType::kVarchar},
    {"firewall_sim_domain_list_id", StoreType::kVarchar},
    {"firewall_sim_block_response", StoreType::kVarchar},
    {"firewall_sim_matched_on", StoreType::kVarchar},
    {"firewall_sim_drift", StoreType::kBoolean},
    {"tld_valid", StoreType::kBoolean},
    {"query_ts", StoreType::kTimestamp},
    {"source", StoreType::kVarchar},
    // The record's top-level fields dnslens does not know (fields AWS adds to the format later), as one JSON
    // object of them as logged; NULL when there are none. Kept in the overflow object.
    {"unmapped", StoreType::kVarchar},
}};
static_assert(kQueryColumns.back().name == "unmapped", "kQueryColumnCount must count every column");

// How route53query is stored. DuckDB's loading cost is per column and, for text, per value, so
// route53query is a view over route53query_data, which stores less text:
// - the 11 threat_* columns and the 6 firewall_sim_* rule columns, NULL on nearly every row, are one
//   JSON object column per group (NULL without a hit);
// - query_timestamp is stored only where the logged text is not query_ts written as
//   "YYYY-MM-DDTHH:MM:SSZ" (Route 53's form);
// - region, query_type, query_class, rcode, transport and the answers' Type and Class are ENUMs, with
//   values outside their sets in the overflow column (a record's whole answers list when one of its
//   answers does not fit);
// - isMatchedDomain is the BOOLEAN matched.
// source stays a column of its own: deriving it from srcids in the view made every panel grouped by
// it 5-10x slower (DuckDB groups a dictionary-compressed column by its dictionary).
// The view gives back every column as the JSON lines have it. RecordChunks fills the columns by
// these indices.
enum StoredColumn : std::uint8_t {
  kColVersion,
  kColAccountId,
  kColRegion,
  kColVpcId,
  kColQueryTimestamp,
  kColQueryName,
  kColQueryType,
  kColQueryClass,
  kColRcode,
  kColAnswers,
  kColSrcaddr,
  kColSrcport,
  kColTransport,
  kColSrcids,
  kColFirewallRuleAction,
  kColFirewallRuleGroupId,
  kColFirewallDomainListId,
  kColMatched,
  kColQueryNameNormalized,
  kColRegisteredDomain,
  kColPublicSuffix,
  kColSubdomain,
  kColThreat,
  kColNameEntropy,
  kColSubdomainEntropy,
  kColNameLength,
  kColSubdomainLength,
  kColLongestLabel,
  kColLabelCount,
  kColDigitRatio,
  kColConsonantRatio,
  kColDgaScore,
  kColBenignNoise,
  kColFirewallSim,
  kColFirewallSimDrift,
  kColTldValid,
  kColQueryTs,
  kColSource,
  kColOverflow,
  kStoredColumnCount
};

// The keys of the packed objects: route53query's threat_<key> and firewall_sim_<key> columns.
inline constexpr std::string_view kThreatPrefix = "threat_";
inline constexpr std::string_view kFirewallSimPrefix = "firewall_sim_";
inline constexpr std::string_view kQueryTimestampFormat = "%Y-%m-%dT%H:%M:%SZ";

// The stored table's columns, in StoredColumn order (the packed columns and overflow are VARCHAR
// holding a JSON object).
[[nodiscard]] const std::array<StoreColumn, kStoredColumnCount>& stored_columns();

inline constexpr std::string_view kQueryTable = "route53query";
inline constexpr std::string_view kQueryDataTable = "route53query_data";
inline constexpr std::string_view kFindingsTable = "findings";
inline constexpr std::string_view kIngestRequestsTable = "ingest_requests";
inline constexpr std::string_view kDeadLettersTable = "dead_letters";
// 2: findings.run_id; ingest_requests and dead_letters. 3: route53query is a view over route53query_data.
// 4: ENUM columns with an overflow column; matched. 5: ingest_requests.dead_letters_dropped. 6: the view's
// unmapped column (the records' unknown fields, in the overflow object).
inline constexpr int kStoreSchemaVersion = 6;
// The first version whose route53query_data is stored as this build stores it: newer steps only
// add columns to the small tables, and never rewrite the records.
inline constexpr int kStoreRecordsLayoutVersion = 4;

// CREATE TABLE IF NOT EXISTS statements for every table (route53query_data, not the view); the
// records' table under the name data_table.
[[nodiscard]] std::string store_schema_sql(std::string_view data_table = kQueryDataTable);
// CREATE OR REPLACE VIEW route53query over route53query_data.
[[nodiscard]] std::string query_view_sql();
// The view's SELECT over route53query_data, with extra select-list items after its columns (expressions
// over route53query_data's own columns, such as a key of the packed firewall_sim object the view does
// not show).
[[nodiscard]] std::string query_select_sql(std::string_view extra = {});
// The SELECT list that turns rows with route53query's columns (an older store's table or view) into
// route53query_data's.
[[nodiscard]] std::string stored_columns_from_query_sql();
// A route53query column's SQL type (kEnum and kCodedAnswers have none: use store_column_sql).
[[nodiscard]] std::string_view store_type_sql(StoreType t);
// A stored column's SQL type, ENUM members included.
[[nodiscard]] std::string store_column_sql(const StoreColumn& c);

}  // namespace dnslens
