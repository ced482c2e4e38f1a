#include "enrich/dns_firewall/policy_lint.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include "enrich/dns_firewall/firewall_evaluator.hpp"

namespace dnslens {

namespace {

std::string spec_text(const DomainSpec& s) {
  return s.kind == DomainSpec::Kind::kBelow ? "*." + s.name : s.kind == DomainSpec::Kind::kEverything ? "*" : s.name;
}

PolicyOrigin domain_origin(const DomainList& list, std::size_t i) {
  return PolicyOrigin{list.domains_file.empty() ? list.origin.file : list.domains_file,
                      i < list.domain_lines.size() ? list.domain_lines[i] : 0};
}

void lint_lists(const FirewallPolicy& p, std::vector<PolicyProblem>& out) {
  std::set<std::string> used;
  for (const auto& g : p.rule_groups) {
    for (const auto& r : g.rules) used.insert(r.domain_list_id);
  }
  for (const auto& list : p.domain_lists) {
    std::map<std::string, std::size_t> seen;  // normalised spec -> first index
    DomainSpec spec;
    std::size_t valid = 0;
    for (std::size_t i = 0; i < list.domains.size(); ++i) {
      const std::string& d = list.domains[i];
      if (auto why = parse_domain_spec(d, spec)) {
        out.push_back(PolicyProblem{
            Severity::kError, "domain.invalid", domain_origin(list, i).text(),
            fmt::format("domain list '{}': '{}' is not a valid domain specification: {}", list.id, d, *why)});
        continue;
      }
      ++valid;
      auto [it, inserted] = seen.emplace(spec_text(spec), i);
      if (!inserted) {
        const PolicyOrigin first = domain_origin(list, it->second);
        out.push_back(PolicyProblem{Severity::kWarning, "domain.duplicate", domain_origin(list, i).text(),
                                    fmt::format("domain list '{}': '{}' is listed again (first at {})", list.id, d,
                                                first.line ? fmt::format("line {}", first.line) : first.text())});
      }
      for (std::size_t start = 0; start <= spec.name.size();) {
        const std::size_t end = std::min(spec.name.find('.', start), spec.name.size());
        const std::string_view label(spec.name.data() + start, end - start);
        if (!label.empty() && (label.front() == '-' || label.back() == '-')) {
          out.push_back(
              PolicyProblem{Severity::kWarning, "domain.hyphen", domain_origin(list, i).text(),
                            fmt::format("domain list '{}': '{}' has a label that starts or ends with a hyphen, "
                                        "which no host name can have",
                                        list.id, d)});
          break;
        }
        start = end + 1;
      }
    }
    if (valid == 0 && list.contents_known && used.contains(list.id)) {
      out.push_back(PolicyProblem{Severity::kWarning, "list.empty", list.origin.text(),
                                  fmt::format("domain list '{}' is empty: rules using it match nothing", list.id)});
    }
    if (!list.contents_known && list.domains.empty() && used.contains(list.id)) {
      out.push_back(PolicyProblem{
          Severity::kInfo, "list.contents_unknown", list.origin.text(),
          fmt::format("domain list '{}'{} has no local contents: rules using it are not checked "
                      "or simulated (give its domains with --policy {}=FILE)",
                      list.id, list.managed_owner.empty() ? "" : " (managed by " + list.managed_owner + ")", list.id)});
    }
    if (!used.contains(list.id)) {
      out.push_back(PolicyProblem{Severity::kInfo, "list.unused", list.origin.text(),
                                  fmt::format("domain list '{}' is used by no rule", list.id)});
    }
  }
}

// What the rules before the current one match, per query type (0: rules for every type).
struct Coverage {
  absl::flat_hash_map<std::string, std::uint32_t> exact;
  absl::flat_hash_map<std::string, std::uint32_t> below;
  std::optional<std::uint32_t> everything;
};

// The earliest rule (by position in the chain) whose specification covers s.
std::optional<std::uint32_t> covered_by(const Coverage& c, const DomainSpec& s,
                                        const absl::flat_hash_map<std::uint32_t, std::size_t>& position) {
  std::optional<std::uint32_t> best;
  auto consider = [&](std::uint32_t rule) {
    if (!best || position.at(rule) < position.at(*best)) best = rule;
  };
  if (c.everything) consider(*c.everything);
  if (s.kind == DomainSpec::Kind::kEverything) return best;
  if (auto it = (s.kind == DomainSpec::Kind::kExact ? c.exact : c.below).find(s.name);
      it != (s.kind == DomainSpec::Kind::kExact ? c.exact : c.below).end()) {
    consider(it->second);
  }
  const std::string_view name = s.name;
  for (std::size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', dot + 1)) {
    if (auto it = c.below.find(std::string(name.substr(dot + 1))); it != c.below.end()) consider(it->second);
  }
  return best;
}

void add_coverage(Coverage& c, const DomainSpec& s, std::uint32_t rule) {
  switch (s.kind) {
    case DomainSpec::Kind::kEverything:
      if (!c.everything) c.everything = rule;
      break;
    case DomainSpec::Kind::kExact:
      c.exact.emplace(s.name, rule);
      break;
    case DomainSpec::Kind::kBelow:
      c.below.emplace(s.name, rule);
      break;
  }
}

struct ShadowFinding {
  std::size_t covered = 0;
  std::size_t total = 0;
  std::map<std::uint32_t, std::size_t> by_rule;  // earlier rule -> domains it takes
  std::vector<std::string> examples;
  std::vector<std::string> vpcs;
};

// An Advanced rule never decides a query when a rule before it matches every name ("*" for every query
// type), or when a rule of the same protection before it has a threshold as loose or looser: every query
// a threshold matches, the looser ones match too.
void lint_advanced_order(const CompiledRule& r, const std::string& vpc, std::optional<std::uint32_t> everything,
                         std::map<ThreatProtection, std::uint32_t>& loosest, const std::vector<CompiledRule>& rules,
                         std::set<std::uint32_t>& reported, std::vector<PolicyProblem>& out) {
  const FirewallRule& rule = *r.rule;
  const std::string where_vpc = vpc != "*" ? fmt::format(" on VPC {}", vpc) : "";
  std::string why;
  if (everything) {
    const FirewallRule& e = *rules[*everything].rule;
    why = fmt::format("{} {} matches every name first", firewall_action_name(e.action), e.label());
  } else if (auto it = loosest.find(rule.threat_protection); it != loosest.end() &&
                                                             r.threshold != ConfidenceThreshold::kNone &&
                                                             rules[it->second].threshold <= r.threshold) {
    const FirewallRule& e = *rules[it->second].rule;
    why = fmt::format("{} {} at {} matches first every query this rule matches at {}", firewall_action_name(e.action),
                      e.label(), confidence_threshold_name(e.confidence), confidence_threshold_name(rule.confidence));
  }
  const bool has_threshold = r.threshold != ConfidenceThreshold::kNone;  // without one, check() reports it
  if (auto it = loosest.find(rule.threat_protection);
      has_threshold && (it == loosest.end() || r.threshold < rules[it->second].threshold))
    loosest[rule.threat_protection] = r.id;
  if (why.empty() || !reported.insert(r.id).second) return;
  out.push_back(PolicyProblem{
      Severity::kWarning,
      rule.action == FirewallAction::kBlock && why.find("ALLOW") == 0 ? "rule.block_unreachable" : "rule.shadowed",
      rule.origin.text(),
      fmt::format("{}{} ({} at {}) can never decide a query: {}", rule.label(), where_vpc,
                  threat_protection_name(rule.threat_protection), confidence_threshold_name(rule.confidence), why)});
}

void lint_shadowing(const FirewallPolicy& p, std::vector<PolicyProblem>& out) {
  FirewallEvaluator ev(p);
  const auto& rules = ev.rules();
  std::vector<std::pair<std::string, const std::vector<std::uint32_t>*>> chains;
  chains.emplace_back("*", &ev.chain_for(""));
  for (const auto& vpc : ev.vpcs_with_own_chain()) chains.emplace_back(vpc, &ev.chain_for(vpc));

  std::map<std::uint32_t, ShadowFinding> findings;
  std::set<std::uint32_t> advanced_seen;  // Advanced rules already reported
  std::set<std::vector<std::uint32_t>> seen_chains;
  DomainSpec spec;
  for (const auto& [vpc, chain] : chains) {
    if (chain->empty() || !seen_chains.insert(*chain).second) continue;
    std::map<std::uint16_t, Coverage> coverage;
    absl::flat_hash_map<std::uint32_t, std::size_t> position;
    for (std::size_t i = 0; i < chain->size(); ++i) position.emplace((*chain)[i], i);
    // DNS Firewall Advanced: the earliest rule of each protection, by how loose its threshold is.
    std::map<ThreatProtection, std::uint32_t> loosest;
    for (std::uint32_t id : *chain) {
      const CompiledRule& r = rules[id];
      if (r.rule->advanced()) {
        lint_advanced_order(r, vpc, coverage[0].everything, loosest, rules, advanced_seen, out);
        continue;
      }
      if (!r.evaluable || r.list == nullptr) continue;
      std::vector<DomainSpec> specs;
      std::set<std::string> distinct;
      for (const auto& d : r.list->domains) {
        if (!parse_domain_spec(d, spec) && distinct.insert(spec_text(spec)).second) specs.push_back(spec);
      }
      if (specs.empty()) continue;
      ShadowFinding f;
      f.total = specs.size();
      for (const auto& s : specs) {
        std::optional<std::uint32_t> by = covered_by(coverage[0], s, position);
        if (r.qtype != 0) {
          if (auto typed = covered_by(coverage[r.qtype], s, position);
              typed && (!by || position[*typed] < position[*by]))
            by = typed;
        }
        if (!by) continue;
        ++f.covered;
        ++f.by_rule[*by];
        if (f.examples.size() < 3) f.examples.push_back(spec_text(s));
      }
      for (const auto& s : specs) add_coverage(coverage[r.qtype], s, id);
      if (f.covered == 0) continue;
      auto [it, inserted] = findings.emplace(id, f);
      it->second.vpcs.push_back(vpc);
    }
  }
  for (const auto& [id, f] : findings) {
    const CompiledRule& r = rules[id];
    std::string by;
    bool allow_hides_block = false;
    for (const auto& [earlier, n] : f.by_rule) {
      const FirewallRule& e = *rules[earlier].rule;
      by += fmt::format("{}{} {} ({} domain{})", by.empty() ? "" : "; ", firewall_action_name(e.action), e.label(), n,
                        n == 1 ? "" : "s");
      if (e.action == FirewallAction::kAllow && r.rule->action == FirewallAction::kBlock) allow_hides_block = true;
    }
    std::string where_vpc = f.vpcs.size() == 1 && f.vpcs[0] != "*" ? fmt::format(" on VPC {}", f.vpcs[0]) : "";
    std::string examples;
    for (const auto& e : f.examples) examples += fmt::format("{}{}", examples.empty() ? "" : ", ", e);
    const bool all = f.covered == f.total;
    std::string code = allow_hides_block ? (all ? "rule.block_unreachable" : "rule.block_partly_unreachable")
                                         : (all ? "rule.shadowed" : "rule.partly_shadowed");
    std::string msg =
        all ? fmt::format(
                  "{}{} can never decide a query: every one of its {} domain{} is matched first by {} (e.g. {})",
                  r.rule->label(), where_vpc, f.total, f.total == 1 ? "" : "s", by, examples)
            : fmt::format("{}{}: {} of its {} domains are matched first by {} (e.g. {})", r.rule->label(), where_vpc,
                          f.covered, f.total, by, examples);
    out.push_back(PolicyProblem{all || allow_hides_block ? Severity::kWarning : Severity::kInfo, code,
                                r.rule->origin.text(), msg});
  }
}

}  // namespace

LintReport lint_policy(const FirewallPolicy& policy) {
  LintReport report;
  std::vector<PolicyProblem> all = policy.load_notes;
  auto structural = policy.check();
  all.insert(all.end(), structural.begin(), structural.end());
  lint_lists(policy, all);
  if (!policy.associations.empty()) {
    for (const auto& g : policy.rule_groups) {
      const bool associated = std::any_of(policy.associations.begin(), policy.associations.end(),
                                          [&](const RuleGroupAssociation& a) { return a.rule_group_id == g.id; });
      if (!associated) {
        all.push_back(
            PolicyProblem{Severity::kWarning, "group.unassociated", g.origin.text(),
                          fmt::format("rule group '{}' is associated with no VPC: its rules filter nothing", g.id)});
      }
    }
  }
  for (const auto& g : policy.rule_groups) {
    for (const auto& r : g.rules) {
      if (!r.advanced() || r.action != FirewallAction::kBlock || r.confidence != ConfidenceThreshold::kLow) continue;
      all.push_back(PolicyProblem{
          Severity::kInfo, "rule.advanced_low_block", r.origin.text(),
          fmt::format("{} blocks {} at confidence LOW, which AWS describes as the threshold with the most false "
                      "positives: ALERT first and review what it catches (dnslens firewall simulate shows it)",
                      r.label(), threat_protection_name(r.threat_protection))});
    }
  }
  lint_shadowing(policy, all);
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.severity < b.severity; });
  for (const auto& p : all) {
    if (p.severity == Severity::kError) ++report.errors;
    if (p.severity == Severity::kWarning) ++report.warnings;
  }
  report.problems = std::move(all);
  return report;
}

}  // namespace dnslens
