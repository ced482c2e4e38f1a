#include "enrich/dns_firewall/firewall_enricher.hpp"

namespace dnslens {

namespace {

struct FirewallState final : EnricherState {
  char cname_buffer[kMaxNormalizedName];
};

}  // namespace

std::unique_ptr<EnricherState> FirewallEnricher::make_state() const { return std::make_unique<FirewallState>(); }

void FirewallEnricher::enrich(const QueryRecord& record, EnrichedRecord& out, EnricherState* state) const {
  const FirewallVerdict verdict =
      evaluator_.evaluate(record, out.normalized_name(), static_cast<FirewallState*>(state)->cname_buffer);
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
  f.drift = evaluator_.drift(record, verdict);
}

}  // namespace dnslens
