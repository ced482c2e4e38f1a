#pragma once
// Network footprinting through reverse DNS: per source and window, PTR queries for many addresses
// of one range (a sweep of a /24 or an IPv6 /120), or for many addresses across ranges that
// mostly do not exist (NXDOMAIN).
#include <bitset>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector.hpp"
#include "detect/engine/keyed_windows.hpp"

namespace dnslens {

class FootprintingDetector : public Detector {
 public:
  FootprintingDetector(const FootprintingConfig& config, std::uint32_t evidence)
      : config_(config), evidence_(evidence), windows_(config.window_seconds * 1000, config.max_keys) {
    stats_.name = "footprinting";
  }
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) override;
  void finish(FindingSink& sink) override;
  [[nodiscard]] DetectorStats stats() const override;

  static constexpr std::size_t kMaxRanges = 256;  // ranges tracked per source and window

  struct Range {
    std::bitset<256> hosts;
    bool v6 = false;
  };
  struct State {
    std::uint64_t vpc_hash = 0;
    std::int64_t window_start_ms = 0;
    std::int64_t first_ms = 0;
    std::int64_t last_ms = 0;
    std::uint32_t ptr_queries = 0;
    std::uint32_t nxdomain = 0;
    std::uint32_t addresses = 0;  // distinct, over tracked ranges
    absl::flat_hash_map<std::uint64_t, Range> ranges;
    Entity entity;
    std::vector<std::string> evidence;
    void reset(std::int64_t start);
  };

 private:
  void close(State& s, FindingSink& sink);

  FootprintingConfig config_;
  std::uint32_t evidence_;
  KeyedWindows<State> windows_;
  DetectorStats stats_;
};

}  // namespace dnslens
