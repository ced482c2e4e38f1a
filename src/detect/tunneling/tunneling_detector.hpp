#pragma once
// DNS tunneling and exfiltration: per (source, registered domain) and window, how many distinct
// subdomains, how many characters were sent in them, how random their labels look, and how many
// queries used types that carry data back (TXT, NULL, CNAME, MX) or failed (NXDOMAIN).
#include <string>
#include <vector>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector.hpp"
#include "detect/engine/hyperloglog.hpp"
#include "detect/engine/keyed_windows.hpp"

namespace dnslens {

class TunnelingDetector : public Detector {
 public:
  TunnelingDetector(const TunnelingConfig& config, std::uint32_t evidence)
      : config_(config), evidence_(evidence), windows_(config.window_seconds * 1000, config.max_keys) {
    stats_.name = "tunneling";
  }
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) override;
  void finish(FindingSink& sink) override;
  [[nodiscard]] DetectorStats stats() const override;

  struct State {
    std::uint64_t vpc_hash = 0;
    std::int64_t window_start_ms = 0;
    std::int64_t first_ms = 0;
    std::int64_t last_ms = 0;
    std::uint32_t queries = 0;
    std::uint32_t data_types = 0;
    std::uint32_t nxdomain = 0;
    std::uint32_t random_labels = 0;
    std::uint32_t longest_label = 0;
    std::uint64_t bytes = 0;
    double entropy_sum = 0;
    HyperLogLog distinct;
    Entity entity;
    std::string domain;
    std::vector<std::string> evidence;
    void reset(std::int64_t start);
  };

 private:
  void close(State& s, FindingSink& sink);

  TunnelingConfig config_;
  std::uint32_t evidence_;
  KeyedWindows<State> windows_;
  DetectorStats stats_;
};

}  // namespace dnslens
