#include "enrich/dns_firewall/firewall_enricher.hpp"

namespace dnslens {

namespace {

struct FirewallState final : EnricherState {
  std::shared_ptr<const FirewallEvaluator> evaluator;  // this batch's snapshot
  char cname_buffer[kMaxNormalizedName];
};

}  // namespace

std::unique_ptr<EnricherState> FirewallEnricher::make_state() const {
  auto state = std::make_unique<FirewallState>();
  state->evaluator = policy_.current();
  return state;
}

void FirewallEnricher::begin_batch(EnricherState* state) const {
  static_cast<FirewallState*>(state)->evaluator = policy_.current();
}

void FirewallEnricher::enrich(const QueryRecord& record, EnrichedRecord& out, EnricherState* state) const {
  auto& s = *static_cast<FirewallState*>(state);
  const FirewallEvaluator& evaluator = *s.evaluator;
  const FirewallVerdict verdict = evaluator.evaluate(record, out.normalized_name(), s.cname_buffer, &out);
  FirewallOutcome& f = out.firewall;
  f.simulated = true;
  f.rule = verdict.rule;
  f.via_redirection = verdict.via_redirection;
  f.matched_name = verdict.matched_name;
  if (verdict.rule != nullptr) {
    const FirewallRule& rule = *verdict.rule->rule;
    f.action = firewall_action_name(rule.action);
    f.rule_name = rule.name;
    f.rule_group_id = rule.rule_group_id;
    f.domain_list_id = rule.domain_list_id;
    f.block_response = block_response_name(rule.block_response);
  } else {
    f.action = f.rule_name = f.rule_group_id = f.domain_list_id = f.block_response = {};
  }
  f.drift = evaluator.drift(record, verdict);
}

}  // namespace dnslens
