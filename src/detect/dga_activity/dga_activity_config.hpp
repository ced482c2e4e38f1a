#pragma once
// The DGA-activity detector's settings (section `dga` of the detection config).
#include <cstdint>

#include "detect/engine/config_fields.hpp"

namespace dnslens {

struct DgaActivityConfig {
  bool enabled = true;
  std::int64_t window_seconds = 3600;
  double score_threshold = 0.75;  // a name's DGA score from which it counts
  std::uint32_t min_distinct_names = 8;
  double min_nxdomain_share = 0.5;
  std::uint64_t max_keys = 50000;

  void fields(ConfigFields& f) {
    f.add("enabled", &enabled);
    f.add("window_seconds", &window_seconds);
    f.add("score_threshold", &score_threshold);
    f.add("min_distinct_names", &min_distinct_names);
    f.add("min_nxdomain_share", &min_nxdomain_share);
    f.add("max_keys", &max_keys);
  }
  void validate(const ConfigCheck& check) const {
    check.seconds("window_seconds", window_seconds);
    check.share("score_threshold", score_threshold);
    check.share("min_nxdomain_share", min_nxdomain_share);
    check.cap("max_keys", max_keys);
  }
};

}  // namespace dnslens
