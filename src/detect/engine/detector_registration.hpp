#pragma once
// How a detector makes itself known: its name (the config section and the stats name), the finding
// types it raises, its settings, its factory and the documentation of when it fires. Each detector's
// folder defines its registration; detect/detectors.cpp lists them.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "detect/engine/config_fields.hpp"
#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector.hpp"
#include "detect/findings/finding.hpp"

namespace dnslens {

// How a detector decides (OCSF's analytic types): matching rules, behaviour over time, statistics
// against a baseline, or a learned model.
enum class AnalyticKind : std::uint8_t { kRule = 1, kBehavioral = 2, kStatistical = 3, kLearning = 4 };

// The MITRE ATT&CK (Enterprise) technique a finding type is evidence of; empty uids when none fits.
struct AttackTechnique {
  std::string_view tactic_uid, tactic;
  std::string_view technique_uid, technique;
  std::string_view sub_technique_uid, sub_technique;
};

struct FindingTypeInfo {
  FindingType type;
  std::string_view name;              // as written in findings, the store and the docs
  std::string_view guardduty_analog;  // the closest GuardDuty finding type, or empty
  AnalyticKind analytic = AnalyticKind::kRule;
  AttackTechnique attack{};
  std::string_view fires_when{};  // when set: this type's own line in the docs' table (else the detector's)
};

// One row of the docs' detector table, with the thresholds of a given config filled in.
struct DetectorDoc {
  std::string scope;  // what state is kept per what, and for how long
  std::string fires_when;
};

struct DetectorRegistration {
  std::string_view name;
  std::span<const FindingTypeInfo> finding_types;
  void (*fields)(DetectionConfig& config, ConfigFields& out);
  void (*validate)(const DetectionConfig& config, const ConfigCheck& check);
  bool (*enabled)(const DetectionConfig& config);
  std::unique_ptr<Detector> (*make)(const DetectionConfig& config);
  DetectorDoc (*doc)(const DetectionConfig& config);
};

// The registration of a detector D whose settings are the DetectionConfig member Member and whose
// constructor takes (settings, evidence records per finding).
template <auto Member, class D>
DetectorRegistration make_registration(std::string_view name, std::span<const FindingTypeInfo> types,
                                       DetectorDoc (*doc)(const DetectionConfig&)) {
  return DetectorRegistration{
      .name = name,
      .finding_types = types,
      .fields = [](DetectionConfig& c, ConfigFields& out) { (c.*Member).fields(out); },
      .validate = [](const DetectionConfig& c, const ConfigCheck& check) { (c.*Member).validate(check); },
      .enabled = [](const DetectionConfig& c) { return (c.*Member).enabled; },
      .make = [](const DetectionConfig& c) -> std::unique_ptr<Detector> {
        return std::make_unique<D>(c.*Member, c.evidence_per_finding);
      },
      .doc = doc,
  };
}

// Thresholds as the docs write them: 3600 -> "1 h", 0.5 -> "50%".
[[nodiscard]] std::string doc_duration(std::int64_t seconds);
[[nodiscard]] std::string doc_percent(double share);

}  // namespace dnslens
