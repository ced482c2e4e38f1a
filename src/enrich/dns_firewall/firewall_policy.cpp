#include "enrich/dns_firewall/firewall_policy.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"

namespace dnslens {

namespace {

struct TypeName {
  std::string_view name;
  std::uint16_t code;
  bool rule_type;  // DNS Firewall accepts it as a rule's Qtype mnemonic
};

constexpr std::array<TypeName, 31> kTypes{{
    {"A", 1, true},        {"NS", 2, true},     {"CNAME", 5, true},   {"SOA", 6, true},     {"PTR", 12, true},
    {"MX", 15, true},      {"TXT", 16, true},   {"AAAA", 28, true},   {"SRV", 33, true},    {"NAPTR", 35, true},
    {"DS", 43, true},      {"SPF", 99, true},   {"CAA", 257, true},   {"HINFO", 13, false}, {"RP", 17, false},
    {"AFSDB", 18, false},  {"SIG", 24, false},  {"KEY", 25, false},   {"LOC", 29, false},   {"CERT", 37, false},
    {"DNAME", 39, false},  {"OPT", 41, false},  {"SSHFP", 44, false}, {"RRSIG", 46, false}, {"NSEC", 47, false},
    {"DNSKEY", 48, false}, {"TLSA", 52, false}, {"SVCB", 64, false},  {"HTTPS", 65, false}, {"ANY", 255, false},
    {"URI", 256, false},
}};

}  // namespace

std::string_view firewall_action_name(FirewallAction a) {
  switch (a) {
    case FirewallAction::kAllow:
      return "ALLOW";
    case FirewallAction::kAlert:
      return "ALERT";
    case FirewallAction::kBlock:
      return "BLOCK";
    case FirewallAction::kNone:
      break;
  }
  return "";
}

std::optional<FirewallAction> parse_firewall_action(std::string_view t) {
  if (ascii_iequals(t, "ALLOW")) return FirewallAction::kAllow;
  if (ascii_iequals(t, "ALERT")) return FirewallAction::kAlert;
  if (ascii_iequals(t, "BLOCK")) return FirewallAction::kBlock;
  return std::nullopt;
}

std::string_view block_response_name(BlockResponse r) {
  switch (r) {
    case BlockResponse::kNodata:
      return "NODATA";
    case BlockResponse::kNxdomain:
      return "NXDOMAIN";
    case BlockResponse::kOverride:
      return "OVERRIDE";
    case BlockResponse::kNone:
      break;
  }
  return "";
}

std::optional<BlockResponse> parse_block_response(std::string_view t) {
  if (ascii_iequals(t, "NODATA")) return BlockResponse::kNodata;
  if (ascii_iequals(t, "NXDOMAIN")) return BlockResponse::kNxdomain;
  if (ascii_iequals(t, "OVERRIDE")) return BlockResponse::kOverride;
  return std::nullopt;
}

std::string_view redirection_action_name(RedirectionAction r) {
  return r == RedirectionAction::kTrust ? "TRUST_REDIRECTION_DOMAIN" : "INSPECT_REDIRECTION_DOMAIN";
}

std::optional<RedirectionAction> parse_redirection_action(std::string_view t) {
  if (ascii_iequals(t, "INSPECT_REDIRECTION_DOMAIN")) return RedirectionAction::kInspect;
  if (ascii_iequals(t, "TRUST_REDIRECTION_DOMAIN")) return RedirectionAction::kTrust;
  return std::nullopt;
}

std::string_view threat_protection_name(ThreatProtection t) {
  switch (t) {
    case ThreatProtection::kDga:
      return "DGA";
    case ThreatProtection::kDictionaryDga:
      return "DICTIONARY_DGA";
    case ThreatProtection::kDnsTunneling:
      return "DNS_TUNNELING";
    case ThreatProtection::kNone:
      break;
  }
  return "";
}

std::optional<ThreatProtection> parse_threat_protection(std::string_view t) {
  if (ascii_iequals(t, "DGA")) return ThreatProtection::kDga;
  if (ascii_iequals(t, "DICTIONARY_DGA") || ascii_iequals(t, "DICT_DGA")) return ThreatProtection::kDictionaryDga;
  if (ascii_iequals(t, "DNS_TUNNELING")) return ThreatProtection::kDnsTunneling;
  return std::nullopt;
}

std::string_view confidence_threshold_name(ConfidenceThreshold c) {
  switch (c) {
    case ConfidenceThreshold::kLow:
      return "LOW";
    case ConfidenceThreshold::kMedium:
      return "MEDIUM";
    case ConfidenceThreshold::kHigh:
      return "HIGH";
    case ConfidenceThreshold::kNone:
      break;
  }
  return "";
}

std::optional<ConfidenceThreshold> parse_confidence_threshold(std::string_view t) {
  if (ascii_iequals(t, "LOW")) return ConfidenceThreshold::kLow;
  if (ascii_iequals(t, "MEDIUM")) return ConfidenceThreshold::kMedium;
  if (ascii_iequals(t, "HIGH")) return ConfidenceThreshold::kHigh;
  return std::nullopt;
}

static std::optional<std::uint16_t> parse_type_number(std::string_view t, unsigned max) {
  if (t.size() < 5 || !ascii_iequals(t.substr(0, 4), "TYPE")) return std::nullopt;
  unsigned v = 0;
  auto digits = t.substr(4);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc{} || p != digits.data() + digits.size() || v == 0 || v > max) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

std::optional<std::uint16_t> parse_query_type(std::string_view t) {
  for (const auto& n : kTypes) {
    if (ascii_iequals(t, n.name)) return n.code;
  }
  return parse_type_number(t, 65535);
}

bool is_rule_query_type(std::string_view t) {
  for (const auto& n : kTypes) {
    if (n.rule_type && ascii_iequals(t, n.name)) return true;
  }
  return parse_type_number(t, 65534).has_value();
}

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "info";
  }
  return "error";
}

std::string PolicyOrigin::text() const {
  if (line == 0) return file;
  return fmt::format("{}:{}", file, line);
}

std::string FirewallRule::label() const {
  const std::string group = rule_group_name.empty() || rule_group_name == rule_group_id
                                ? fmt::format("'{}'", rule_group_id)
                                : fmt::format("'{}' ({})", rule_group_name, rule_group_id);
  return fmt::format("rule '{}' (priority {}) in rule group {}", name.empty() ? "(unnamed)" : name, priority, group);
}

void FirewallPolicy::finish() {
  for (auto& g : rule_groups) {
    for (auto& r : g.rules) r.rule_group_name = g.name;
  }
}

std::optional<std::string> parse_domain_spec(std::string_view text, DomainSpec& out) {
  if (text.empty()) return "empty domain";
  if (text.size() > 255) return "longer than 255 characters";
  if (text == "*") {
    out.kind = DomainSpec::Kind::kEverything;
    out.name.clear();
    return std::nullopt;
  }
  std::string_view rest = text;
  out.kind = DomainSpec::Kind::kExact;
  if (rest.front() == '*') {
    if (rest.size() < 3 || rest[1] != '.') return "an asterisk must be the whole first label ('*.example.com')";
    out.kind = DomainSpec::Kind::kBelow;
    rest.remove_prefix(2);
  }
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  if (rest.empty()) return "no name after the asterisk";
  out.name.clear();
  out.name.reserve(rest.size());
  std::size_t label = 0;
  for (char c : rest) {
    if (c == '.') {
      if (label == 0) return "empty label";
      label = 0;
      out.name += '.';
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      if (c == '*') return "an asterisk is only allowed at the start";
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
        return "characters other than A-Z, a-z, 0-9, '-' and '.' (internationalised names must be punycode)";
      }
      return fmt::format("character '{}' is not allowed (only A-Z, a-z, 0-9, '-' and '.')", c);
    }
    if (++label > 63) return "a label is longer than 63 characters";
    out.name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  if (label == 0) return "empty label";
  return std::nullopt;
}

const DomainList* FirewallPolicy::find_list(std::string_view id) const {
  for (const auto& l : domain_lists) {
    if (l.id == id) return &l;
  }
  return nullptr;
}

const RuleGroup* FirewallPolicy::find_group(std::string_view id) const {
  for (const auto& g : rule_groups) {
    if (g.id == id) return &g;
  }
  return nullptr;
}

DomainList& FirewallPolicy::list_for(std::string_view id) {
  for (auto& l : domain_lists) {
    if (l.id == id) return l;
  }
  DomainList& l = domain_lists.emplace_back();
  l.id = std::string(id);
  return l;
}

RuleGroup& FirewallPolicy::group_for(std::string_view id) {
  for (auto& g : rule_groups) {
    if (g.id == id) return g;
  }
  RuleGroup& g = rule_groups.emplace_back();
  g.id = std::string(id);
  return g;
}

namespace {

// What AWS accepts on a DNS Firewall Advanced rule (CreateFirewallRule): ALERT or BLOCK, a confidence
// threshold, no domain list. Qtype and FirewallDomainRedirectionAction belong to domain-list rules.
template <class Add>
void check_advanced(const FirewallRule& r, const std::string& label, Add&& add, std::vector<PolicyProblem>& out) {
  const std::string_view protection = threat_protection_name(r.threat_protection);
  if (r.action == FirewallAction::kAllow) {
    add("rule.advanced_allow", r.origin,
        fmt::format("{}: DNS Firewall Advanced ({}) rules take ALERT or BLOCK, not ALLOW", label, protection));
  }
  if (r.confidence == ConfidenceThreshold::kNone) {
    add("rule.confidence_missing", r.origin,
        fmt::format("{}: a DNS Firewall Advanced ({}) rule needs a confidence threshold (LOW, MEDIUM or HIGH)", label,
                    protection));
  }
  if (!r.domain_list_id.empty()) {
    add("rule.advanced_with_list", r.origin,
        fmt::format("{}: a rule matches a domain list or a threat protection ({}), not both", label, protection));
  }
  if (!r.query_type.empty()) {
    out.push_back(PolicyProblem{
        Severity::kWarning, "rule.advanced_query_type", r.origin.text(),
        fmt::format("{}: query type {} on a DNS Firewall Advanced ({}) rule: Qtype belongs to domain-list rules, and "
                    "the simulation inspects every query type",
                    label, r.query_type, protection)});
  }
  if (r.redirection == RedirectionAction::kTrust) {
    out.push_back(PolicyProblem{
        Severity::kWarning, "rule.advanced_redirection", r.origin.text(),
        fmt::format("{}: TRUST_REDIRECTION_DOMAIN on a DNS Firewall Advanced ({}) rule: the redirection setting "
                    "belongs to domain-list rules, and the simulation inspects the query name only",
                    label, protection)});
  }
}

}  // namespace

std::vector<PolicyProblem> FirewallPolicy::check() const {
  std::vector<PolicyProblem> out;
  auto add = [&](std::string code, const PolicyOrigin& where, std::string msg) {
    out.push_back(PolicyProblem{Severity::kError, std::move(code), where.text(), std::move(msg)});
  };
  for (const auto& g : rule_groups) {
    std::map<int, const FirewallRule*> priorities;
    for (const auto& r : g.rules) {
      const std::string label = r.label();
      if (r.action == FirewallAction::kNone)
        add("rule.action_missing", r.origin, label + ": no action (ALLOW, ALERT or BLOCK)");
      if (r.action == FirewallAction::kBlock && r.block_response == BlockResponse::kNone) {
        add("rule.block_response_missing", r.origin,
            label + ": a BLOCK rule needs a block response (NODATA, NXDOMAIN or OVERRIDE)");
      }
      if (r.action != FirewallAction::kBlock && r.block_response != BlockResponse::kNone) {
        add("rule.block_response_unexpected", r.origin,
            fmt::format("{}: block response {} is only used with BLOCK", label, block_response_name(r.block_response)));
      }
      if (r.block_response == BlockResponse::kOverride) {
        if (r.block_override_domain.empty())
          add("rule.override_domain_missing", r.origin, label + ": OVERRIDE needs a block override domain");
        if (r.block_override_dns_type.empty()) {
          add("rule.override_type_missing", r.origin, label + ": OVERRIDE needs a block override DNS type (CNAME)");
        } else if (!ascii_iequals(r.block_override_dns_type, "CNAME")) {
          add("rule.override_type_invalid", r.origin,
              fmt::format("{}: block override DNS type '{}' is not CNAME, the only type DNS Firewall accepts", label,
                          r.block_override_dns_type));
        }
        if (!r.block_override_ttl)
          add("rule.override_ttl_missing", r.origin, label + ": OVERRIDE needs a block override TTL");
      } else if (!r.block_override_domain.empty() || !r.block_override_dns_type.empty()) {
        add("rule.override_unexpected", r.origin, label + ": block override settings without block response OVERRIDE");
      }
      if (r.block_override_ttl && (*r.block_override_ttl < 0 || *r.block_override_ttl > 604800)) {
        add("rule.override_ttl_range", r.origin,
            fmt::format("{}: block override TTL {} is outside 0..604800", label, *r.block_override_ttl));
      }
      if (r.priority < 0) add("rule.priority_range", r.origin, label + ": negative priority");
      if (!r.query_type.empty() && !is_rule_query_type(r.query_type)) {
        add("rule.query_type_invalid", r.origin,
            fmt::format("{}: query type '{}' is not one DNS Firewall accepts (A, AAAA, CAA, CNAME, DS, MX, NAPTR, NS, "
                        "PTR, SOA, SPF, SRV, TXT or TYPEnnn with nnn 1..65534)",
                        label, r.query_type));
      }
      if (r.advanced()) {
        check_advanced(r, label, add, out);
      } else if (r.confidence != ConfidenceThreshold::kNone) {
        add("rule.confidence_unexpected", r.origin,
            fmt::format("{}: a confidence threshold ({}) is only used by DNS Firewall Advanced rules", label,
                        confidence_threshold_name(r.confidence)));
      }
      if (r.advanced()) {
        // Matches a threat, not a list.
      } else if (r.domain_list_id.empty()) {
        add("rule.domain_list_missing", r.origin, label + ": no domain list");
      } else if (find_list(r.domain_list_id) == nullptr) {
        // Usually an AWS managed list (rslvr-fdl-...) whose contents only AWS has.
        out.push_back(
            PolicyProblem{Severity::kWarning, "rule.domain_list_unknown", r.origin.text(),
                          fmt::format("{}: domain list '{}' is not in the policy, so the rule is not simulated "
                                      "(give its domains with --policy {}=FILE)",
                                      label, r.domain_list_id, r.domain_list_id)});
      }
      auto [it, inserted] = priorities.emplace(r.priority, &r);
      if (!inserted) {
        add("rule.priority_duplicate", r.origin,
            fmt::format("{}: priority {} is already used by {} (priorities must be unique in a rule group)", label,
                        r.priority, it->second->label()));
      }
    }
  }
  std::map<std::pair<std::string, int>, const RuleGroupAssociation*> assoc_priorities;
  std::set<std::pair<std::string, std::string>> assoc_pairs;
  for (const auto& a : associations) {
    const std::string label =
        fmt::format("association of rule group '{}' with {} (priority {})", a.rule_group_id,
                    a.vpc_id == "*" ? std::string("every VPC") : "VPC '" + a.vpc_id + "'", a.priority);
    if (find_group(a.rule_group_id) == nullptr) {
      add("association.rule_group_unknown", a.origin, label + ": the rule group is not in the policy");
    }
    // An account associates its rule groups at 100-9900; Firewall Manager's policies put theirs before
    // (1-99) and after (9901-10000) them. Those are taken from Firewall Manager as they are, and noted
    // on an association that does not say it is managed.
    if (a.priority < 1 || a.priority > 10000) {
      add("association.priority_range", a.origin,
          label + ": priority must be between 100 and 9900 (1-99 and 9901-10000 for Firewall Manager's)");
    } else if ((a.priority < 100 || a.priority > 9900) && a.managed_owner.empty()) {
      out.push_back(PolicyProblem{
          Severity::kWarning, "association.priority_range", a.origin.text(),
          label + ": priority outside 100-9900, which only Firewall Manager's associations use (its policy's "
                  "first rule groups at 1-99, last at 9901-10000); evaluated in priority order"});
    }
    auto [it, inserted] = assoc_priorities.emplace(std::make_pair(a.vpc_id, a.priority), &a);
    if (!inserted) {
      add("association.priority_duplicate", a.origin,
          fmt::format("{}: priority {} is already used by rule group '{}' on the same VPC", label, a.priority,
                      it->second->rule_group_id));
    }
    if (!assoc_pairs.emplace(a.vpc_id, a.rule_group_id).second) {
      add("association.duplicate", a.origin, label + ": the rule group is associated with this VPC twice");
    }
  }
  return out;
}

void FirewallPolicy::validate() const {
  auto problems = check();
  std::erase_if(problems, [](const PolicyProblem& p) { return p.severity != Severity::kError; });
  if (problems.empty()) return;
  std::string msg =
      fmt::format("the DNS Firewall policy has {} error{}:", problems.size(), problems.size() == 1 ? "" : "s");
  for (const auto& p : problems) msg += fmt::format("\n  {}: {}", p.where, p.message);
  throw Error(ErrorCode::kConfig, msg);
}

void FirewallPolicy::merge(FirewallPolicy&& other) {
  for (auto& l : other.domain_lists) {
    auto it = std::find_if(domain_lists.begin(), domain_lists.end(), [&](const DomainList& d) { return d.id == l.id; });
    if (it == domain_lists.end()) {
      domain_lists.push_back(std::move(l));
      continue;
    }
    // One file may only name a list (list-firewall-domain-lists, a template's managed list) and
    // another hold its contents (list-firewall-domains, a domain file): together they are known.
    DomainList& mine = *it;
    if (mine.name.empty()) mine.name = l.name;
    if (!l.managed_owner.empty()) mine.managed_owner = l.managed_owner;
    mine.domains.insert(mine.domains.end(), l.domains.begin(), l.domains.end());
    mine.domain_lines.insert(mine.domain_lines.end(), l.domain_lines.begin(), l.domain_lines.end());
    if (!l.domains_file.empty()) mine.domains_file = l.domains_file;
    if (l.contents_known && !mine.contents_known) mine.origin = l.origin;
    mine.contents_known = mine.contents_known || l.contents_known;
  }
  for (auto& g : other.rule_groups) {
    RuleGroup& mine = group_for(g.id);
    if (mine.name.empty()) mine.name = g.name;
    if (mine.origin.file.empty()) mine.origin = g.origin;
    for (auto& r : g.rules) mine.rules.push_back(std::move(r));
  }
  for (auto& a : other.associations) associations.push_back(std::move(a));
  for (auto& n : other.load_notes) load_notes.push_back(std::move(n));
}

}  // namespace dnslens
