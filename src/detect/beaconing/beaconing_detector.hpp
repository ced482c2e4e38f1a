#pragma once
// Beaconing: a source querying one name at regular intervals. Scored as RITA scores connection
// beacons (Bowley skew of the intervals, their median absolute deviation, and how complete the
// series is), adapted to DNS: dispersion is judged relative to the interval, so an hourly beacon
// with a minute of jitter is as regular as a one-minute beacon with a second; intervals that are
// whole multiples of the typical one are missed beacons (a sleeping host, a cached answer) rather
// than irregularity. Names polled by a large share of the fleet are agents, not implants.
#include <memory>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector_registration.hpp"
#include "detect/engine/detector.hpp"

namespace dnslens {

struct BeaconScore {
  double score = 0;             // mean of the three below
  double skew_score = 0;        // 1 - |Bowley skew|
  double dispersion_score = 0;  // 1 - MAD / (jitter_tolerance x median), clamped
  double coverage = 0;          // observed intervals / intervals once missed beacons are counted
  double median_interval_s = 0;
  double mad_s = 0;
  std::size_t intervals = 0;  // observed
  std::size_t missed = 0;     // beacons inferred missing from long intervals
};

// timestamps: whole seconds, ascending, distinct. Fewer than 3 give a zero score.
[[nodiscard]] BeaconScore score_beacon(const std::vector<std::uint32_t>& seconds, double jitter_tolerance);

class BeaconingDetector : public Detector {
 public:
  BeaconingDetector(const BeaconingConfig& config, std::uint32_t evidence) : config_(config), evidence_(evidence) {
    stats_.name = "beaconing";
  }
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void observe_batch(const DetectionBatch& batch, std::string_view input, FindingSink& sink) override;
  void sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) override;
  void finish(FindingSink& sink) override;
  [[nodiscard]] DetectorStats stats() const override;

  struct Details {  // copied once a pair has enough events to matter
    Entity entity;
    std::string name;
    std::vector<std::string> evidence;
  };
  struct State {
    std::int64_t base_ms = 0;  // the first event; seconds are offsets from it
    std::int64_t last_ms = 0;
    std::uint64_t name_hash = 0;
    std::uint32_t queries = 0;
    std::uint32_t reported = 0;  // queries already counted in an emitted finding
    std::uint32_t next_evaluation = 0;
    std::uint32_t beats = 0;             // distinct seconds seen in all (seconds keeps the latest only)
    std::vector<std::uint32_t> seconds;  // distinct seconds, ascending, the most recent max_timestamps
    std::unique_ptr<Details> details;
  };

 private:
  [[nodiscard]] static bool wanted(const DetectionEvent& e) { return !e.has(kEventBenignNoise) && !e.has(kEventPtr); }
  void evaluate(State& s, FindingSink& sink);
  void evict(FindingSink& sink);
  void release(const State& s);

  BeaconingConfig config_;
  std::uint32_t evidence_;
  absl::flat_hash_map<std::uint64_t, State> pairs_;
  absl::flat_hash_map<std::uint64_t, std::uint32_t> sources_per_name_;  // among tracked pairs
  absl::flat_hash_set<std::uint64_t> sources_;                          // every source seen (capped)
  std::vector<std::uint64_t> due_;
  DetectorStats stats_;
};

// Section `beaconing` of the detection config; raises Beaconing.
[[nodiscard]] const DetectorRegistration& beaconing_registration();

}  // namespace dnslens
