#pragma once
// The beaconing detector's settings (section `beaconing` of the detection config).
#include <cstdint>

#include "detect/engine/config_fields.hpp"

namespace dnslens {

struct BeaconingConfig {
  bool enabled = true;
  std::uint32_t min_events = 12;
  double min_score = 0.8;
  double jitter_tolerance = 0.2;           // dispersion (MAD) relative to the interval that still scores 0
  std::int64_t min_interval_seconds = 10;  // faster is a burst, not a beacon
  std::int64_t max_interval_seconds = 43200;
  std::uint32_t max_timestamps = 256;        // per (source, name): the most recent are kept
  double max_source_share = 0.1;             // names polled by more sources are fleet software
  std::uint32_t min_sources_for_fleet = 4;   // ... when also at least this many sources poll them
  std::uint64_t max_keys = 200000;           // pairs tracked in full (3+ distinct seconds)
  std::uint64_t candidate_slots = 1u << 20;  // pairs seen once or twice: 16 bytes each, 8 per bucket

  void fields(ConfigFields& f) {
    f.add("enabled", &enabled);
    f.add("min_events", &min_events);
    f.add("min_score", &min_score);
    f.add("jitter_tolerance", &jitter_tolerance);
    f.add("min_interval_seconds", &min_interval_seconds);
    f.add("max_interval_seconds", &max_interval_seconds);
    f.add("max_timestamps", &max_timestamps);
    f.add("max_source_share", &max_source_share);
    f.add("min_sources_for_fleet", &min_sources_for_fleet);
    f.add("max_keys", &max_keys);
    f.add("candidate_slots", &candidate_slots);
  }
  void validate(const ConfigCheck& check) const {
    check.seconds("min_interval_seconds", min_interval_seconds);
    check.seconds("max_interval_seconds", max_interval_seconds);
    if (max_interval_seconds <= min_interval_seconds)
      check.fail("max_interval_seconds", "must exceed min_interval_seconds");
    if (min_events < 4) check.fail("min_events", "must be at least 4");
    if (max_timestamps < min_events || max_timestamps > 65536)
      check.fail("max_timestamps", "must be between min_events and 65536");
    check.share("min_score", min_score);
    check.share("max_source_share", max_source_share);
    if (!(jitter_tolerance > 0 && jitter_tolerance <= 1)) check.fail("jitter_tolerance", "must be in (0, 1]");
    check.cap("max_keys", max_keys);
    check.between("candidate_slots", candidate_slots, 1024, 1u << 28);
    if ((candidate_slots & (candidate_slots - 1)) != 0) check.fail("candidate_slots", "must be a power of two");
  }
};

}  // namespace dnslens
