#pragma once
// A Route 53 Resolver DNS Firewall policy: domain lists, rule groups of prioritised rules, and the
// association of rule groups with VPCs. The semantics are AWS's:
// - A VPC's rule groups are evaluated in ascending association priority (100..9900 for an account's
//   own, 1..99 and 9901..10000 for Firewall Manager's first and last rule groups; unique per VPC),
//   the rules of a group in ascending rule priority (unique per group). The first rule whose domain
//   list (and query type, when the rule has one) matches decides: ALLOW, ALERT and BLOCK all stop
//   the inspection of that domain.
// - A domain specification is a name (exactly that name), "*.name" (any name below it, not the name
//   itself) or "*" (every name). Only letters, digits, hyphens and dots after the optional leading
//   asterisk; 1..255 characters.
// - FirewallDomainRedirectionAction: INSPECT_REDIRECTION_DOMAIN (the default) inspects every
//   domain of a CNAME/DNAME chain; TRUST_REDIRECTION_DOMAIN inspects only the first.
// - BLOCK answers NODATA, NXDOMAIN or OVERRIDE (a CNAME to BlockOverrideDomain with a TTL).
// - A DNS Firewall Advanced rule matches a kind of threat (DGA, DICTIONARY_DGA, DNS_TUNNELING) at a
//   confidence threshold (LOW, MEDIUM, HIGH) instead of a domain list; ALERT or BLOCK only. It takes its
//   place in the same priority order as the domain-list rules.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnslens {

enum class FirewallAction : std::uint8_t { kNone, kAllow, kAlert, kBlock };
[[nodiscard]] std::string_view firewall_action_name(FirewallAction a);  // "" for kNone
[[nodiscard]] std::optional<FirewallAction> parse_firewall_action(std::string_view text);

enum class BlockResponse : std::uint8_t { kNone, kNodata, kNxdomain, kOverride };
[[nodiscard]] std::string_view block_response_name(BlockResponse r);
[[nodiscard]] std::optional<BlockResponse> parse_block_response(std::string_view text);

enum class RedirectionAction : std::uint8_t { kInspect, kTrust };
[[nodiscard]] std::string_view redirection_action_name(RedirectionAction r);
[[nodiscard]] std::optional<RedirectionAction> parse_redirection_action(std::string_view text);

// DNS Firewall Advanced: what a rule detects, and how sure it must be. Every query a rule matches at HIGH
// it also matches at MEDIUM, and at LOW (the thresholds are nested).
enum class ThreatProtection : std::uint8_t { kNone, kDga, kDictionaryDga, kDnsTunneling };
[[nodiscard]] std::string_view threat_protection_name(ThreatProtection t);  // "" for kNone
// DGA, DICTIONARY_DGA (the rule-type framework also writes DICT_DGA) or DNS_TUNNELING.
[[nodiscard]] std::optional<ThreatProtection> parse_threat_protection(std::string_view text);
enum class ConfidenceThreshold : std::uint8_t { kNone, kLow, kMedium, kHigh };
[[nodiscard]] std::string_view confidence_threshold_name(ConfidenceThreshold c);  // "" for kNone
[[nodiscard]] std::optional<ConfidenceThreshold> parse_confidence_threshold(std::string_view text);

// DNS query types as DNS Firewall names them: A, AAAA, CAA, CNAME, DS, MX, NAPTR, NS, PTR, SOA,
// SPF, SRV, TXT, or TYPEnnn (1..65534, as the route53resolver API reference gives it). Returns the
// numeric type; names and TYPEnnn of the same type compare equal (TYPE28 is AAAA). Other mnemonics
// Route 53 logs (HTTPS, SVCB, ANY, ...) are known too, so log records can be compared.
[[nodiscard]] std::optional<std::uint16_t> parse_query_type(std::string_view text);
// Whether a rule may name this type (the list above).
[[nodiscard]] bool is_rule_query_type(std::string_view text);

// Where a policy element came from, for messages: "policy.yaml:12" or "rules.json: rule 'x'".
struct PolicyOrigin {
  std::string file;
  std::size_t line = 0;  // 0 when the format has no useful line
  [[nodiscard]] std::string text() const;
};

struct DomainList {
  std::string id;  // what rules refer to: an AWS id (rslvr-fdl-...), a template logical id, or a name
  std::string name;
  std::vector<std::string> domains;       // as written (validated and normalised at compile time)
  std::vector<std::size_t> domain_lines;  // line of each domain in its file, 0 when unknown
  std::string domains_file;               // where the domains were read from, when a file
  std::string managed_owner;              // AWS managed list: contents unknown unless supplied
  bool contents_known = true;             // false: managed or S3-only list with no local copy
  PolicyOrigin origin;
};

struct FirewallRule {
  std::string name;
  std::string rule_group_id;
  std::string rule_group_name;  // filled in by FirewallPolicy::finish()
  std::string domain_list_id;
  int priority = 0;
  FirewallAction action = FirewallAction::kNone;
  BlockResponse block_response = BlockResponse::kNone;
  std::string block_override_domain;
  std::string block_override_dns_type;
  std::optional<int> block_override_ttl;
  std::string query_type;  // empty: every type
  RedirectionAction redirection = RedirectionAction::kInspect;
  // DNS Firewall Advanced (domain_list_id empty): the threat it detects and its confidence threshold.
  ThreatProtection threat_protection = ThreatProtection::kNone;
  ConfidenceThreshold confidence = ConfidenceThreshold::kNone;
  PolicyOrigin origin;
  [[nodiscard]] bool advanced() const { return threat_protection != ThreatProtection::kNone; }
  [[nodiscard]] std::string label() const;  // "rule 'name' (priority N) in rule group 'g'"
};

struct RuleGroup {
  std::string id;
  std::string name;
  std::vector<FirewallRule> rules;
  PolicyOrigin origin;
};

// "*" as vpc_id applies the group to every VPC (dnslens policies, or a template whose VPC is a
// parameter without a value).
struct RuleGroupAssociation {
  std::string rule_group_id;
  std::string vpc_id;
  int priority = 0;
  std::string name;
  // Who manages the association when not its account (AWS's ManagedOwnerName, e.g. Firewall Manager
  // applying an organization's DNS Firewall policy); empty for the account's own.
  std::string managed_owner;
  PolicyOrigin origin;
};

enum class Severity : std::uint8_t { kError, kWarning, kInfo };
[[nodiscard]] std::string_view severity_name(Severity s);

struct PolicyProblem {
  Severity severity = Severity::kError;
  std::string code;     // stable, for tests and filtering: "rule.block_response_missing", ...
  std::string where;    // origin text
  std::string message;  // names the rule, list or association
};

struct FirewallPolicy {
  std::vector<DomainList> domain_lists;
  std::vector<RuleGroup> rule_groups;
  std::vector<RuleGroupAssociation> associations;
  std::vector<PolicyProblem> load_notes;  // what the loaders had to assume (unresolved parameters, ...)

  [[nodiscard]] const DomainList* find_list(std::string_view id) const;
  [[nodiscard]] const RuleGroup* find_group(std::string_view id) const;
  DomainList& list_for(std::string_view id);  // finds or adds
  RuleGroup& group_for(std::string_view id);  // finds or adds

  // Structural problems AWS itself would reject (BLOCK without a block response, duplicate
  // priorities, unknown domain lists, invalid query types, ...). Empty when the policy can be
  // evaluated. Domain syntax is checked by lint and by compilation.
  [[nodiscard]] std::vector<PolicyProblem> check() const;
  // Throws Error(kConfig) listing every error from check().
  void validate() const;
  // Merges another policy (several --policy files make one policy).
  void merge(FirewallPolicy&& other);
  // After the last merge: gives each rule its group's name for messages.
  void finish();
};

// One domain specification, checked against AWS's rules and normalised (lowercase, trailing dot
// dropped). kind: exact name, "*.suffix" or "*".
struct DomainSpec {
  enum class Kind : std::uint8_t { kExact, kBelow, kEverything };
  Kind kind = Kind::kExact;
  std::string name;  // the exact name, or the suffix for kBelow; empty for kEverything
};
// Returns the reason the text is not a valid specification.
[[nodiscard]] std::optional<std::string> parse_domain_spec(std::string_view text, DomainSpec& out);

}  // namespace dnslens
