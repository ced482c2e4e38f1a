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

#include <absl/container/flat_hash_map.h>

namespace dnslens {

struct TunnelingWindow {
  std::uint64_t vpc_hash = 0;
  std::uint64_t source_hash = 0;
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

// Low and slow: one source's data-carrying names over hours, across any number of registered domains
// (a C2 that spreads a few queries an hour over several domains stays under every hourly threshold).
struct SlowTunnelWindow {
  static constexpr std::size_t kDomains = 16;  // the registered domains counted one by one
  std::uint64_t vpc_hash = 0;
  std::uint64_t source_hash = 0;
  std::int64_t window_start_ms = 0;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
  std::uint32_t queries = 0;
  std::uint32_t data_types = 0;
  std::uint32_t nxdomain = 0;
  std::uint64_t bytes = 0;
  HyperLogLog distinct;
  std::uint32_t domain_count = 0;  // distinct domains seen, up to kDomains
  bool more_domains = false;       // ... and others past those
  std::uint64_t domain_hashes[kDomains] = {};
  std::uint32_t domain_queries[kDomains] = {};
  std::string domains[kDomains];
  Entity entity;
  std::vector<std::string> evidence;
  void reset(std::int64_t start);
};

// Numbered labels: one source asking a registered domain for names whose first label is a number
// (0.x.example, 1.x.example, ...): pieces of a payload fetched or sent one by one, in short names the
// other windows do not look at.
struct SequenceWindow {
  std::uint64_t vpc_hash = 0;
  std::uint64_t source_hash = 0;
  std::int64_t window_start_ms = 0;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
  std::uint32_t queries = 0;
  std::uint32_t data_types = 0;
  std::uint32_t nxdomain = 0;
  std::uint64_t lowest = UINT64_MAX;  // the numbers' range
  std::uint64_t highest = 0;
  HyperLogLog numbers;  // distinct numbers
  Entity entity;
  std::string domain;
  std::vector<std::string> evidence;
  void reset(std::int64_t start);
};

// The number a query name's first label is (1 to 9 digits), or -1; names without a subdomain have none,
// nor do names whose subdomain starts with an IPv4 address (four labels of 0-255).
[[nodiscard]] std::int64_t sequence_number(std::string_view name, std::size_t subdomain_length);

class TunnelingDetector : public WindowedDetector<TunnelingWindow> {
 public:
  TunnelingDetector(const TunnelingConfig& config, std::uint32_t evidence)
      : WindowedDetector("tunneling", config.window_seconds, config.max_keys),
        config_(config),
        evidence_(evidence),
        slow_{KeyedWindows<SlowTunnelWindow>(config.slow_window_seconds * 1000, config.slow_max_keys),
              KeyedWindows<SlowTunnelWindow>(config.slow_window_seconds * 1000, config.slow_max_keys,
                                             config.slow_window_seconds * 500)},
        sequences_(config.window_seconds * 1000, config.max_keys) {}
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) override;
  void finish(FindingSink& sink) override;
  [[nodiscard]] DetectorStats stats() const override;

 private:
  void close(TunnelingWindow& s, FindingSink& sink) override;
  void close_slow(SlowTunnelWindow& s, FindingSink& sink);
  void observe_long(const EventContext& ctx, FindingSink& sink);  // the names with a long subdomain
  void observe_sequence(const EventContext& ctx, std::int64_t number, FindingSink& sink);
  void close_sequence(SequenceWindow& s, FindingSink& sink);

  TunnelingConfig config_;
  std::uint32_t evidence_;
  // Hopping: two sets of windows, the second offset by half a window, so a burst across one set's
  // boundary falls whole in the other's window (a finding from both merges into one).
  KeyedWindows<SlowTunnelWindow> slow_[2];
  KeyedWindows<SequenceWindow> sequences_;
  // The end of the latest finding per (source, domain), and per source of the low-and-slow ones: a slow
  // window overlapping a finding on its main domain, or the other set's window already reported, says
  // nothing new (the same records would be counted twice), so it is not reported.
  absl::flat_hash_map<std::uint64_t, std::int64_t> reported_until_, slow_reported_until_;
};

// Section `tunneling` of the detection config; raises DNSDataExfiltration.
[[nodiscard]] const DetectorRegistration& tunneling_registration();

}  // namespace dnslens
