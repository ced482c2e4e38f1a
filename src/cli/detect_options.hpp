#pragma once
// The options every command that runs detectors shares, and what they build: the detection config,
// the DGA model and benign-noise list the workers use, the detector set and the finding store.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/dga_model.hpp"
#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector_set.hpp"
#include "detect/findings/finding_store.hpp"
#include "notify/match_notifier.hpp"
#include "pipeline/pipeline_config.hpp"

namespace dnslens::cli {

struct Detection {
  DetectionConfig config;
  std::optional<DgaModel> own_model;
  std::optional<BenignNoise> own_noise;
  const DgaModel* model = nullptr;
  const BenignNoise* noise = nullptr;
  std::unique_ptr<FindingStore> store;
  std::unique_ptr<DetectorSet> detectors;

  // Puts the name signals (the DGA model, the benign-noise list) into the pipeline's enrichment and
  // the detectors and their findings into its detection stage.
  void wire(PipelineConfig& pipeline) const;
  // Announces each new finding of at least min_severity ("low", "medium", "high") through the notifier (may be
  // null).
  void announce_to(MatchNotifier* notifier, std::string_view min_severity = "low");
  // Writes the findings as JSON lines, ordered by first seen.
  // One finding per line: dnslens's JSON, or an OCSF Detection Finding when format is an OCSF output
  // format ("ocsf-1.1", "ocsf-1.5").
  void write_findings(const std::string& path, std::string_view format = {}) const;
};

struct DetectOptions {
  bool off = false;
  std::string config_path;
  std::string dga_model;
  std::string benign_noise;
  std::string domain_history;  // overrides reputation.history_file
  // Why this command keeps no domain history (it takes in no live records, or only generated ones); empty:
  // it keeps one when asked.
  std::string no_history_because;
  std::string findings = "dnslens-findings.jsonl";
  unsigned threads = 1;  // the detectors' threads (DetectorSet)

  // findings_file: offer --findings (serve keeps its findings in the store only).
  void add(CLI::App* sub, bool findings_file = true);
  // Null when detection is off.
  [[nodiscard]] std::unique_ptr<Detection> build() const;
};

// The JSON event a notifier receives for a finding.
[[nodiscard]] std::string finding_event_json(const Finding& f);
// The finding's line in chat notifications (Slack).
[[nodiscard]] std::string finding_chat_line(const Finding& f);

}  // namespace dnslens::cli
