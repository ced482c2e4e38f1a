#pragma once
// isMatchedDomain: the record's registered domain is on the interesting-domain list.
#include "enrich/enricher.hpp"
#include "enrich/interesting_domains/interesting_domains.hpp"

namespace dnslens {

class InterestingEnricher final : public Enricher {
 public:
  explicit InterestingEnricher(const InterestingDomains& domains) : domains_(domains) {}
  void enrich(const QueryRecord& /*record*/, EnrichedRecord& out, EnricherState* /*state*/) const override {
    out.matched = domains_.contains(out.registered_domain);
  }

 private:
  const InterestingDomains& domains_;
};

}  // namespace dnslens
