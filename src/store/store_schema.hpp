#pragma once
// The embedded store's tables. route53query has the columns of the AWS sample's Athena table (same
// names, so the same SQL runs locally and on Athena), with answers and srcids as typed lists and
// structs, the DNS Firewall fields, and every field dnslens adds to a record; query_ts is the
// timestamp as a TIMESTAMP (UTC) for time filters. findings holds what the detectors reported.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dnslens {

enum class StoreType : std::uint8_t { kVarchar, kFloat, kDouble, kInteger, kBigint, kBoolean, kTimestamp, kAnswers, kSrcids };

struct StoreColumn {
  std::string_view name;
  StoreType type;
};

// route53query's columns, in order: the schema users query (and athena-ddl prints).
inline constexpr std::size_t kQueryColumnCount = 53;
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
}};
static_assert(kQueryColumns.back().name == "source", "kQueryColumnCount must count every column");

// How route53query is stored. DuckDB's loading cost is per column, and the 11 threat_* columns and
// the 6 firewall_sim_* rule columns are NULL on nearly every row: each group is one JSON object
// column instead (NULL without a hit), and route53query is a view that unpacks them. query_timestamp
// is stored only where the logged text is not query_ts written as "YYYY-MM-DDTHH:MM:SSZ" (Route 53's
// form); the view fills it in. RecordChunks fills the columns by these indices.
enum StoredColumn : std::uint8_t {
  kColVersion, kColAccountId, kColRegion, kColVpcId, kColQueryTimestamp, kColQueryName, kColQueryType,
  kColQueryClass, kColRcode, kColAnswers, kColSrcaddr, kColSrcport, kColTransport, kColSrcids,
  kColFirewallRuleAction, kColFirewallRuleGroupId, kColFirewallDomainListId, kColIsMatchedDomain,
  kColQueryNameNormalized, kColRegisteredDomain, kColPublicSuffix, kColSubdomain, kColThreat,
  kColNameEntropy, kColSubdomainEntropy, kColNameLength, kColSubdomainLength,
  kColLongestLabel, kColLabelCount, kColDigitRatio, kColConsonantRatio, kColDgaScore, kColBenignNoise,
  kColFirewallSim, kColFirewallSimDrift, kColTldValid, kColQueryTs, kColSource,
  kStoredColumnCount
};

// The keys of the packed objects: route53query's threat_<key> and firewall_sim_<key> columns.
inline constexpr std::string_view kThreatPrefix = "threat_";
inline constexpr std::string_view kFirewallSimPrefix = "firewall_sim_";
inline constexpr std::string_view kQueryTimestampFormat = "%Y-%m-%dT%H:%M:%SZ";

// The stored table's columns, in StoredColumn order (types as in route53query; the two packed
// columns are VARCHAR holding a JSON object).
[[nodiscard]] const std::array<StoreColumn, kStoredColumnCount>& stored_columns();

inline constexpr std::string_view kQueryTable = "route53query";
inline constexpr std::string_view kQueryDataTable = "route53query_data";
inline constexpr std::string_view kFindingsTable = "findings";
inline constexpr std::string_view kIngestRequestsTable = "ingest_requests";
inline constexpr std::string_view kDeadLettersTable = "dead_letters";
// 2: findings.run_id; ingest_requests and dead_letters. 3: route53query is a view over route53query_data.
inline constexpr int kStoreSchemaVersion = 3;

// CREATE TABLE IF NOT EXISTS statements for every table (route53query_data, not the view).
[[nodiscard]] std::string store_schema_sql();
// CREATE OR REPLACE VIEW route53query over route53query_data.
[[nodiscard]] std::string query_view_sql();
// The SELECT list that turns a schema-2 route53query table's rows into route53query_data's.
[[nodiscard]] std::string stored_columns_from_table_sql();
[[nodiscard]] std::string_view store_type_sql(StoreType t);

}  // namespace dnslens
