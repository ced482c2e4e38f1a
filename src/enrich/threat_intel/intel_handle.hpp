#pragma once
// The threat intel in force, replaceable while the pipeline runs (feeds reload on SIGHUP).
#include "core/swappable.hpp"
#include "enrich/threat_intel/threat_intel.hpp"

namespace dnslens {

using IntelHandle = Swappable<ThreatIntel>;

}  // namespace dnslens
