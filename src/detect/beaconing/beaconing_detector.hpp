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
  double skew_score = 0;        // 1 - |Bowley skew| x min(1, IQR / (jitter_tolerance x interval))
  double dispersion_score = 0;  // 1 - MAD / (jitter_tolerance x median), clamped
  double coverage = 0;          // observed intervals / intervals once missed beacons are counted
  double median_interval_s = 0;
  double mad_s = 0;
  std::size_t intervals = 0;  // observed
  std::size_t missed = 0;     // beacons inferred missing from long intervals
  double fundamental_s = 0;   // when the series scored best as multiples of a shorter period (caching)
};

// timestamps: whole seconds, ascending, distinct. Fewer than 3 give a zero score.
//
// Resolver caching: only queries the resolver does not answer from its cache are logged, so a beacon
// of period p behind a TTL of T shows intervals of about ceil(T/p)·p and the next multiple (a 60 s
// beacon behind a 300 s TTL: 300 s and 360 s). The series is scored a second way too, against
// fundamentals median/k (k = 2..8, at least min_period_s): each interval's residual from its nearest
// multiple of p, their skew and dispersion relative to p, and completeness counted in units of the
// smallest multiple seen. The better score wins; `fundamental_s` says which (0: the plain one).
[[nodiscard]] BeaconScore score_beacon(const std::vector<std::uint32_t>& seconds, double jitter_tolerance,
                                       double min_period_s = 1);

// The modelled chance that a beacon of period_s is lost from a candidate table of `buckets` buckets of
// `ways` slots before its third beat, when slots are written (new pairs, second beats) at writes_per_s,
// as Poisson arrivals spread evenly over the buckets: its slot can go only after `ways` writes land in
// its bucket within one period, in either of its first two periods.
[[nodiscard]] double candidate_loss_bound(double writes_per_s, double period_s, double buckets, int ways);

class BeaconingDetector : public Detector {
 public:
  BeaconingDetector(const BeaconingConfig& config, std::uint32_t evidence);
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
    std::uint32_t last_second = 0;       // seconds.back(), here so that a repeat needs no load from the heap
    std::uint32_t evidence_kept = 0;     // details->evidence.size(), likewise
    bool rejected = false;               // judged on enough beats: no beacon (evicted first)
    std::vector<std::uint32_t> seconds;  // distinct seconds, ascending, the most recent max_timestamps
    std::unique_ptr<Details> details;
  };

  // A (source, name) pair seen in one or two distinct seconds: most pairs never get further, so they
  // live in a fixed table of 16-byte slots, 8 to a bucket, until their third beat makes them a State.
  // A full bucket gives up its least recently seen pair.
  struct Candidate {
    std::uint32_t tag = 0;  // the key's low half, never 0; 0: empty
    std::uint32_t first_s = 0;
    std::uint32_t last_s = 0;  // seconds since epoch_ms_
    std::uint32_t beats = 0;
  };
  static constexpr int kWays = 8;

 private:
  [[nodiscard]] static bool wanted(const DetectionEvent& e) { return !e.has(kEventBenignNoise) && !e.has(kEventPtr); }
  // An event of a pair not tracked yet: counted in its candidate slot, tracked from its third beat.
  void observe_candidate(const EventContext& ctx, std::uint64_t key, FindingSink& sink);
  State& track(const EventContext& ctx, std::uint64_t key, FindingSink& sink);
  void add_beat(State& s, const EventContext& ctx, std::uint64_t key, std::uint32_t second);
  void evaluate(State& s, FindingSink& sink);
  void evict(FindingSink& sink);
  void release(const State& s);

  BeaconingConfig config_;
  std::uint32_t evidence_;
  std::vector<Candidate> candidates_;
  std::uint64_t bucket_mask_ = 0;
  std::int64_t epoch_ms_ = INT64_MIN;  // candidate seconds count from here (2^31 s before the first event)
  std::int64_t first_event_ms_ = INT64_MAX, last_event_ms_ = INT64_MIN;
  std::uint64_t new_pairs_ = 0;           // candidates created
  std::uint64_t refreshes_ = 0;           // candidates' second beats
  std::uint64_t candidates_evicted_ = 0;  // candidates pushed out of a full bucket
  absl::flat_hash_map<std::uint64_t, State> pairs_;
  absl::flat_hash_map<std::uint64_t, std::uint32_t> sources_per_name_;  // among tracked pairs
  absl::flat_hash_set<std::uint64_t> sources_;                          // every source seen (capped)
  std::vector<std::uint64_t> due_;
  DetectorStats stats_;
};

// Section `beaconing` of the detection config; raises Beaconing.
[[nodiscard]] const DetectorRegistration& beaconing_registration();

}  // namespace dnslens
