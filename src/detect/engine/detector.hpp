#pragma once
// The contract between the detection engine and each detector. Detectors see events in input
// order on one thread, keep bounded per-key state, and hand findings to a sink; they never write
// to outputs themselves.
#include <cstdint>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "detect/engine/detection_event.hpp"
#include "detect/findings/finding.hpp"

namespace dnslens {

struct EventContext {
  const DetectionEvent& e;
  const DetectionBatch& batch;
  std::string_view input;  // the job's input: raw lines

  [[nodiscard]] std::string_view str(StrRef r) const { return batch.str(r); }
  [[nodiscard]] std::string_view line() const { return input.substr(e.line.offset, e.line.length); }
  [[nodiscard]] Entity entity() const {
    return Entity{std::string(str(e.account)), std::string(str(e.vpc)), std::string(str(e.instance)),
                  std::string(str(e.srcaddr)), std::string(str(e.source))};
  }
};

// Event time per VPC. Logs arrive per VPC (S3 export files, CloudWatch streams), so a VPC's clock
// says when its windows may close even while another VPC's older files are still being read.
class Watermarks {
 public:
  void advance(std::uint64_t vpc, std::int64_t ts_ms) {
    auto [it, inserted] = max_.try_emplace(vpc, ts_ms);
    if (!inserted && ts_ms > it->second) it->second = ts_ms;
  }
  [[nodiscard]] std::int64_t of(std::uint64_t vpc) const {
    auto it = max_.find(vpc);
    return it == max_.end() ? INT64_MIN : it->second;
  }
  [[nodiscard]] std::size_t size() const { return max_.size(); }

 private:
  absl::flat_hash_map<std::uint64_t, std::int64_t> max_;
};

struct DetectorStats {
  std::string_view name;
  std::uint64_t events = 0;  // events the detector looked at (after its own prefilter)
  std::uint64_t keys = 0;    // state entries now
  std::uint64_t peak_keys = 0;
  std::uint64_t evicted = 0;     // entries dropped to stay under the cap (evaluated first)
  std::uint64_t late = 0;        // events older than their key's open window
  std::uint64_t detections = 0;  // findings handed to the sink (before deduplication)
  std::string note;              // a detector's own line for the run summary (empty: none)
  double seconds = 0;            // spent observing, sweeping and finishing (DetectorSet)
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual void observe(const EventContext& ctx, FindingSink& sink) = 0;
  // Every event of a batch, in order. Detectors whose state lookups miss the cache override it to
  // prefetch a few events ahead.
  virtual void observe_batch(const DetectionBatch& batch, std::string_view input, FindingSink& sink) {
    for (const DetectionEvent& e : batch.events) observe(EventContext{e, batch, input}, sink);
  }
  // Closes windows whose end (plus lateness) their VPC's clock has passed.
  virtual void sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) = 0;
  // End of input: evaluates every open window.
  virtual void finish(FindingSink& sink) = 0;
  [[nodiscard]] virtual DetectorStats stats() const = 0;
};

// Key mixing for (source, domain)-style state keys.
[[nodiscard]] inline std::uint64_t mix_keys(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a ^ (b * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull + (a << 6) + (a >> 2));
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ull;
  return x ^ (x >> 29);
}

}  // namespace dnslens
