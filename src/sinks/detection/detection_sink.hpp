#pragma once
// The detectors' side of the pipeline: each worker turns an enriched record into a fixed-size
// DetectionEvent (strings copied into the batch, the raw line referenced in the batch's input); the
// writer hands the batches to the DetectorSet in input order (in serve: once the request is
// committed). finish() closes every open window, so the last findings are announced before the
// notifier closes.
#include <memory>

#include "detect/engine/detection_event.hpp"
#include "detect/engine/detector_set.hpp"
#include "sinks/record_sink.hpp"

namespace dnslens {

// A batch's detection events; public so the detector stage can be measured on batches made once.
struct DetectionSinkBatch final : SinkBatch {
  DetectionBatch events;
  void clear() override { events.clear(); }
};

class DetectionSink final : public RecordSink {
 public:
  [[nodiscard]] std::string_view name() const override { return "detectors"; }
  // The records must carry name signals (the DGA model's enricher is in the chain).
  explicit DetectionSink(DetectorSet& detectors) : detectors_(detectors) {}

  [[nodiscard]] std::unique_ptr<SinkLocal> make_local(unsigned worker, unsigned workers) override;
  [[nodiscard]] std::unique_ptr<SinkBatch> make_batch() const override;
  void write(SinkBatch& batch, const BatchOrigin& origin) override;
  void finish() override;

 private:
  DetectorSet& detectors_;
  bool finished_ = false;
};

}  // namespace dnslens
