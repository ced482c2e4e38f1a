#pragma once
// The volume-anomaly detector's settings (section `anomaly` of the detection config).
#include <cstdint>

#include "detect/engine/config_fields.hpp"

namespace dnslens {

struct AnomalyConfig {
  bool enabled = true;
  std::int64_t bucket_seconds = 3600;
  std::uint32_t baseline_buckets = 24;
  std::uint32_t min_baseline_buckets = 6;
  double min_robust_z = 6.0;  // (value - median) / max(1.4826 MAD, sqrt(median) + 1)
  std::uint64_t min_count = 50;
  double min_ratio = 3.0;  // value >= ratio x baseline median
  std::uint64_t max_entities = 20000;

  void fields(ConfigFields& f) {
    f.add("enabled", &enabled);
    f.add("bucket_seconds", &bucket_seconds);
    f.add("baseline_buckets", &baseline_buckets);
    f.add("min_baseline_buckets", &min_baseline_buckets);
    f.add("min_robust_z", &min_robust_z);
    f.add("min_count", &min_count);
    f.add("min_ratio", &min_ratio);
    f.add("max_entities", &max_entities);
  }
  void validate(const ConfigCheck& check) const {
    check.seconds("bucket_seconds", bucket_seconds);
    check.between("baseline_buckets", baseline_buckets, 2, 1024);
    if (min_baseline_buckets < 1 || min_baseline_buckets > baseline_buckets) {
      check.fail("min_baseline_buckets", "must be between 1 and baseline_buckets");
    }
    check.cap("max_entities", max_entities);
  }
};

}  // namespace dnslens
