#pragma once
// The name signals detection reads (entropy, lengths, ratios, the DGA score of the registered label
// and of long subdomain labels, known-benign noise). They are a function of the name alone, and
// logs repeat names heavily, so each worker memoizes them.
#include "core/dns_name.hpp"
#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/dga_model.hpp"
#include "detect/name_features/name_memo.hpp"
#include "enrich/enricher.hpp"

namespace dnslens {

// NameSignals::subdomain_dga: the DGA score of the subdomain's longest label (what varies in a tunnel's or
// an exfiltration's names), 0 when that label is shorter than 12 characters: short labels (www, api,
// mail) say nothing about encoded data.
[[nodiscard]] float subdomain_dga_score(const DgaModel& dga, std::string_view subdomain);

class NameSignalEnricher final : public Enricher {
 public:
  struct State final : EnricherState {
    NameMemo<NameSignals> memo;
    char cname_buffer[kMaxNormalizedName];
  };

  // benign_noise may be null (nothing is marked as noise).
  NameSignalEnricher(const DgaModel& dga, const BenignNoise* benign_noise) : dga_(dga), benign_noise_(benign_noise) {}

  [[nodiscard]] std::unique_ptr<EnricherState> make_state() const override { return std::make_unique<State>(); }
  void enrich(const QueryRecord& record, EnrichedRecord& out, EnricherState* state) const override;
  // The signals of a valid normalised name, computed (the memo's misses).
  [[nodiscard]] NameSignals compute(const EnrichedRecord& name) const;

 private:
  const DgaModel& dga_;
  const BenignNoise* benign_noise_;
};

}  // namespace dnslens
