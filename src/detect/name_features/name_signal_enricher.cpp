#include "detect/name_features/name_signal_enricher.hpp"

#include <algorithm>

#include "core/stable_hash.hpp"
#include "core/dns_name.hpp"
#include "detect/name_features/name_features.hpp"
#include "detect/reputation/low_reputation.hpp"

namespace dnslens {

namespace {

float long_label_score(const DgaModel& dga, std::string_view label) {
  return label.size() >= 12 ? dga.score(label) : 0.0f;
}

}  // namespace

float subdomain_dga_score(const DgaModel& dga, std::string_view subdomain) {
  return long_label_score(dga, longest_label(subdomain));
}

NameSignals NameSignalEnricher::compute(const EnrichedRecord& r) const {
  const std::string_view name = r.name.text;
  NameSignals s;
  s.features = measure_name(name, r.subdomain);
  s.dga_score = dga_.score(dga_label(name, r.registered_domain, r.public_suffix));
  // A single subdomain label is what a DGA generates under a dynamic-DNS domain the public
  // suffix list does not know ("xkqjwbrt.mooo.com"): it counts as much as the registered label.
  if (r.subdomain.size() >= 6 && r.subdomain.find('.') == std::string_view::npos) {
    s.dga_score = std::max(s.dga_score, dga_.score(r.subdomain));
  }
  if (!r.subdomain.empty()) {
    const std::string_view longest = longest_label(r.subdomain);
    s.longest_subdomain_label = static_cast<std::uint8_t>(std::min<std::size_t>(longest.size(), 255));
    s.subdomain_dga = long_label_score(dga_, longest);
  }
  s.benign_noise = benign_noise_ != nullptr && benign_noise_->matches(name);
  if (!s.benign_noise) s.reputation = static_cast<std::uint8_t>(name_reputation(name));
  return s;
}

void NameSignalEnricher::enrich(const QueryRecord& record, EnrichedRecord& out, EnricherState* state) const {
  out.has_signals = true;
  if (!out.name.valid_syntax) {
    out.signals = NameSignals{};
    out.name_hash = 0;
    return;
  }
  NameMemo<NameSignals>& memo = static_cast<State*>(state)->memo;
  out.name_hash = stable_hash(out.name.text);
  if (const NameSignals* known = memo.find(out.name.text, out.name_hash)) {
    out.signals = *known;
  } else {
    out.signals = compute(out);
    memo.put(out.name.text, out.name_hash, out.signals);
  }
  // A name that is an alias of a parking service is parked: a property of the answer, not the name.
  if (out.signals.reputation == 0 && !out.signals.benign_noise) {
    for (std::uint32_t i = 0; i < record.answer_count; ++i) {
      const DnsAnswer& a = record.answers[i];
      if (a.type != "CNAME") continue;
      const NormalizedName target = normalize_name(a.rdata, static_cast<State*>(state)->cname_buffer);
      if (target.valid_syntax && parking_target(target.text)) {
        out.signals.reputation = static_cast<std::uint8_t>(ReputationTier::kParked);
        break;
      }
    }
  }
}

}  // namespace dnslens
