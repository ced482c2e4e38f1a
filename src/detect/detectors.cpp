#include "detect/detectors.hpp"

#include <array>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "detect/anomaly/anomaly_detector.hpp"
#include "detect/answers/answers_detector.hpp"
#include "detect/beaconing/beaconing_detector.hpp"
#include "detect/dga_activity/dga_activity_detector.hpp"
#include "detect/footprinting/footprinting_detector.hpp"
#include "detect/log_gap/log_gap_detector.hpp"
#include "detect/reputation/reputation_detector.hpp"
#include "detect/threat_intel/threat_intel_detector.hpp"
#include "detect/tunneling/tunneling_detector.hpp"

namespace dnslens {

namespace {

// Each finding type's registration entry, indexed by type; checked once: every type is raised by
// exactly one registered detector.
const std::array<const FindingTypeInfo*, kFindingTypeCount>& type_table() {
  static const auto table = [] {
    std::array<const FindingTypeInfo*, kFindingTypeCount> t{};
    for (const DetectorRegistration* r : registered_detectors()) {
      for (const FindingTypeInfo& info : r->finding_types) {
        const auto i = static_cast<std::size_t>(info.type);
        if (i >= t.size() || t[i] != nullptr) {
          throw Error(ErrorCode::kInternal, fmt::format("finding type {} registered twice or out of range", info.name));
        }
        t[i] = &info;
      }
    }
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (t[i] == nullptr) throw Error(ErrorCode::kInternal, fmt::format("finding type {} has no detector", i));
    }
    return t;
  }();
  return table;
}

}  // namespace

std::span<const DetectorRegistration* const> registered_detectors() {
  static const std::array<const DetectorRegistration*, 9> list = {
      &tunneling_registration(),    &dga_activity_registration(), &beaconing_registration(),
      &footprinting_registration(), &anomaly_registration(),      &threat_intel_registration(),
      &answers_registration(),      &log_gap_registration(),      &reputation_registration(),
  };
  return list;
}

const FindingTypeInfo& finding_type_info(FindingType type) { return *type_table().at(static_cast<std::size_t>(type)); }

std::string_view finding_type_name(FindingType t) {
  return static_cast<std::size_t>(t) < kFindingTypeCount ? finding_type_info(t).name : "?";
}

std::string_view guardduty_analog(FindingType t) {
  return static_cast<std::size_t>(t) < kFindingTypeCount ? finding_type_info(t).guardduty_analog : "";
}

bool parse_finding_type(std::string_view name, FindingType& out) {
  for (const FindingTypeInfo* info : type_table()) {
    if (info->name == name) {
      out = info->type;
      return true;
    }
  }
  return false;
}

std::string detector_table_markdown(const DetectionConfig& config) {
  std::string out = "| finding | detector | fires when (defaults) |\n|---|---|---|\n";
  for (const DetectorRegistration* r : registered_detectors()) {
    const DetectorDoc doc = r->doc(config);
    for (const FindingTypeInfo& info : r->finding_types) {
      out += fmt::format("| `{}` | {} | {} |\n", info.name, doc.scope,
                         info.fires_when.empty() ? std::string_view(doc.fires_when) : info.fires_when);
    }
  }
  return out;
}

std::string doc_duration(std::int64_t seconds) {
  if (seconds >= 2 * 86400 && seconds % 86400 == 0) return fmt::format("{} days", seconds / 86400);
  if (seconds > 0 && seconds % 3600 == 0) return fmt::format("{} h", seconds / 3600);
  if (seconds > 0 && seconds % 60 == 0) return fmt::format("{} min", seconds / 60);
  return fmt::format("{} s", seconds);
}

std::string doc_percent(double share) { return fmt::format("{}%", std::round(share * 1000) / 10); }

}  // namespace dnslens
