#pragma once
// DGA activity: per source and window, a burst of distinct names whose registered-domain label
// the DGA model scores high, mostly answered NXDOMAIN (the generated domains are rarely registered).
#include <string>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector.hpp"
#include "detect/engine/keyed_windows.hpp"

namespace dnslens {

class DgaActivityDetector : public Detector {
 public:
  DgaActivityDetector(const DgaActivityConfig& config, std::uint32_t evidence)
      : config_(config), evidence_(evidence), windows_(config.window_seconds * 1000, config.max_keys) {
    stats_.name = "dga";
  }
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) override;
  void finish(FindingSink& sink) override;
  [[nodiscard]] DetectorStats stats() const override;

  static constexpr std::size_t kMaxDistinct = 1024;  // distinct names counted exactly per window

  struct State {
    std::uint64_t vpc_hash = 0;
    std::int64_t window_start_ms = 0;
    std::int64_t first_ms = 0;
    std::int64_t last_ms = 0;
    std::uint32_t queries = 0;
    std::uint32_t nxdomain = 0;
    double score_sum = 0;
    absl::flat_hash_set<std::uint64_t> names;
    Entity entity;
    std::vector<std::string> examples;
    std::vector<std::string> evidence;
    void reset(std::int64_t start);
  };

 private:
  void close(State& s, FindingSink& sink);

  DgaActivityConfig config_;
  std::uint32_t evidence_;
  KeyedWindows<State> windows_;
  DetectorStats stats_;
};

}  // namespace dnslens
