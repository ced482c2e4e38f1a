#pragma once
// Deduplicates findings by (type, source, domain): a repeat widens the first/last-seen span, adds
// its events and evidence, and keeps the strongest score and severity. A finding is announced once: when
// it first reaches the announce threshold's severity (at once with the default, low).
// Bounded: past max_findings, new keys are counted as dropped.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "detect/findings/finding.hpp"

namespace dnslens {

struct FindingStoreStats {
  std::uint64_t emitted = 0;                               // detections handed in
  std::uint64_t merged = 0;                                // of which were repeats of a known finding
  std::uint64_t dropped = 0;                               // new findings past the cap
  std::array<std::uint64_t, kFindingTypeCount> by_type{};  // distinct findings
};

class FindingStore : public FindingSink {
 public:
  using Announce = std::function<void(const Finding&)>;
  explicit FindingStore(std::size_t max_findings = 100000, std::size_t max_evidence = 5)
      : max_findings_(max_findings), max_evidence_(max_evidence) {}

  void set_announce(Announce announce, FindingSeverity min_severity = FindingSeverity::kLow) {
    announce_ = std::move(announce);
    announce_min_ = min_severity;
  }
  void emit(Finding finding) override;

  // Findings ordered by first seen, then type, source and domain.
  [[nodiscard]] std::vector<Finding> sorted() const;
  [[nodiscard]] const FindingStoreStats& stats() const { return stats_; }
  [[nodiscard]] std::size_t size() const { return findings_.size(); }

 private:
  void announce_if_due(std::size_t i);

  std::size_t max_findings_;
  std::size_t max_evidence_;
  Announce announce_;
  FindingSeverity announce_min_ = FindingSeverity::kLow;
  std::vector<bool> announced_;  // per finding
  std::vector<Finding> findings_;
  absl::flat_hash_map<std::string, std::size_t> index_;
  FindingStoreStats stats_;
};

}  // namespace dnslens
