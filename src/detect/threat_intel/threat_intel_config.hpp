#pragma once
// The threat-intel finding detector's settings (section `threat_intel` of the detection config).
#include "detect/engine/config_fields.hpp"

namespace dnslens {

struct ThreatIntelFindingConfig {
  bool enabled = true;

  void fields(ConfigFields& f) { f.add("enabled", &enabled); }
  void validate(const ConfigCheck&) const {}
};

}  // namespace dnslens
