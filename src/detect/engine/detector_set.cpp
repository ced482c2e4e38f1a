#include "detect/engine/detector_set.hpp"

#include "detect/detectors.hpp"

namespace dnslens {

DetectorSet::DetectorSet(const DetectionConfig& config, FindingStore& store) : config_(config), store_(store) {
  for (const DetectorRegistration* r : registered_detectors()) {
    if (r->enabled(config)) detectors_.push_back(r->make(config));
  }
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
