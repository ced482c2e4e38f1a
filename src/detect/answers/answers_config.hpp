#pragma once
// The answers detector's settings (section `answers` of the detection config).
#include <string>

#include "detect/engine/config_fields.hpp"

namespace dnslens {

struct AnswersConfig {
  bool enabled = true;
  // Names allowed to resolve to the metadata service or to a black hole: comma-separated, "name"
  // exactly or "*.name" below it. AWS's own names for the metadata service (instance-data,
  // instance-data.ec2.internal) are always allowed.
  std::string metadata_allowed_names;
  std::string blackhole_allowed_names;

  void fields(ConfigFields& f) {
    f.add("enabled", &enabled);
    f.add("metadata_allowed_names", &metadata_allowed_names);
    f.add("blackhole_allowed_names", &blackhole_allowed_names);
  }
  void validate(const ConfigCheck& check) const;
};

}  // namespace dnslens
