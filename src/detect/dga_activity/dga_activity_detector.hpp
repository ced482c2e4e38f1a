#pragma once
// DGA activity: per source and window, a burst of distinct names whose registered-domain label
// the DGA model scores high, mostly answered NXDOMAIN (the generated domains are rarely registered).
// Context sets the finding's confidence level (DNS Firewall Advanced's LOW / MEDIUM / HIGH): the
// size of the burst, how machine-made and how unanswered its names are, and whether other hosts
// queried the same names (a DGA seeded by the date makes every infected host ask for the same ones;
// no benign software does that with names the model scores as random).
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector_registration.hpp"
#include "detect/engine/detector.hpp"
#include "detect/engine/keyed_windows.hpp"

namespace dnslens {

struct DgaWindow {
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

class DgaActivityDetector : public WindowedDetector<DgaWindow> {
 public:
  DgaActivityDetector(const DgaActivityConfig& config, std::uint32_t evidence)
      : WindowedDetector("dga", config.window_seconds, config.max_keys), config_(config), evidence_(evidence) {}
  void observe(const EventContext& ctx, FindingSink& sink) override;

  static constexpr std::size_t kMaxDistinct = 1024;  // distinct names counted exactly per window
  static constexpr std::size_t kMaxSharedNames = 200000;

 private:
  void close(DgaWindow& s, FindingSink& sink) override;

  // The sources (up to three) that queried a high-scoring name, fleet-wide.
  struct NameSources {
    std::uint64_t sources[3] = {};
    std::uint8_t count = 0;
    std::int64_t last_ms = 0;
  };
  absl::flat_hash_map<std::uint64_t, NameSources> name_sources_;

  DgaActivityConfig config_;
  std::uint32_t evidence_;
};

// Section `dga` of the detection config; raises DGADomainRequest.
[[nodiscard]] const DetectorRegistration& dga_activity_registration();

}  // namespace dnslens
