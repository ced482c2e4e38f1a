#pragma once
// The best threat-intel hit of a record: its query name (and parent domains), the address of a
// reverse-DNS name, A/AAAA answers, CNAME targets and, when asked, the source address. The
// indicator with the highest confidence wins; the query name wins ties. The intel is a snapshot
// taken per batch, so a SIGHUP reload never changes it under a record.
#include "enrich/enricher.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"
#include "enrich/threat_intel/intel_handle.hpp"

namespace dnslens {

class ThreatIntelEnricher final : public Enricher {
 public:
  ThreatIntelEnricher(const IntelHandle& intel, const PublicSuffixList& psl, bool match_srcaddr)
      : intel_(intel), psl_(psl), match_srcaddr_(match_srcaddr) {}

  [[nodiscard]] std::unique_ptr<EnricherState> make_state() const override;
  void begin_batch(EnricherState* state) const override;
  void enrich(const QueryRecord& record, EnrichedRecord& out, EnricherState* state) const override;

 private:
  const IntelHandle& intel_;
  const PublicSuffixList& psl_;
  bool match_srcaddr_;
};

}  // namespace dnslens
