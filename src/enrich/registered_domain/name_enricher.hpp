#pragma once
// The first enricher of every chain: the query name normalised (lowercase, no trailing dot, \DDD
// escapes decoded) and split by the public suffix list into subdomain, registered domain and public
// suffix, with the TLD's validity.
#include "core/dns_name.hpp"
#include "enrich/enricher.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"

namespace dnslens {

class NameEnricher final : public Enricher {
 public:
  explicit NameEnricher(const PublicSuffixList& psl) : psl_(psl) {}

  [[nodiscard]] std::unique_ptr<EnricherState> make_state() const override;
  void enrich(const QueryRecord& record, EnrichedRecord& out, EnricherState* state) const override;

 private:
  const PublicSuffixList& psl_;
};

}  // namespace dnslens
