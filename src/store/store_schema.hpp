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

// route53query, in table order; RecordChunks fills the columns by these indices.
enum QueryColumn : std::uint8_t {
  kColVersion, kColAccountId, kColRegion, kColVpcId, kColQueryTimestamp, kColQueryName, kColQueryType,
  kColQueryClass, kColRcode, kColAnswers, kColSrcaddr, kColSrcport, kColTransport, kColSrcids,
  kColFirewallRuleAction, kColFirewallRuleGroupId, kColFirewallDomainListId, kColIsMatchedDomain,
  kColQueryNameNormalized, kColRegisteredDomain, kColPublicSuffix, kColSubdomain,
  kColThreatIndicator, kColThreatIndicatorType, kColThreatFeed, kColThreatConfidence, kColThreatConfidenceLevel,
  kColThreatActor, kColThreatCategory, kColThreatSource, kColThreatMatchedOn, kColThreatMatchedValue,
  kColThreatMatchCount, kColNameEntropy, kColSubdomainEntropy, kColNameLength, kColSubdomainLength,
  kColLongestLabel, kColLabelCount, kColDigitRatio, kColConsonantRatio, kColDgaScore, kColBenignNoise,
  kColFirewallSimAction, kColFirewallSimRule, kColFirewallSimRuleGroupId, kColFirewallSimDomainListId,
  kColFirewallSimBlockResponse, kColFirewallSimMatchedOn, kColFirewallSimDrift, kColTldValid,
  kColQueryTs, kColSource,
  kQueryColumnCount
};

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

inline constexpr std::string_view kQueryTable = "route53query";
inline constexpr std::string_view kFindingsTable = "findings";
inline constexpr std::string_view kIngestRequestsTable = "ingest_requests";
inline constexpr std::string_view kDeadLettersTable = "dead_letters";
// 2: findings.run_id; ingest_requests and dead_letters.
inline constexpr int kStoreSchemaVersion = 2;

// CREATE TABLE IF NOT EXISTS statements for every table, plus the schema-version table.
[[nodiscard]] std::string store_schema_sql();
[[nodiscard]] std::string_view store_type_sql(StoreType t);

}  // namespace dnslens
