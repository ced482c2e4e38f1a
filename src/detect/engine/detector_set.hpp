#pragma once
// The detection stage: every enabled detector, fed the per-record events of each job in input
// order, with per-VPC clocks that close windows. Findings go to the FindingStore.
#include <memory>
#include <string_view>
#include <vector>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector.hpp"
#include "detect/findings/finding_store.hpp"

namespace dnslens {

class DetectorSet {
 public:
  DetectorSet(const DetectionConfig& config, FindingStore& store);

  // input: the job's raw lines (the batch's line references point into it).
  void consume(const DetectionBatch& batch, std::string_view input);
  void finish();
  [[nodiscard]] std::vector<DetectorStats> stats() const;
  [[nodiscard]] std::uint64_t events() const { return events_; }

 private:
  static constexpr std::uint64_t kSweepEvery = 65536;

  DetectionConfig config_;
  FindingStore& store_;
  std::vector<std::unique_ptr<Detector>> detectors_;
  Watermarks clocks_;
  std::uint64_t events_ = 0;
  std::uint64_t since_sweep_ = 0;
};

}  // namespace dnslens
