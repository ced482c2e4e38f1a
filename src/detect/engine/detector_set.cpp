#include "detect/engine/detector_set.hpp"

#include "detect/anomaly/anomaly_detector.hpp"
#include "detect/beaconing/beaconing_detector.hpp"
#include "detect/dga_activity/dga_activity_detector.hpp"
#include "detect/footprinting/footprinting_detector.hpp"
#include "detect/threat_intel/threat_intel_detector.hpp"
#include "detect/tunneling/tunneling_detector.hpp"

namespace dnslens {

DetectorSet::DetectorSet(const DetectionConfig& config, FindingStore& store) : config_(config), store_(store) {
  const std::uint32_t ev = config.evidence_per_finding;
  if (config.tunneling.enabled) detectors_.push_back(std::make_unique<TunnelingDetector>(config.tunneling, ev));
  if (config.dga.enabled) detectors_.push_back(std::make_unique<DgaActivityDetector>(config.dga, ev));
  if (config.beaconing.enabled) detectors_.push_back(std::make_unique<BeaconingDetector>(config.beaconing, ev));
  if (config.footprinting.enabled) detectors_.push_back(std::make_unique<FootprintingDetector>(config.footprinting, ev));
  if (config.anomaly.enabled) detectors_.push_back(std::make_unique<AnomalyDetector>(config.anomaly, ev));
  if (config.threat_intel.enabled) detectors_.push_back(std::make_unique<ThreatIntelDetector>(ev));
}

void DetectorSet::consume(const DetectionBatch& batch, std::string_view input) {
  // Detector by detector over the whole batch: each one's code and state stay hot. The clocks are
  // read only when sweeping, between batches.
  for (const DetectionEvent& e : batch.events) clocks_.advance(e.vpc_hash, e.ts_ms);
  for (auto& d : detectors_) d->observe_batch(batch, input, store_);
  events_ += batch.events.size();
  since_sweep_ += batch.events.size();
  if (since_sweep_ >= kSweepEvery) {
    since_sweep_ = 0;
    for (auto& d : detectors_) d->sweep(clocks_, config_.lateness_seconds * 1000, store_);
  }
}

void DetectorSet::finish() {
  for (auto& d : detectors_) d->sweep(clocks_, config_.lateness_seconds * 1000, store_);
  for (auto& d : detectors_) d->finish(store_);
}

std::vector<DetectorStats> DetectorSet::stats() const {
  std::vector<DetectorStats> out;
  for (const auto& d : detectors_) out.push_back(d->stats());
  return out;
}

}  // namespace dnslens
