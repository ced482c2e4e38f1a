#pragma once
// The log-gap detector's settings (section `log_gap` of the detection config).
#include <cstdint>

#include "detect/engine/config_fields.hpp"

namespace dnslens {

struct LogGapConfig {
  bool enabled = true;
  std::int64_t min_gap_seconds = 1800;  // a VPC logs nothing for at least this long
  std::int64_t history_seconds = 3600;  // ... after logging steadily over this long (10 min to 1 h)
  double min_active_share = 0.8;        // steady: records in at least this share of its minutes
  std::uint64_t max_keys = 20000;       // VPCs

  void fields(ConfigFields& f) {
    f.add("enabled", &enabled);
    f.add("min_gap_seconds", &min_gap_seconds);
    f.add("history_seconds", &history_seconds);
    f.add("min_active_share", &min_active_share);
    f.add("max_keys", &max_keys);
  }
  void validate(const ConfigCheck& check) const {
    check.seconds("min_gap_seconds", min_gap_seconds);
    if (min_gap_seconds < 60) check.fail("min_gap_seconds", "must be at least 60");
    if (history_seconds < 600 || history_seconds > 3600) check.fail("history_seconds", "must be between 600 and 3600");
    check.share("min_active_share", min_active_share);
    check.cap("max_keys", max_keys);
  }
};

}  // namespace dnslens
