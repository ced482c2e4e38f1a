#pragma once
// The low-reputation detector's settings (section `reputation` of the detection config).
#include "detect/engine/config_fields.hpp"

namespace dnslens {

struct ReputationConfig {
  bool enabled = true;

  void fields(ConfigFields& f) { f.add("enabled", &enabled); }
  void validate(const ConfigCheck&) const {}
};

}  // namespace dnslens
