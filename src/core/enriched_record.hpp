#pragma once
// What enrichment says about one parsed record: what sinks write and detection reads. Text fields
// are views (into the record, the worker's name buffer, the threat-intel snapshot or the firewall
// policy), valid until the worker's next record. Every sink finds what it writes in plain fields
// here; the opaque pointers serve the consumers that know the enrichers' own types (the firewall
// reports), so nothing below enrich/ needs them.
#include <cstdint>
#include <string_view>

#include "core/dns_name.hpp"
#include "core/name_signals.hpp"

namespace dnslens {

struct Indicator;     // enrich/threat_intel/threat_intel.hpp
struct CompiledRule;  // enrich/dns_firewall/firewall_evaluator.hpp

// Where in a record a threat-intel indicator matched.
enum class MatchSite : std::uint8_t { kQueryName, kReverseName, kAnswerIp, kCname, kSrcaddr };
[[nodiscard]] std::string_view match_site_name(MatchSite site);

// The best threat-intel hit in one record (highest confidence; the query name wins ties).
struct ThreatMatch {
  const Indicator* indicator = nullptr;  // null: nothing matched, and the fields below are empty
  std::string_view value;                // the indicator as the feed gave it
  std::string_view kind;                 // indicator_kind_name()
  std::string_view feed, actor, category, source;
  int confidence = -1;                // 0..100, -1 when the feed gave none
  std::string_view confidence_level;  // confidence_level_name()
  MatchSite site = MatchSite::kQueryName;
  std::string_view matched_value;  // the name, answer or address that matched
  std::uint32_t count = 0;         // sites in the record that matched any indicator
  [[nodiscard]] bool hit() const { return indicator != nullptr; }
};

// How a simulated verdict compares with what the log says DNS Firewall did. kAction: the outcomes
// differ: resolved (no firewall fields, or ALLOW), alerted (ALERT) or blocked (BLOCK). kRule: same
// action, but the logged rule group or domain list is another one (only when the policy carries AWS
// ids).
enum class FirewallDrift : std::uint8_t { kNone, kAction, kRule };
[[nodiscard]] std::string_view firewall_drift_name(FirewallDrift d);
// Whether two DNS Firewall actions (as logged: ALLOW, ALERT, BLOCK, or empty for none) have different
// outcomes: resolved (none or ALLOW), alerted, blocked. Action drift is such a difference.
[[nodiscard]] bool firewall_outcomes_differ(std::string_view a, std::string_view b);

// What a DNS Firewall policy would do with the query.
struct FirewallOutcome {
  bool simulated = false;              // a policy is loaded: the fields below are meaningful
  const CompiledRule* rule = nullptr;  // null: no rule decides the query (it resolves)
  std::string_view action;             // BLOCK, ALERT, ALLOW; empty without a rule
  std::string_view rule_name, rule_group_id, domain_list_id;
  std::string_view block_response;  // block_response_name()
  bool via_redirection = false;     // decided by a CNAME target, not the query name
  std::string_view matched_name;    // the name of the chain that matched (the record's text)
  FirewallDrift drift = FirewallDrift::kNone;
  // A rule decides the query. Sinks ask this, not for rule: a verdict read back from the store has its
  // texts but no compiled rule.
  [[nodiscard]] bool decided() const { return !action.empty(); }
};

struct EnrichedRecord {
  NormalizedName name;  // text empty when the name is not valid DNS syntax
  std::string_view registered_domain;
  std::string_view public_suffix;
  std::string_view subdomain;
  std::string_view icann_registered_domain;  // DomainParts::icann_registered_domain
  bool tld_valid = false;
  bool matched = false;  // the registered domain is on the interesting-domain list
  ThreatMatch threat;
  FirewallOutcome firewall;
  bool has_signals = false;     // name signals computed (a DGA model is loaded)
  NameSignals signals;          // zero for invalid names
  std::uint64_t name_hash = 0;  // of the normalised name, with the signals

  // The normalised name when it is valid DNS syntax, else empty.
  [[nodiscard]] std::string_view normalized_name() const { return name.valid_syntax ? name.text : std::string_view{}; }
};

}  // namespace dnslens
