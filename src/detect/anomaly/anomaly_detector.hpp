#pragma once
// Volume anomalies: per VPC and per source, counts per time bucket (queries, NXDOMAIN, blocked,
// alerted, threat-intel hits) against a rolling baseline of the entity's own previous buckets,
// judged with the median and the median absolute deviation so one earlier spike does not hide
// the next. Only rises are reported: a drop in DNS traffic is an operations question.
#include <array>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector_registration.hpp"
#include "detect/engine/keyed_windows.hpp"

namespace dnslens {

class AnomalyDetector : public Detector {
 public:
  static constexpr std::size_t kMetrics = 5;
  static constexpr std::array<std::string_view, kMetrics> kMetricNames = {"queries", "nxdomain", "blocked", "alerted",
                                                                          "threat_hits"};
  using Counts = std::array<std::uint32_t, kMetrics>;

  AnomalyDetector(const AnomalyConfig& config, std::uint32_t evidence) : config_(config), evidence_(evidence) {
    stats_.name = "anomaly";
  }
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) override;
  void finish(FindingSink& sink) override;
  [[nodiscard]] DetectorStats stats() const override;

  struct State {
    std::uint64_t vpc_hash = 0;
    std::int64_t bucket_start_ms = 0;
    std::int64_t first_ms = 0;
    std::int64_t last_ms = 0;
    bool is_vpc = false;
    bool open = false;  // the current bucket has events
    Counts current{};
    std::vector<Counts> history;  // ring of the previous buckets (zeros for silent ones)
    std::size_t next = 0;         // ring position to overwrite when full
    Entity entity;
    std::array<std::vector<std::string>, kMetrics> evidence;
  };

 private:
  void update(State& s, const EventContext& ctx, FindingSink& sink);
  void close_bucket(State& s, FindingSink& sink);
  void push_history(State& s, const Counts& c);
  void advance_to(State& s, std::int64_t bucket_start, FindingSink& sink);

  AnomalyConfig config_;
  std::uint32_t evidence_;
  absl::flat_hash_map<std::uint64_t, State> entities_;
  DetectorStats stats_;
};

// Section `anomaly` of the detection config; raises VolumeAnomaly.
[[nodiscard]] const DetectorRegistration& anomaly_registration();

}  // namespace dnslens
