#pragma once
// Queries of low-reputation names (low_reputation.hpp): one SuspiciousDomainRequest per (source,
// registered domain), announced on the first query; repeats widen it. No state between records.
#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector.hpp"
#include "detect/engine/detector_registration.hpp"
#include "detect/reputation/reputation_config.hpp"

namespace dnslens {

class ReputationDetector : public Detector {
 public:
  ReputationDetector(const ReputationConfig&, std::uint32_t evidence) : evidence_(evidence) {
    stats_.name = "reputation";
  }
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void sweep(const Watermarks&, std::int64_t, FindingSink&) override {}
  void finish(FindingSink&) override {}
  [[nodiscard]] DetectorStats stats() const override { return stats_; }

 private:
  std::uint32_t evidence_;
  DetectorStats stats_;
};

// Section `reputation` of the detection config; raises SuspiciousDomainRequest.
[[nodiscard]] const DetectorRegistration& reputation_registration();

}  // namespace dnslens
