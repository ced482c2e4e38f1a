// dnslens detect eval | defaults: detection quality measured on generated data with planted
// scenarios over a benign background, and the detection settings with their defaults.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/detect_clickhouse.hpp"
#include "cli/detect_options.hpp"
#include "core/error.hpp"
#include "core/absl_view.hpp"
#include "detect/detectors.hpp"
#include "enrich/dns_firewall/threat_protection.hpp"
#include "generate/log_generator.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/record_observer.hpp"

namespace dnslens::cli {

namespace {

namespace fs = std::filesystem;

struct EvalOptions {
  std::uint64_t records = 300000;
  std::uint64_t seed = 7;
  unsigned repeats = 2;
  unsigned threads = 0;
  std::string keep;
  bool check = false;
  DetectOptions detect;
};

bool kind_of(FindingType t, ScenarioKind& out) {
  switch (t) {
    case FindingType::kDgaDomainRequest:
      out = ScenarioKind::kDga;
      return true;
    case FindingType::kDnsDataExfiltration:
      out = ScenarioKind::kTunneling;
      return true;
    case FindingType::kBeaconing:
      out = ScenarioKind::kBeaconing;
      return true;
    case FindingType::kReverseDnsSweep:
      out = ScenarioKind::kSweep;
      return true;
    case FindingType::kVolumeAnomaly:
      out = ScenarioKind::kAnomaly;
      return true;
    case FindingType::kMetadataDnsRebind:
      out = ScenarioKind::kMetadataRebind;
      return true;
    case FindingType::kBlackholeTraffic:
      out = ScenarioKind::kBlackhole;
      return true;
    case FindingType::kSuspiciousDomainRequest:
      out = ScenarioKind::kLowReputation;
      return true;
    case FindingType::kQueryLogGap:
      out = ScenarioKind::kLogGap;
      return true;
    default:
      return false;
  }
}

bool overlaps(const Finding& f, const PlantedScenario& s) {
  constexpr std::int64_t kSlack = 2 * 3600000;  // windows and buckets round to the hour
  return f.first_seen_ms <= s.end_ms + kSlack && f.last_seen_ms + kSlack >= s.start_ms;
}

bool same_entity(const Finding& f, const PlantedScenario& s) {
  const bool vpc_level = f.type == FindingType::kVolumeAnomaly || f.type == FindingType::kQueryLogGap;
  return f.entity.source == s.instance || (vpc_level && f.entity.source == s.vpc);
}

bool matches(const Finding& f, const PlantedScenario& s) {
  ScenarioKind k;
  if (!kind_of(f.type, k) || !same_entity(f, s)) return false;
  // Slow tunneling is found as DNSDataExfiltration too, on any of its domains.
  if (k == ScenarioKind::kTunneling && s.kind == ScenarioKind::kSlowTunneling) return overlaps(f, s);
  if (k != s.kind) return false;
  if (k == ScenarioKind::kTunneling || k == ScenarioKind::kBeaconing || k == ScenarioKind::kMetadataRebind ||
      k == ScenarioKind::kBlackhole || k == ScenarioKind::kLowReputation)
    return f.domain == s.domain;
  if (k == ScenarioKind::kLogGap) return f.entity.source == s.vpc && overlaps(f, s);
  return overlaps(f, s);
}

// DNS Firewall Advanced's protections simulated per query (threat_protection.hpp), tallied against the
// planted names: which queries each threshold matches, and how many of them were planted as that threat.

struct AdvancedTally {
  // [protection][threshold]
  std::uint64_t matched[2][3] = {};
  std::uint64_t planted_matched[2][3] = {};
  void merge(const AdvancedTally& o) {
    for (int p = 0; p < 2; ++p) {
      for (int t = 0; t < 3; ++t) {
        matched[p][t] += o.matched[p][t];
        planted_matched[p][t] += o.planted_matched[p][t];
      }
    }
  }
};

using PlantedNames = absl::flat_hash_map<std::string, ScenarioKind>;  // query name -> what planted it

class AdvancedObserver final : public RecordObserver {
 public:
  explicit AdvancedObserver(const PlantedNames& planted) : planted_(planted) {}
  void observe(const QueryRecord& /*record*/, const EnrichedRecord& e) override {
    for (int p = 0; p < 2; ++p) {
      const ConfidenceThreshold level = threat_protection_level(kSimulatedThreatProtections[p], e);
      if (level == ConfidenceThreshold::kNone) continue;
      const auto it = planted_.find(as_absl(e.normalized_name()));
      const ScenarioKind want = p == 0 ? ScenarioKind::kDga : ScenarioKind::kTunneling;
      const bool planted = it != planted_.end() && it->second == want;
      for (int t = 0; t < 3 && kConfidenceThresholds[t] <= level; ++t) {
        ++tally.matched[p][t];
        tally.planted_matched[p][t] += planted;
      }
    }
  }
  AdvancedTally tally;

 private:
  const PlantedNames& planted_;
};

struct EvalRun {
  GeneratorStats generated;
  std::vector<Finding> findings;
  RunSummary summary;
  PlantedNames planted_names;
  std::uint64_t planted_queries[2] = {};  // DGA, tunneling
  AdvancedTally advanced;
};

EvalRun run_once(const EvalOptions& o, const fs::path& dir, std::vector<ScenarioSpec> scenarios,
                 const std::string& tag) {
  EvalRun r;
  GeneratorConfig g;
  g.seed = o.seed;
  g.records = o.records;
  g.scenarios = std::move(scenarios);
  g.benign_stressors = true;
  g.start_ms = 1767225600000;  // 2026-01-01T00:00:00Z: a fixed day keeps the evaluation reproducible
  g.output = (dir / (tag + "-logs.jsonl.gz")).string();
  r.generated = generate_logs(g);
  std::unique_ptr<Detection> detection = o.detect.build();
  if (!detection) throw Error(ErrorCode::kUsage, "detect eval needs the detectors on");
  PipelineConfig p;
  p.source.inputs = {g.output};
  p.source.threads = o.threads;
  p.sinks.dead_letter_path = (dir / (tag + "-dead-letter.jsonl")).string();
  PublicSuffixList psl = PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, PslScope::kIcannAndPrivate);
  p.enrich.psl = &psl;
  detection->wire(p);
  for (const auto& sc : r.generated.scenarios) {
    for (const auto& name : sc.names) {
      // Slow tunneling is tunneling to DNS Firewall Advanced too.
      r.planted_names.emplace(name, sc.kind == ScenarioKind::kSlowTunneling ? ScenarioKind::kTunneling : sc.kind);
      ++r.planted_queries[sc.kind == ScenarioKind::kDga ? 0 : 1];
    }
  }
  std::vector<std::unique_ptr<AdvancedObserver>> observers;
  for (unsigned i = 0; i < p.source.workers(); ++i)
    observers.push_back(std::make_unique<AdvancedObserver>(r.planted_names));
  p.observers = [&](unsigned i) { return observers.at(i).get(); };
  r.summary = run_pipeline(p);
  for (const auto& ob : observers) r.advanced.merge(ob->tally);
  detection->write_findings((dir / (tag + "-findings.jsonl")).string());
  r.findings = detection->store->sorted();
  return r;
}

int eval(const EvalOptions& o) {
  fs::path dir;
  bool temporary = o.keep.empty();
  if (temporary) {
    std::string tmpl = (fs::temp_directory_path() / "dnslens-eval-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw Error(ErrorCode::kIo, "cannot create a temporary directory");
    dir = tmpl;
  } else {
    dir = o.keep;
    fs::create_directories(dir);
  }
  struct Cleanup {
    fs::path dir;
    bool on;
    ~Cleanup() {
      std::error_code ec;
      if (on) fs::remove_all(dir, ec);
    }
  } cleanup{dir, temporary};

  std::vector<ScenarioSpec> specs;
  for (ScenarioKind k : kAllScenarioKinds) {
    for (Intensity i : kAllIntensities) {
      for (unsigned r = 0; r < o.repeats; ++r) specs.push_back({k, i});
    }
  }
  EvalRun planted = run_once(o, dir, specs, "planted");
  EvalRun benign = run_once(o, dir, {}, "benign");

  const auto& truth = planted.generated.scenarios;
  // Each scenario is detected or not, and each finding is true, explained or false: decided once.
  std::vector<bool> detected(truth.size(), false);
  enum class Verdict { kTrue, kExplained, kFalse };
  std::vector<Verdict> verdicts;
  for (const auto& f : planted.findings) {
    bool is_true = false, is_explained = false;
    for (std::size_t t = 0; t < truth.size(); ++t) {
      if (matches(f, truth[t])) {
        is_true = true;
        detected[t] = true;
      }
      // Another planted scenario on the same entity at the same time (a DGA burst is also an
      // NXDOMAIN spike) explains the finding without being its target.
      is_explained = is_explained || (same_entity(f, truth[t]) && overlaps(f, truth[t]));
    }
    verdicts.push_back(is_true ? Verdict::kTrue : is_explained ? Verdict::kExplained : Verdict::kFalse);
  }
  auto found_among = [&](auto&& selected, std::size_t& n) {
    std::size_t found = 0;
    n = 0;
    for (std::size_t t = 0; t < truth.size(); ++t) {
      if (!selected(truth[t])) continue;
      ++n;
      found += detected[t];
    }
    return found;
  };

  std::string out = fmt::format(
      "dnslens detection evaluation: {} background records (+{} planted and benign look-alike records), {} scenarios, "
      "seed {}\n\nRecall per scenario\n{:<18} {:<9} {:>7} {:>7}  {}\n",
      o.records, planted.generated.planted, truth.size(), o.seed, "detector", "intensity", "planted", "found",
      "scenario");
  bool moderate_missed = false;
  for (ScenarioKind k : kAllScenarioKinds) {
    for (Intensity i : kAllIntensities) {
      std::size_t n = 0;
      const std::size_t found =
          found_among([&](const PlantedScenario& s) { return s.kind == k && s.intensity == i; }, n);
      if (i != Intensity::kLow && found < n) moderate_missed = true;
      out += fmt::format("{:<18} {:<9} {:>7} {:>7}  {}\n", scenario_kind_name(k), intensity_name(i), n, found,
                         scenario_description(k, i));
    }
  }
  out += fmt::format("\nPrecision per detector (planted run)\n{:<18} {:>8} {:>6} {:>6} {:>9} {:>9} {:>7}\n", "detector",
                     "findings", "true", "false", "explained", "precision", "recall");
  std::size_t false_total = 0;
  for (ScenarioKind k : kAllScenarioKinds) {
    std::size_t total = 0, tp = 0, fp = 0, explained = 0;
    for (std::size_t i = 0; i < planted.findings.size(); ++i) {
      ScenarioKind fk;
      if (!kind_of(planted.findings[i].type, fk)) continue;
      // A low-and-slow exfiltration finding is slow tunneling's (both are DNSDataExfiltration).
      if (fk == ScenarioKind::kTunneling &&
          planted.findings[i].metrics_json.find("\"low_and_slow\":true") != std::string::npos)
        fk = ScenarioKind::kSlowTunneling;
      if (fk != k) continue;
      ++total;
      tp += verdicts[i] == Verdict::kTrue;
      explained += verdicts[i] == Verdict::kExplained;
      fp += verdicts[i] == Verdict::kFalse;
    }
    std::size_t n = 0;
    const std::size_t found = found_among([&](const PlantedScenario& s) { return s.kind == k; }, n);
    false_total += fp;
    out += fmt::format("{:<18} {:>8} {:>6} {:>6} {:>9} {:>8.1f}% {:>6.1f}%\n", scenario_kind_name(k), total, tp, fp,
                       explained, tp + fp ? 100.0 * static_cast<double>(tp) / static_cast<double>(tp + fp) : 100.0,
                       n ? 100.0 * static_cast<double>(found) / static_cast<double>(n) : 0.0);
  }
  // DGADomainRequest's confidence levels (DNS Firewall Advanced's): how many findings at each, and how many true.
  out += fmt::format("\nDGADomainRequest by confidence level (both runs)\n{:<8} {:>8} {:>6} {:>6} {:>9}\n", "level",
                     "findings", "true", "false", "precision");
  for (std::string_view level : {"HIGH", "MEDIUM", "LOW"}) {
    const std::string key = fmt::format("\"confidence_level\":\"{}\"", level);
    std::size_t n = 0, tp = 0;
    for (std::size_t i = 0; i < planted.findings.size(); ++i) {
      const Finding& f = planted.findings[i];
      if (f.type != FindingType::kDgaDomainRequest || f.metrics_json.find(key) == std::string::npos) continue;
      ++n;
      tp += verdicts[i] == Verdict::kTrue;
    }
    for (const Finding& f : benign.findings)
      n += f.type == FindingType::kDgaDomainRequest && f.metrics_json.find(key) != std::string::npos;
    out += fmt::format("{:<8} {:>8} {:>6} {:>6} {:>8.1f}%\n", level, n, tp, n - tp,
                       n ? 100.0 * static_cast<double>(tp) / static_cast<double>(n) : 100.0);
  }
  out += fmt::format(
      "\nBenign background alone ({} records incl. look-alikes: fleet-wide agent polling, DNSBL and hash-reputation "
      "lookups, CDN hex names, client-address PTRs, browser random-name probes): {} findings\n",
      benign.generated.records, benign.findings.size());
  for (const auto& f : benign.findings) out += fmt::format("  false finding: {}\n", f.explanation);
  for (std::size_t i = 0; i < planted.findings.size(); ++i) {
    const Finding& f = planted.findings[i];
    if (verdicts[i] == Verdict::kFalse && f.type != FindingType::kThreatIntelMatch)
      out += fmt::format("  false finding: {}\n", f.explanation);
  }
  out += fmt::format(
      "\nDNS Firewall Advanced simulated per query (a rule at a threshold matches these queries; true: planted as that "
      "threat; the benign run's are all false)\n{:<14} {:<9} {:>8} {:>7} {:>7} {:>9} {:>9}\n",
      "protection", "threshold", "matched", "true", "false", "precision", "recall");
  for (int pi = 0; pi < 2; ++pi) {
    for (int t = 0; t < 3; ++t) {
      const std::uint64_t matched = planted.advanced.matched[pi][t] + benign.advanced.matched[pi][t];
      const std::uint64_t tp = planted.advanced.planted_matched[pi][t];
      const std::uint64_t fp = matched - tp;
      out += fmt::format("{:<14} {:<9} {:>8} {:>7} {:>7} {:>8.2f}% {:>8.1f}%\n",
                         threat_protection_name(kSimulatedThreatProtections[pi]),
                         confidence_threshold_name(kConfidenceThresholds[t]), matched, tp, fp,
                         matched ? 100.0 * static_cast<double>(tp) / static_cast<double>(matched) : 100.0,
                         planted.planted_queries[pi]
                             ? 100.0 * static_cast<double>(tp) / static_cast<double>(planted.planted_queries[pi])
                             : 0.0);
    }
  }
  if (!temporary) out += fmt::format("\nLogs, findings and ground truth are in {}\n", dir.string());
  std::fputs(out.c_str(), stdout);
  if (o.check && (moderate_missed || false_total > 0 || !benign.findings.empty())) {
    std::fprintf(stderr, "dnslens: detect eval --check failed: %s\n",
                 moderate_missed ? "a moderate or high scenario was missed" : "false findings");
    return 1;
  }
  return 0;
}

}  // namespace

void register_detect(CLI::App& app, CommandRegistry& registry) {
  CLI::App* detect = app.add_subcommand(
      "detect",
      "Detection settings and their measured quality; with --clickhouse URL --since T, the detectors over the "
      "records a ClickHouse cluster holds, findings stored back");
  detect->require_subcommand(0, 1);
  auto ch = std::make_shared<DetectClickHouseOptions>();
  ch->add(detect);

  auto e = std::make_shared<EvalOptions>();
  CLI::App* ev = detect->add_subcommand(
      "eval",
      "Generate a day of logs with planted DGA, tunneling, beaconing, reverse-DNS sweep, volume-anomaly, metadata "
      "rebinding, black-hole, low-reputation and log-gap scenarios at low, moderate and high intensity over a benign "
      "background with look-alikes; run the detectors; print recall and precision per detector, and the findings on "
      "the benign background alone");
  ev->add_option("--records", e->records, "Background records")->capture_default_str();
  ev->add_option("--seed", e->seed, "Generator seed")->capture_default_str();
  ev->add_option("--repeats", e->repeats, "Scenarios per detector and intensity")
      ->capture_default_str()
      ->check(CLI::Range(1, 4));
  ev->add_option("-j,--threads", e->threads, "Worker threads (0 = one per core)");
  ev->add_option("--keep", e->keep, "Keep the generated logs and findings in this directory");
  ev->add_flag("--check", e->check, "Exit 1 when a moderate or high scenario is missed or any finding is false");
  e->detect.add(ev);
  e->detect.no_history_because = "detect eval's days are generated: a domain history would learn them";
  registry.add(ev, [e] { return eval(*e); });

  auto cfg = std::make_shared<std::string>();
  CLI::App* def = detect->add_subcommand(
      "defaults", "Print every detection setting with its default (or the values of --detect-config)");
  def->add_option("--detect-config", *cfg, "Show this file's values instead of the defaults");
  registry.add(def, [cfg] {
    DetectionConfig c = cfg->empty() ? DetectionConfig{} : DetectionConfig::load_file(*cfg);
    std::fputs(c.to_yaml().c_str(), stdout);
    return 0;
  });

  auto types_cfg = std::make_shared<std::string>();
  CLI::App* types = detect->add_subcommand(
      "types",
      "Print the finding types, the detector behind each and when it fires, as a markdown table (the one in "
      "docs/DETECTIONS.md), with the default thresholds or those of --detect-config");
  types->add_option("--detect-config", *types_cfg, "Fill in this file's thresholds instead of the defaults");
  registry.add(types, [types_cfg] {
    DetectionConfig c = types_cfg->empty() ? DetectionConfig{} : DetectionConfig::load_file(*types_cfg);
    std::fputs(detector_table_markdown(c).c_str(), stdout);
    return 0;
  });
  // Last: `detect eval` and the others are found first (their parent is parsed too).
  registry.add(detect, [ch] {
    if (!ch->clickhouse.given()) {
      throw Error(ErrorCode::kUsage, "detect needs a subcommand (eval, defaults, types) or --clickhouse URL --since T");
    }
    return detect_clickhouse(*ch);
  });
}

}  // namespace dnslens::cli
