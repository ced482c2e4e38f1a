#pragma once
// Network footprinting through reverse DNS: per source and window, PTR queries for many addresses
// of one range (a sweep of a /24 or an IPv6 /120), or for many addresses across ranges that
// mostly do not exist (NXDOMAIN).
#include <bitset>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector_registration.hpp"
#include "detect/engine/detector.hpp"
#include "detect/engine/keyed_windows.hpp"

namespace dnslens {

struct SweepRange {
  std::bitset<256> hosts;
  bool v6 = false;
};

struct FootprintingWindow {
  std::uint64_t vpc_hash = 0;
  std::int64_t window_start_ms = 0;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
  std::uint32_t ptr_queries = 0;
  std::uint32_t nxdomain = 0;
  std::uint32_t addresses = 0;  // distinct, over tracked ranges
  absl::flat_hash_map<std::uint64_t, SweepRange> ranges;
  Entity entity;
  std::vector<std::string> evidence;
  void reset(std::int64_t start);
};

class FootprintingDetector : public WindowedDetector<FootprintingWindow> {
 public:
  FootprintingDetector(const FootprintingConfig& config, std::uint32_t evidence)
      : WindowedDetector("footprinting", config.window_seconds, config.max_keys),
        config_(config),
        evidence_(evidence) {}
  void observe(const EventContext& ctx, FindingSink& sink) override;

  static constexpr std::size_t kMaxRanges = 256;  // ranges tracked per source and window

 private:
  void close(FootprintingWindow& s, FindingSink& sink) override;

  FootprintingConfig config_;
  std::uint32_t evidence_;
};

// Section `footprinting` of the detection config; raises ReverseDNSSweep.
[[nodiscard]] const DetectorRegistration& footprinting_registration();

}  // namespace dnslens
