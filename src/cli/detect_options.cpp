#include "cli/detect_options.hpp"

#include <fmt/format.h>

#include "core/timestamp.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "io/output_sink.hpp"
#include "sinks/ocsf/ocsf_finding.hpp"

namespace dnslens::cli {

void Detection::wire(PipelineConfig& pipeline) const {
  pipeline.enrich.dga = model;
  pipeline.enrich.benign_noise = noise;
  pipeline.detection = DetectionStage{.detectors = detectors.get(), .findings = store.get()};
}

std::string finding_chat_line(const Finding& f) {
  // high Beaconing: `i-0abc` (10.0.6.216) in vpc-1 -> `c2.example`, 120 events from ... to ...: <explanation>
  std::string line =
      fmt::format("{} {}: `{}`", finding_severity_name(f.severity), finding_type_name(f.type), f.entity.source);
  if (!f.entity.srcaddr.empty() && f.entity.srcaddr != f.entity.source) line += fmt::format(" ({})", f.entity.srcaddr);
  if (!f.entity.vpc.empty()) line += fmt::format(" in {}", f.entity.vpc);
  if (!f.domain.empty()) line += fmt::format(" -> `{}`", f.domain);
  char first[20], last[20];
  const bool times = write_iso8601_seconds(f.first_seen_ms, first) && write_iso8601_seconds(f.last_seen_ms, last);
  line += fmt::format(", {} event{}", f.events, f.events == 1 ? "" : "s");
  if (times) line += fmt::format(" from {} to {}", std::string_view(first, 20), std::string_view(last, 20));
  if (!f.explanation.empty()) line += ": " + f.explanation;
  return line;
}

std::string finding_event_json(const Finding& f) {
  std::string json = finding_to_json(f);
  return "{\"event\":\"finding\"," + json.substr(1);
}

void Detection::announce_to(MatchNotifier* notifier, std::string_view min_severity) {
  if (notifier == nullptr) return;
  FindingSeverity min = FindingSeverity::kLow;
  if (!parse_finding_severity(min_severity, min))
    throw Error(ErrorCode::kUsage, fmt::format("--notify-min-severity: '{}' is not low, medium or high", min_severity));
  store->set_announce(
      [notifier](const Finding& f) {
        notifier->enqueue({NotificationKind::kFinding, finding_event_json(f), finding_chat_line(f)});
      },
      min);
}

void Detection::write_findings(const std::string& path, std::string_view format) const {
  auto sink = make_file_sink(path, compression_for_path(path));
  const std::string_view ocsf = ocsf_schema_version(format);
  std::string buf;
  for (const Finding& f : store->sorted()) {
    if (ocsf.empty())
      buf += finding_to_json(f);
    else
      encode_ocsf_detection_finding(f, ocsf, buf);
    buf += '\n';
    if (buf.size() > (1u << 20)) {
      sink->write(buf);
      buf.clear();
    }
  }
  sink->write(buf);
  sink->finish();
}

void DetectOptions::add(CLI::App* sub, bool findings_file) {
  sub->add_flag("--no-detect", off, "No name signals (entropy, DGA score, benign noise) and no detectors");
  sub->add_option("--detect-config", config_path,
                  "Detection thresholds, YAML or JSON ('dnslens detect defaults' prints every key)");
  if (findings_file) {
    sub->add_option("--findings", findings, "Where findings go, as JSON lines (.gz/.zst compress)")
        ->capture_default_str();
  }
  sub->add_option("--detector-threads", threads,
                  "Threads that run the detectors side by side (each detector on one at a time; the findings do not "
                  "depend on it). The writer's thread is one of them")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  sub->add_option("--dga-model", dga_model, "DGA model from 'dnslens dga train' (default: the built-in model)");
  sub->add_option("--benign-noise", benign_noise,
                  "Known-benign noise list (default: the built-in data/benign-noise.txt)");
  sub->add_option("--domain-history", domain_history,
                  "File of the registered domains resolved so far, kept across runs (created when absent): queries of "
                  "a domain first resolved within the last day, after a week of history, become newly observed "
                  "SuspiciousDomainRequest findings. One process per file");
}

std::unique_ptr<Detection> DetectOptions::build() const {
  if (off) {
    if (!domain_history.empty())
      throw Error(ErrorCode::kUsage, "--domain-history needs the detectors (not --no-detect)");
    return nullptr;
  }
  auto d = std::make_unique<Detection>();
  if (!config_path.empty()) d->config = DetectionConfig::load_file(config_path);
  if (!d->config.enabled) {
    if (!domain_history.empty())
      throw Error(ErrorCode::kUsage, "--domain-history needs the detectors (the detection config disables them)");
    return nullptr;
  }
  if (!domain_history.empty()) {
    if (!no_history_because.empty()) throw Error(ErrorCode::kUsage, "--domain-history: " + no_history_because);
    if (!d->config.reputation.enabled)
      throw Error(ErrorCode::kUsage, "--domain-history needs the reputation detector (reputation.enabled is false)");
    d->config.reputation.history_file = domain_history;
  }
  // A history named in the config is not touched by a command that must not teach it.
  if (!no_history_because.empty()) d->config.reputation.history_file.clear();
  const std::string model_path = !dga_model.empty() ? dga_model : d->config.dga_model;
  const std::string noise_path = !benign_noise.empty() ? benign_noise : d->config.benign_noise;
  if (!model_path.empty()) {
    d->own_model.emplace(DgaModel::load_file(model_path));
    d->model = &*d->own_model;
  } else {
    d->model = &default_dga_model();
  }
  if (!noise_path.empty()) {
    d->own_noise.emplace(BenignNoise::load_file(noise_path));
    d->noise = &*d->own_noise;
  } else {
    d->noise = &BenignNoise::builtin();
  }
  d->store = std::make_unique<FindingStore>(d->config.max_findings, d->config.evidence_per_finding);
  d->detectors = std::make_unique<DetectorSet>(d->config, *d->store, threads);
  return d;
}

}  // namespace dnslens::cli
