// dnslens dga train | score | eval: the character model behind the DGA score, retrainable on a
// site's own benign logs and measured against real DGA families.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>

#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/absl_view.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "detect/dga/dga_family_catalog.hpp"
#include "enrich/dns_firewall/threat_protection.hpp"
#include "core/dns_name.hpp"
#include "detect/dga/dga_trainer.hpp"
#include "detect/name_features/name_features.hpp"
#include "io/read_file.hpp"
#include "pipeline/pipeline.hpp"
#include "io/output_sink.hpp"

namespace dnslens::cli {

namespace {

// The families' names for training and for measurement come from different days.
constexpr std::int64_t kTrainingDay = 19723;  // 2024-01-01, as tools/dga_embed.cpp
constexpr std::size_t kTrainingNames = 3000;  // per family, as tools/dga_embed.cpp
constexpr std::int64_t kEvalDay = 20414;      // 2025-11-22

std::string popular_sites_path() {
  std::string path = std::string(DNSLENS_BENIGN_NAMES_DIR) + "/popular-sites.txt";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw Error(
        ErrorCode::kConfig,
        fmt::format("{} is missing: scripts/fetch-benign-names.sh builds it from lists of popular sites", path));
  }
  return path;
}

DgaModel load_model(const std::string& path) {
  if (path.empty()) return default_dga_model();
  return DgaModel::load_file(path);
}

// Labels of resolved (NOERROR) names in logs: what this site's benign traffic looks like.
class LabelCollector : public RecordObserver {
 public:
  LabelCollector(std::mutex& mutex, absl::flat_hash_set<std::string>& labels, std::size_t cap)
      : mutex_(mutex), labels_(labels), cap_(cap) {}
  ~LabelCollector() override { flush(); }
  void observe(const QueryRecord& r, const EnrichedRecord& o) override {
    if (r.rcode != "NOERROR" || o.registered_domain.empty() || o.signals.benign_noise) return;
    std::string_view label = dga_label(o.normalized_name(), o.registered_domain, o.public_suffix);
    if (local_.size() < cap_) local_.emplace(as_absl(label));
  }
  void flush() {
    std::lock_guard lock(mutex_);
    for (const auto& l : local_) {
      if (labels_.size() >= cap_) break;
      labels_.insert(l);
    }
    local_.clear();
  }

 private:
  std::mutex& mutex_;
  absl::flat_hash_set<std::string>& labels_;
  std::size_t cap_;
  absl::flat_hash_set<std::string> local_;
};

struct TrainOptions {
  std::vector<std::string> words;
  std::vector<std::string> labels_files;
  std::vector<std::string> logs;
  std::string psl_section = "both";
  bool no_defaults = false;
  std::vector<std::string> families = dga_training_families();
  std::string output;
  std::uint64_t seed = 1;
  PslOptions psl;
};

int train(const TrainOptions& o) {
  refuse_outputs_that_are_inputs(o.logs, {{"--output", o.output}});
  DgaTrainingData data;
  const std::string psl_path = o.psl.path.empty() ? DNSLENS_DEFAULT_PSL : o.psl.path;
  const bool families = !(o.families.size() == 1 && o.families[0] == "none");
  if (families) {
    for (const auto& f : o.families) {
      if (find_dga_family(f) == nullptr) {
        std::string known;
        for (const auto& k : all_dga_families()) known += (known.empty() ? "" : ", ") + std::string(k.name);
        throw Error(ErrorCode::kUsage, fmt::format("--dga-families: no DGA family named '{}' (known: {})", f, known));
      }
    }
  }
  if (!o.no_defaults) {
    const auto lists = default_word_lists();
    for (std::size_t i = 0; i < lists.size(); ++i) add_word_list(lists[i], data, 150000, i == 0);
  }
  for (const auto& w : o.words) add_word_list(w, data, 150000, true);
  if (o.psl_section != "none") {
    add_psl_labels(psl_path,
                   o.psl_section == "icann"     ? PslSection::kIcann
                   : o.psl_section == "private" ? PslSection::kPrivate
                                                : PslSection::kBoth,
                   data);
  }
  PublicSuffixList psl = o.psl.load();
  for (const auto& f : o.labels_files) {
    std::size_t added = 0;
    for (const auto& l : registered_labels(f, psl_path, "label list")) added += add_label(l, data, LabelKind::kDomain);
    data.sources.push_back(fmt::format("{} ({} labels)", f, added));
  }
  if (!o.logs.empty()) {
    PipelineConfig p;
    p.source.inputs = o.logs;
    std::mutex mutex;
    absl::flat_hash_set<std::string> labels;
    std::vector<std::unique_ptr<LabelCollector>> collectors;
    p.enrich.psl = &psl;
    p.enrich.dga = &default_dga_model();
    p.enrich.benign_noise = &BenignNoise::builtin();
    p.observers = [&](unsigned) {
      std::lock_guard lock(mutex);
      collectors.push_back(std::make_unique<LabelCollector>(mutex, labels, 2000000));
      return collectors.back().get();
    };
    RunSummary summary = run_pipeline(p);
    collectors.clear();  // flushes
    std::size_t added = 0;
    for (const auto& l : labels) added += add_label(l, data, LabelKind::kDomain);
    data.sources.push_back(fmt::format("resolved names in {} records of query logs ({} distinct labels)",
                                       summary.counters.records, added));
  }
  // The popular sites after the public suffix list, as the build-time training adds them.
  if (!o.no_defaults) add_popular_sites(popular_sites_path(), psl_path, SiteHalf::kTraining, data);
  if (families) add_dga_family_labels(o.families, kTrainingDay, kTrainingNames, data);
  DgaTrainOptions options;
  options.seed = o.seed;
  DgaModel model = train_dga_model(data, options);
  auto sink = make_file_sink(o.output, Compression::kNone);
  sink->write(model.serialize());
  sink->finish();
  std::fprintf(stderr, "dnslens: DGA model written to %s (%llu distinct labels)\n", o.output.c_str(),
               static_cast<unsigned long long>(model.label_count()));
  return 0;
}

struct ScoreOptions {
  std::vector<std::string> names;
  std::string model;
  PslOptions psl;
};

int score(const ScoreOptions& o) {
  DgaModel model = load_model(o.model);
  PublicSuffixList psl = o.psl.load();
  std::vector<std::string> names = o.names;
  if (names.size() == 1 && names[0] == "-") {
    names.clear();
    std::string text = read_whole_file("-", "names", ErrorCode::kIo);
    std::string_view rest = text;
    while (!rest.empty()) {
      std::string_view n = list_entry(take_line(rest));
      if (!n.empty()) names.emplace_back(n);
    }
  }
  char buf[kMaxNormalizedName];
  std::string out = "dga_score\tbits_per_char\tlabel\tname\n";
  for (const auto& n : names) {
    NormalizedName norm = normalize_name(n, buf);
    DomainParts parts = psl.split(norm.text);
    std::string_view label = dga_label(norm.text, parts.registered_domain, parts.public_suffix);
    out += fmt::format("{:.3f}\t{:.2f}\t{}\t{}\n", model.score(label), model.bits_per_char(label), label, norm.text);
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

struct EvalOptions {
  std::string model;
  std::size_t per_family = 2000;
  std::int64_t day = kEvalDay;
  std::string benign;    // default: the evaluation half of the popular sites
  std::string trackers;  // default: the tracker domains beside them
  std::vector<std::string> samples;
  PslOptions psl;
};

// The threshold above which at most `fpr` of the benign scores lie.
double threshold_at(std::vector<double> benign, double fpr) {
  std::sort(benign.begin(), benign.end(), std::greater<>());
  auto k = static_cast<std::size_t>(fpr * static_cast<double>(benign.size()));
  return benign[std::min(k, benign.size() - 1)];
}

struct FamilyResult {
  std::string name;
  std::string group;  // "held out", "trained on", "sample"
  DgaKind kind;
  double tpr1 = 0, tpr01 = 0, median = 0;
  std::vector<double> scores;  // log_score
  std::size_t measured = 0;
  std::string description;
};

std::string benign_sources(const std::string& path) {
  std::string text = read_whole_file(path, "benign name list", ErrorCode::kConfig);
  std::string out;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::string_view line = take_line(rest);
    if (!line.starts_with("# ")) continue;
    out += fmt::format("  {}\n", line.substr(2));
  }
  return out;
}

int eval(const EvalOptions& o) {
  DgaModel model = load_model(o.model);
  const std::string psl_path = o.psl.path.empty() ? std::string(DNSLENS_DEFAULT_PSL) : o.psl.path;
  // Benign: popular sites' registered labels the model never trains on (the evaluation half of the
  // popular sites, or the user's list); tracker domains are reported beside them.
  const std::string benign_path = o.benign.empty() ? popular_sites_path() : o.benign;
  const std::string trackers_path = !o.trackers.empty() ? o.trackers
                                    : o.benign.empty()  ? std::string(DNSLENS_BENIGN_NAMES_DIR) + "/trackers.txt"
                                                        : "";
  // Labels the shipped model also learns from other sources (a word of the word lists, a label of
  // the public suffix list: "apple", "blogspot"; for the trackers, the training half of the popular
  // sites too) are left out, so that none was seen in training.
  DgaTrainingData seen_in_training;
  for (const auto& w : default_word_lists()) add_word_list(w, seen_in_training);
  add_psl_labels(psl_path, PslSection::kBoth, seen_in_training);
  absl::flat_hash_set<std::string> trained(seen_in_training.labels.begin(), seen_in_training.labels.end());
  trained.insert(seen_in_training.domain_labels.begin(), seen_in_training.domain_labels.end());
  std::vector<double> benign, trackers;
  std::size_t left_out = 0, trackers_left_out = 0;
  for (const auto& l : registered_labels(benign_path, psl_path, "benign name list")) {
    if (o.benign.empty() && site_half(l) != SiteHalf::kEvaluation) {
      trained.insert(l);  // the training half of the popular sites
      continue;
    }
    if (trained.contains(l)) {
      ++left_out;
      continue;
    }
    benign.push_back(model.log_score(l));
  }
  if (!trackers_path.empty()) {
    for (const auto& l : registered_labels(trackers_path, psl_path, "tracker list")) {
      if (trained.contains(l)) {
        ++trackers_left_out;
        continue;
      }
      trackers.push_back(model.log_score(l));
    }
  }
  if (benign.size() < 1000) {
    throw Error(ErrorCode::kConfig,
                fmt::format("{}: {} distinct benign labels; at least 1000 are needed for a 0.1% false-positive rate",
                            benign_path, benign.size()));
  }
  // Ranked by the score's logarithm, which does not round to 1 the way the float score does.
  const double t1 = threshold_at(benign, 0.01), t01 = threshold_at(benign, 0.001);
  std::vector<FamilyResult> results;
  auto measure = [&](FamilyResult r, const std::vector<std::string>& labels) {
    for (const auto& l : labels) r.scores.push_back(model.log_score(l));
    std::size_t above1 = 0, above01 = 0;
    for (double s : r.scores) {
      above1 += s > t1;
      above01 += s > t01;
    }
    const double n = static_cast<double>(std::max<std::size_t>(r.scores.size(), 1));
    r.measured = r.scores.size();
    r.tpr1 = 100.0 * static_cast<double>(above1) / n;
    r.tpr01 = 100.0 * static_cast<double>(above01) / n;
    std::vector<double> sorted = r.scores;
    std::sort(sorted.begin(), sorted.end());
    r.median = sorted.empty() ? 0.0 : std::exp(sorted[sorted.size() / 2]);
    results.push_back(std::move(r));
  };
  for (const auto& f : all_dga_families()) {
    // Every family generates the first label; the rest is a fixed suffix (a TLD, or a dynamic-DNS
    // domain the public suffix list may not know).
    // A trained family's names that are also among its training names (families whose names do not
    // change with the day, or change slowly) are left out: what is left was not trained on.
    const bool trained_on = is_dga_training_family(f.name);
    // Labels are what the model sees; a family's repeats (some generators cycle) are measured once.
    absl::flat_hash_set<std::string> seen_labels;
    if (trained_on) {
      for (const auto& n : f.generate(kTrainingDay, kTrainingNames)) seen_labels.insert(n.substr(0, n.find('.')));
    }
    std::vector<std::string> labels;
    for (const auto& n : f.generate(o.day, o.per_family)) {
      std::string label = n.substr(0, n.find('.'));
      if (seen_labels.insert(label).second) labels.push_back(std::move(label));
    }
    measure({std::string(f.name),
             trained_on ? "trained on" : "held out",
             f.kind,
             0,
             0,
             0,
             {},
             0,
             std::string(f.description)},
            labels);
  }
  for (const auto& path : o.samples) {
    // A file of published names of one family: scored as the pipeline scores names.
    std::string stem = path.substr(path.find_last_of('/') + 1);
    measure({stem, "sample", DgaKind::kCharacter, 0, 0, 0, {}, 0, "names from " + path},
            registered_labels(path, psl_path, "DGA sample list"));
  }

  auto share_above = [](const std::vector<double>& scores, double t) {
    std::size_t k = 0;
    for (double s : scores) k += s > t;
    return 100.0 * static_cast<double>(k) / static_cast<double>(std::max<std::size_t>(scores.size(), 1));
  };
  std::string out = fmt::format(
      "DGA scorer evaluation: {} names per family (days from {}; a trained family's training names left out)\n"
      "benign: {} registered labels of {}{}, {} left out as also in the word lists or the public suffix list\n"
      "sources of the whole list:\n{}"
      "threshold at 1% FPR: {:.6f}   at 0.1% FPR: {:.6f}\n",
      o.per_family, o.day, benign.size(), benign_path,
      o.benign.empty() ? " (the evaluation half; the model trains on the other)" : "", left_out,
      benign_sources(benign_path), std::exp(t1), std::exp(t01));
  if (!trackers.empty()) {
    out += fmt::format(
        "tracker domains ({} registered labels of {}; {} left out as in training) above them: {:.1f}% and "
        "{:.1f}%\n{}",
        trackers.size(), trackers_path, trackers_left_out, share_above(trackers, t1), share_above(trackers, t01),
        benign_sources(trackers_path));
  }
  out += fmt::format(
      "\n"
      "{:<20} {:<10} {:<10} {:>8} {:>9} {:>7} {:>6}  {}\n",
      "family", "kind", "model", "TPR@1%", "TPR@0.1%", "median", "names", "how names are built");
  for (const auto& r : results) {
    const std::string_view kind = r.kind == DgaKind::kCharacter ? "character" : "dictionary";
    if (r.measured == 0) {
      out += fmt::format("{:<20} {:<10} {:<10} {:>8} {:>9} {:>7} {:>6}  {}\n", r.name, kind, r.group, "n/a", "n/a",
                         "n/a", 0, r.description);
      continue;
    }
    out += fmt::format("{:<20} {:<10} {:<10} {:>7.1f}% {:>8.1f}% {:>7.3f} {:>6}  {}\n", r.name, kind, r.group, r.tpr1,
                       r.tpr01, r.median, r.measured, r.description);
  }
  out += "\nmacro average (mean of the families' rates)\n";
  for (std::string_view group : {"held out", "trained on", "sample"}) {
    for (DgaKind kind : {DgaKind::kCharacter, DgaKind::kDictionary}) {
      double sum1 = 0, sum01 = 0;
      std::size_t n = 0;
      for (const auto& r : results) {
        if (r.group != group || r.kind != kind || r.measured == 0) continue;
        sum1 += r.tpr1;
        sum01 += r.tpr01;
        ++n;
      }
      if (n == 0) continue;
      out += fmt::format("{:<10} {:<10} families {:>2}   TPR@1% {:>5.1f}%   TPR@0.1% {:>5.1f}%\n", group,
                         kind == DgaKind::kCharacter ? "character" : "dictionary", n, sum1 / static_cast<double>(n),
                         sum01 / static_cast<double>(n));
    }
  }
  // DNS Firewall Advanced's DGA protection as `simulate` evaluates it: the registered label's score at
  // each confidence threshold.
  const float* const level = threat_protection_thresholds().dga_score;
  auto share_at_least = [](const std::vector<double>& scores, float t) {
    std::size_t k = 0;
    for (double s : scores) k += static_cast<float>(std::exp(s)) >= t;
    return 100.0 * static_cast<double>(k) / static_cast<double>(std::max<std::size_t>(scores.size(), 1));
  };
  out += fmt::format(
      "\nDNS Firewall Advanced DGA simulated: the generated label's score at LOW >= {:.2f}, MEDIUM >= {:.2f}, HIGH >= "
      "{:.2f}\n{:<20} {:>10} {:>10} {:>10}\n{:<20} {:>9.2f}% {:>9.2f}% {:>9.2f}%\n",
      level[0], level[1], level[2], "family", "LOW", "MEDIUM", "HIGH", "benign (FPR)", share_at_least(benign, level[0]),
      share_at_least(benign, level[1]), share_at_least(benign, level[2]));
  for (const auto& r : results) {
    if (r.measured == 0) continue;  // every name was a training name
    out += fmt::format("{:<20} {:>9.1f}% {:>9.1f}% {:>9.1f}%\n", r.name, share_at_least(r.scores, level[0]),
                       share_at_least(r.scores, level[1]), share_at_least(r.scores, level[2]));
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace

void register_dga(CLI::App& app, CommandRegistry& registry) {
  CLI::App* dga =
      app.add_subcommand("dga", "The DGA scorer: train it on benign names, score names, measure it on DGA families");
  dga->require_subcommand(1);

  auto t = std::make_shared<TrainOptions>();
  CLI::App* tr = dga->add_subcommand("train",
                                     "Train a DGA model on benign names (default sources: Debian word lists, the "
                                     "public suffix list, the training half of popular sites) plus your own lists "
                                     "and logs, against DGA families' names");
  tr->add_option("-o,--output", t->output, "The model file to write")->required();
  tr->add_option("--words", t->words, "Extra word list, one word per line (repeatable)");
  tr->add_option("--labels", t->labels_files, "Benign domain names or labels, one per line (repeatable)");
  tr->add_option("--logs", t->logs, "Query logs whose resolved names are benign (repeatable; files or directories)");
  tr->add_option("--psl-section", t->psl_section, "Public suffix list labels to train on: icann, private, both, none")
      ->check(CLI::IsMember({"icann", "private", "both", "none"}))
      ->capture_default_str();
  tr->add_flag("--no-defaults", t->no_defaults, "Leave out the Debian word lists and the popular sites");
  tr->add_option("--dga-families", t->families,
                 "DGA families (from 'dnslens dga eval', comma-separated) whose names are the machine-made side, "
                 "or 'none'")
      ->delimiter(',')
      ->capture_default_str();
  tr->add_option("--seed", t->seed, "Seed for the held-out split and the synthetic counterexamples")
      ->capture_default_str();
  t->psl.add(tr);
  registry.add(tr, [t] { return train(*t); });

  auto s = std::make_shared<ScoreOptions>();
  CLI::App* sc = dga->add_subcommand("score", "Print the DGA score (0..1) of names; - reads names from stdin");
  sc->add_option("names", s->names, "Domain names")->required();
  sc->add_option("--dga-model", s->model, "Model file from 'dnslens dga train' (default: the built-in model)");
  s->psl.add(sc);
  registry.add(sc, [s] { return score(*s); });

  auto e = std::make_shared<EvalOptions>();
  CLI::App* ev = dga->add_subcommand("eval",
                                     "True-positive rate at 1% and 0.1% false-positive rate on DGA families against "
                                     "benign names the model was not trained on");
  ev->add_option("--dga-model", e->model, "Model file (default: the built-in model)");
  ev->add_option("--per-family", e->per_family, "Names generated per family")->capture_default_str();
  ev->add_option("--day", e->day, "First day (days since 1970-01-01) the families generate names for")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{2932896}))  // to 9999-12-31
      ->capture_default_str();
  ev->add_option("--benign", e->benign,
                 "Benign names, one per line (default: the evaluation half of the popular sites "
                 "scripts/fetch-benign-names.sh gathers)");
  ev->add_option("--trackers", e->trackers, "Tracker domains to report false positives on beside the benign names");
  ev->add_option("--samples", e->samples,
                 "Files of published names of one DGA family each, measured beside the generated ones (repeatable)");
  e->psl.add(ev);
  registry.add(ev, [e] { return eval(*e); });
}

}  // namespace dnslens::cli
