#pragma once
// Every detection setting, with its documented default (docs/DETECTIONS.md). Loaded from YAML or
// JSON (`--detect-config`); unknown sections and keys are errors; `dnslens detect defaults` prints
// this file with every default filled in. Each detector's section is its own config struct, in its
// folder, which lists its keys and checks its values; the registrations (detect/detectors.hpp) say
// which member is whose.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detect/anomaly/anomaly_config.hpp"
#include "detect/answers/answers_config.hpp"
#include "detect/beaconing/beaconing_config.hpp"
#include "detect/dga_activity/dga_activity_config.hpp"
#include "detect/engine/config_fields.hpp"
#include "detect/footprinting/footprinting_config.hpp"
#include "detect/log_gap/log_gap_config.hpp"
#include "detect/reputation/reputation_config.hpp"
#include "detect/threat_intel/threat_intel_config.hpp"
#include "detect/tunneling/tunneling_config.hpp"

namespace dnslens {

struct DetectionConfig {
  bool enabled = true;
  std::string benign_noise;             // list file; empty: the built-in list
  std::string dga_model;                // model file; empty: the built-in model
  std::int64_t lateness_seconds = 600;  // how late a record may arrive and still count in its window
  std::uint64_t max_findings = 100000;
  std::uint32_t evidence_per_finding = 5;
  // One member per registered detector.
  TunnelingConfig tunneling;
  DgaActivityConfig dga;
  BeaconingConfig beaconing;
  FootprintingConfig footprinting;
  AnomalyConfig anomaly;
  ThreatIntelFindingConfig threat_intel;
  AnswersConfig answers;
  LogGapConfig log_gap;
  ReputationConfig reputation;

  // Throws Error(kConfig) naming the key.
  void validate() const;
  static DetectionConfig load_file(const std::string& path);
  static DetectionConfig parse(std::string_view text, std::string_view origin);
  // YAML with every key and its current value.
  [[nodiscard]] std::string to_yaml() const;
  // Every key: the top-level ones, then each registered detector's section in registration order.
  [[nodiscard]] std::vector<ConfigField> fields();
};

}  // namespace dnslens
