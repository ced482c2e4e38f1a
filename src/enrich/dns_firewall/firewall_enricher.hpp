#pragma once
// What a DNS Firewall policy would do with the query (the VPC's rule chain; CNAME answers for
// redirection inspection), and whether that differs from what the log says DNS Firewall did. DNS
// Firewall Advanced rules read the name signals, so the chain runs the name-signal enricher first.
#include "core/swappable.hpp"
#include "enrich/dns_firewall/firewall_evaluator.hpp"
#include "enrich/enricher.hpp"

namespace dnslens {

// The DNS Firewall policy in force, replaceable while the pipeline runs (`run` and `serve` reload it on
// SIGHUP): each job evaluates its records against the policy it started with.
using FirewallHandle = Swappable<FirewallEvaluator>;

class FirewallEnricher final : public Enricher {
 public:
  explicit FirewallEnricher(const FirewallHandle& policy) : policy_(policy) {}

  [[nodiscard]] std::unique_ptr<EnricherState> make_state() const override;
  void begin_batch(EnricherState* state) const override;
  void enrich(const QueryRecord& record, EnrichedRecord& out, EnricherState* state) const override;

 private:
  const FirewallHandle& policy_;
};

}  // namespace dnslens
