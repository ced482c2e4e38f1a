#pragma once
// Threat-intel matches as findings: one per (source, indicator), announced on the first hit;
// later hits widen it (the finding store merges them).
#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector_registration.hpp"
#include "detect/engine/detector.hpp"

namespace dnslens {

class ThreatIntelDetector : public Detector {
 public:
  ThreatIntelDetector(const ThreatIntelFindingConfig&, std::uint32_t evidence) : evidence_(evidence) {
    stats_.name = "threat_intel";
  }
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void sweep(const Watermarks&, std::int64_t, FindingSink&) override {}
  void finish(FindingSink&) override {}
  [[nodiscard]] DetectorStats stats() const override { return stats_; }

 private:
  std::uint32_t evidence_;
  DetectorStats stats_;
};

// Section `threat_intel` of the detection config; raises ThreatIntelMatch.
[[nodiscard]] const DetectorRegistration& threat_intel_registration();

}  // namespace dnslens
