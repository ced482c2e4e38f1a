#include "enrich/dns_firewall/firewall_evaluator.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/absl_view.hpp"
#include "core/dns_name.hpp"
#include "enrich/dns_firewall/threat_protection.hpp"

namespace dnslens {

namespace {

std::size_t label_count(std::string_view name) {
  return static_cast<std::size_t>(std::count(name.begin(), name.end(), '.')) + 1;
}

std::uint64_t label_bit(std::size_t labels) { return std::uint64_t{1} << std::min<std::size_t>(labels, 63); }

using ListMap = absl::flat_hash_map<std::string, std::vector<std::uint32_t>>;

void add_to(ListMap& map, const std::string& key, std::uint32_t list) {
  auto& v = map[key];
  if (v.empty() || v.back() != list) v.push_back(list);
}

int severity_rank(FirewallAction a) {
  switch (a) {
    case FirewallAction::kBlock:
      return 3;
    case FirewallAction::kAlert:
      return 2;
    case FirewallAction::kAllow:
      return 1;
    case FirewallAction::kNone:
      break;
  }
  return 0;
}

}  // namespace

FirewallEvaluator::FirewallEvaluator(FirewallPolicy policy_in, std::vector<PolicyProblem>* problems) {
  if (policy_in.associations.empty() && !policy_in.rule_groups.empty()) {
    int priority = 100;
    for (const auto& g : policy_in.rule_groups) {
      policy_in.associations.push_back(RuleGroupAssociation{g.id, "*", priority, "implicit", "", g.origin});
      priority += 100;
    }
    if (problems) {
      problems->push_back(PolicyProblem{Severity::kInfo, "policy.no_associations", "",
                                        "the policy associates no rule group with a VPC: every rule group applies to "
                                        "every VPC, in the order the policy lists them"});
    }
  }
  policy_ = std::make_shared<const FirewallPolicy>(std::move(policy_in));
  const FirewallPolicy& p = *policy_;

  // Domain index.
  ListMap exact, below;
  for (std::uint32_t li = 0; li < p.domain_lists.size(); ++li) {
    const DomainList& list = p.domain_lists[li];
    if (list.id.starts_with("rslvr-fdl-")) has_aws_ids_ = true;
    DomainSpec spec;
    for (std::size_t i = 0; i < list.domains.size(); ++i) {
      if (auto why = parse_domain_spec(list.domains[i], spec)) {
        if (problems) {
          PolicyOrigin where{list.domains_file.empty() ? list.origin.file : list.domains_file,
                             i < list.domain_lines.size() ? list.domain_lines[i] : 0};
          problems->push_back(
              PolicyProblem{Severity::kError, "domain.invalid", where.text(),
                            fmt::format("domain list '{}': '{}' is skipped: {}", list.id, list.domains[i], *why)});
        }
        continue;
      }
      ++domain_count_;
      switch (spec.kind) {
        case DomainSpec::Kind::kExact:
          add_to(exact, spec.name, li);
          break;
        case DomainSpec::Kind::kBelow:
          add_to(below, spec.name, li);
          break;
        case DomainSpec::Kind::kEverything:
          if (std::find(everything_.begin(), everything_.end(), li) == everything_.end()) everything_.push_back(li);
          break;
      }
    }
  }
  auto flatten = [this](ListMap& from, absl::flat_hash_map<std::string, Range>& to, std::uint64_t& mask) {
    to.reserve(from.size());
    for (auto& [key, lists] : from) {
      mask |= label_bit(label_count(key));
      Range r{static_cast<std::uint32_t>(list_ids_.size()), static_cast<std::uint32_t>(lists.size())};
      list_ids_.insert(list_ids_.end(), lists.begin(), lists.end());
      to.emplace(key, r);
    }
  };
  flatten(exact, exact_, exact_labels_);
  flatten(below, below_, below_labels_);

  absl::flat_hash_map<std::string, std::uint32_t> list_index;
  for (std::uint32_t li = 0; li < p.domain_lists.size(); ++li) list_index.emplace(p.domain_lists[li].id, li);

  // Rules, each compiled once; chains refer to them by id.
  absl::flat_hash_map<std::string, std::vector<std::uint32_t>> group_rules;  // in rule-priority order
  for (const auto& g : p.rule_groups) {
    if (g.id.starts_with("rslvr-frg-")) has_aws_ids_ = true;
    std::vector<const FirewallRule*> ordered;
    for (const auto& r : g.rules) ordered.push_back(&r);
    std::stable_sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->priority < b->priority; });
    auto& ids = group_rules[g.id];
    for (const FirewallRule* r : ordered) {
      CompiledRule c;
      c.id = static_cast<std::uint32_t>(rules_.size());
      c.rule = r;
      c.group = &g;
      if (auto it = list_index.find(r->domain_list_id); it != list_index.end()) {
        c.list_index = it->second;
        c.list = &p.domain_lists[it->second];
      }
      if (r->advanced()) {
        c.protection = r->threat_protection;
        c.threshold = r->confidence;
        c.evaluable = threat_protection_simulated(c.protection) && c.threshold != ConfidenceThreshold::kNone;
        reads_signals_ = reads_signals_ || c.evaluable;
      } else {
        c.evaluable = c.list != nullptr && (c.list->contents_known || !c.list->domains.empty());
      }
      if (!r->query_type.empty()) {
        c.qtype = parse_query_type(r->query_type).value_or(0);
        any_qtype_ = any_qtype_ || c.qtype != 0;
      }
      ids.push_back(c.id);
      rules_.push_back(c);
    }
  }

  std::vector<const RuleGroupAssociation*> everywhere;
  absl::flat_hash_map<std::string, std::vector<const RuleGroupAssociation*>> per_vpc;
  for (const auto& a : p.associations) {
    if (a.vpc_id == "*") {
      everywhere.push_back(&a);
    } else {
      per_vpc[a.vpc_id].push_back(&a);
    }
  }
  auto build_chain = [&](std::vector<const RuleGroupAssociation*> assocs) {
    std::stable_sort(assocs.begin(), assocs.end(), [](auto* a, auto* b) { return a->priority < b->priority; });
    std::vector<std::uint32_t> chain;
    for (const auto* a : assocs) {
      auto it = group_rules.find(a->rule_group_id);
      if (it != group_rules.end()) chain.insert(chain.end(), it->second.begin(), it->second.end());
    }
    return chain;
  };
  chains_.push_back(build_chain(everywhere));
  for (auto& [vpc, assocs] : per_vpc) {
    auto all = assocs;
    all.insert(all.end(), everywhere.begin(), everywhere.end());
    vpc_chain_.emplace(vpc, static_cast<std::uint32_t>(chains_.size()));
    chains_.push_back(build_chain(std::move(all)));
  }
}

const std::vector<std::uint32_t>& FirewallEvaluator::chain_for(std::string_view vpc_id) const {
  if (!vpc_chain_.empty()) {
    auto it = vpc_chain_.find(as_absl(vpc_id));
    if (it != vpc_chain_.end()) return chains_[it->second];
  }
  return chains_[0];
}

std::vector<std::string> FirewallEvaluator::vpcs_with_own_chain() const {
  std::vector<std::string> out;
  for (const auto& [vpc, index] : vpc_chain_) out.push_back(vpc);
  std::sort(out.begin(), out.end());
  return out;
}

// Calls visit(list) for every list holding a specification that matches name ("*", the exact name,
// "*.parent" for each proper parent that could be a key) until visit returns true.
template <typename Visit>
void FirewallEvaluator::for_each_matching_list(std::string_view name, Visit&& visit) const {
  for (std::uint32_t li : everything_) {
    if (visit(li)) return;
  }
  auto visit_range = [&](const Range& r) {
    for (std::uint32_t i = 0; i < r.count; ++i) {
      if (visit(list_ids_[r.offset + i])) return true;
    }
    return false;
  };
  std::size_t labels = label_count(name);
  if (exact_labels_ & label_bit(labels)) {
    if (auto it = exact_.find(as_absl(name)); it != exact_.end() && visit_range(it->second)) return;
  }
  if (below_labels_ == 0) return;
  for (std::size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', dot + 1)) {
    if ((below_labels_ & label_bit(--labels)) == 0) continue;
    if (auto it = below_.find(as_absl(name.substr(dot + 1))); it != below_.end() && visit_range(it->second)) return;
  }
}

void FirewallEvaluator::collect(std::string_view name, Hits& hits) const {
  for_each_matching_list(name, [&](std::uint32_t list) {
    if (hits.n == kMaxHits) {
      hits.overflow = true;
      return true;
    }
    hits.lists[hits.n++] = list;
    return false;
  });
}

bool FirewallEvaluator::list_matches(std::uint32_t list, std::string_view name) const {
  bool found = false;
  for_each_matching_list(name, [&](std::uint32_t l) { return found = (l == list); });
  return found;
}

FirewallEvaluator::Levels FirewallEvaluator::levels_of(const EnrichedRecord* enriched) {
  Levels l;
  if (enriched == nullptr || !enriched->has_signals) return l;
  for (ThreatProtection p : kSimulatedThreatProtections) {
    const ConfidenceThreshold c = threat_protection_level(p, *enriched);
    l.by_protection[static_cast<std::size_t>(p)] = c;
    l.any = l.any || c != ConfidenceThreshold::kNone;
  }
  return l;
}

const CompiledRule* FirewallEvaluator::first_in_chain(const std::vector<std::uint32_t>& chain, std::string_view name,
                                                      std::uint16_t qtype, const Levels& levels,
                                                      bool redirection_target) const {
  if (chain.empty() || name.empty()) return nullptr;
  Hits hits;
  collect(name, hits);
  if (hits.n == 0 && !levels.any) return nullptr;
  for (std::uint32_t id : chain) {
    const CompiledRule& r = rules_[id];
    if (!r.evaluable) continue;
    if (r.protection != ThreatProtection::kNone) {
      // Advanced: every query type; the query name only (levels is empty for redirection targets).
      if (levels.by_protection[static_cast<std::size_t>(r.protection)] >= r.threshold) return &r;
      continue;
    }
    if (r.qtype != 0 && r.qtype != qtype) continue;
    // TRUST_REDIRECTION_DOMAIN: the rule inspects only the first domain of the chain, the query name.
    if (redirection_target && r.rule->redirection == RedirectionAction::kTrust) continue;
    if (hits.n == 0) continue;
    if (hits.overflow) {
      if (list_matches(r.list_index, name)) return &r;
      continue;
    }
    for (std::size_t i = 0; i < hits.n; ++i) {
      if (hits.lists[i] == r.list_index) return &r;
    }
  }
  return nullptr;
}

const CompiledRule* FirewallEvaluator::first_match(std::string_view vpc_id, std::string_view name, std::uint16_t qtype,
                                                   const EnrichedRecord* enriched) const {
  return first_in_chain(chain_for(vpc_id), name, qtype, reads_signals_ ? levels_of(enriched) : Levels{});
}

FirewallVerdict FirewallEvaluator::evaluate(const QueryRecord& record, std::string_view name, char* scratch,
                                            const EnrichedRecord* enriched) const {
  FirewallVerdict v;
  const auto& chain = chain_for(record.vpc_id);
  if (chain.empty()) return v;
  const std::uint16_t qtype = any_qtype_ ? parse_query_type(record.query_type).value_or(0) : 0;
  v.rule = first_in_chain(chain, name, qtype, reads_signals_ ? levels_of(enriched) : Levels{});
  v.matched_name = record.query_name;
  if (v.rule != nullptr &&
      (v.rule->rule->action == FirewallAction::kBlock || v.rule->rule->redirection == RedirectionAction::kTrust)) {
    return v;
  }
  // INSPECT_REDIRECTION_DOMAIN: every domain the answer redirects through is inspected too, by the
  // rules that inspect redirections (a TRUST_REDIRECTION_DOMAIN rule sees the query name only); the
  // strictest decision along the chain is the query's.
  for (std::uint32_t i = 0; i < record.answer_count; ++i) {
    const DnsAnswer& a = record.answers[i];
    if (a.type != "CNAME" && a.type != "DNAME") continue;
    NormalizedName target = normalize_name(a.rdata, scratch);
    if (!target.valid_syntax) continue;
    const CompiledRule* r = first_in_chain(chain, target.text, qtype, Levels{}, /*redirection_target=*/true);
    if (r == nullptr) continue;
    if (severity_rank(r->rule->action) > severity_rank(v.action())) {
      v.rule = r;
      v.via_redirection = true;
      v.matched_name = a.rdata;
    }
    if (r->rule->action == FirewallAction::kBlock) break;
  }
  return v;
}

FirewallDrift FirewallEvaluator::drift(const QueryRecord& record, const FirewallVerdict& verdict) const {
  if (firewall_outcomes_differ(record.firewall_rule_action, firewall_action_name(verdict.action())))
    return FirewallDrift::kAction;
  if (verdict.rule == nullptr || !has_aws_ids_) return FirewallDrift::kNone;
  if ((!record.firewall_rule_group_id.empty() && record.firewall_rule_group_id != verdict.rule->group->id) ||
      (!record.firewall_domain_list_id.empty() &&
       record.firewall_domain_list_id != verdict.rule->rule->domain_list_id)) {
    return FirewallDrift::kRule;
  }
  return FirewallDrift::kNone;
}

}  // namespace dnslens
