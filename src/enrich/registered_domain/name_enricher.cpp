#include "enrich/registered_domain/name_enricher.hpp"

namespace dnslens {

namespace {

// The normalised name lives here until the worker's next record.
struct NameState final : EnricherState {
  char buffer[kMaxNormalizedName];
};

}  // namespace

std::unique_ptr<EnricherState> NameEnricher::make_state() const { return std::make_unique<NameState>(); }

void NameEnricher::enrich(const QueryRecord& record, EnrichedRecord& out, EnricherState* state) const {
  out.name = normalize_name(record.query_name, static_cast<NameState*>(state)->buffer);
  if (!out.name.valid_syntax) {
    out.registered_domain = out.public_suffix = out.subdomain = out.icann_registered_domain = {};
    out.tld_valid = false;
    return;
  }
  const DomainParts parts = psl_.split(out.name.text);
  out.registered_domain = parts.registered_domain;
  out.public_suffix = parts.public_suffix;
  out.subdomain = parts.subdomain;
  out.icann_registered_domain = parts.icann_registered_domain;
  out.tld_valid = parts.tld_valid;
}

}  // namespace dnslens
