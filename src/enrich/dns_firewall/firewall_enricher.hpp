#pragma once
// What a DNS Firewall policy would do with the query (the VPC's rule chain; CNAME answers for
// redirection inspection), and whether that differs from what the log says DNS Firewall did.
#include "enrich/dns_firewall/firewall_evaluator.hpp"
#include "enrich/enricher.hpp"

namespace dnslens {

class FirewallEnricher final : public Enricher {
 public:
  explicit FirewallEnricher(const FirewallEvaluator& evaluator) : evaluator_(evaluator) {}

  [[nodiscard]] std::unique_ptr<EnricherState> make_state() const override;
  void enrich(const QueryRecord& record, EnrichedRecord& out, EnricherState* state) const override;

 private:
  const FirewallEvaluator& evaluator_;
};

}  // namespace dnslens
