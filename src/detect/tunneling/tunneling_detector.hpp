#pragma once
// DNS tunneling and exfiltration: per (source, registered domain) and window, how many distinct
// subdomains, how many characters were sent in them, how random their labels look, and how many
// queries used types that carry data back (TXT, NULL, CNAME, MX) or failed (NXDOMAIN).
#include <string>
#include <vector>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector_registration.hpp"
#include "detect/engine/detector.hpp"
#include "detect/engine/hyperloglog.hpp"
#include "detect/engine/keyed_windows.hpp"

namespace dnslens {

struct TunnelingWindow {
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

class TunnelingDetector : public WindowedDetector<TunnelingWindow> {
 public:
  TunnelingDetector(const TunnelingConfig& config, std::uint32_t evidence)
      : WindowedDetector("tunneling", config.window_seconds, config.max_keys), config_(config), evidence_(evidence) {}
  void observe(const EventContext& ctx, FindingSink& sink) override;

 private:
  void close(TunnelingWindow& s, FindingSink& sink) override;

  TunnelingConfig config_;
  std::uint32_t evidence_;
};

// Section `tunneling` of the detection config; raises DNSDataExfiltration.
[[nodiscard]] const DetectorRegistration& tunneling_registration();

}  // namespace dnslens
