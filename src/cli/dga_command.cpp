// dnslens dga train | score | eval: the character model behind the DGA score, retrainable on a
// site's own benign logs and measured against real DGA families.
#include <algorithm>
#include <cstdio>
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
#include "detect/dga/dga_families.hpp"
#include "enrich/dns_firewall/threat_protection.hpp"
#include "detect/dga/dga_trainer.hpp"
#include "detect/name_features/name_features.hpp"
#include "io/read_file.hpp"
#include "pipeline/pipeline.hpp"
#include "io/output_sink.hpp"

namespace dnslens::cli {

namespace {

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
  std::string psl_section = "icann";
  bool no_defaults = false;
  std::string output;
  std::uint64_t seed = 1;
  PslOptions psl;
};

int train(const TrainOptions& o) {
  DgaTrainingData data;
  if (!o.no_defaults) {
    for (const auto& w : default_word_lists()) add_word_list(w, data);
  }
  for (const auto& w : o.words) add_word_list(w, data);
  const std::string psl_path = o.psl.path.empty() ? DNSLENS_DEFAULT_PSL : o.psl.path;
  if (o.psl_section != "none") {
    add_psl_labels(psl_path,
                   o.psl_section == "icann"     ? PslSection::kIcann
                   : o.psl_section == "private" ? PslSection::kPrivate
                                                : PslSection::kBoth,
                   data);
  }
  PublicSuffixList psl = o.psl.load();
  char buf[kMaxNormalizedName];
  for (const auto& f : o.labels_files) {
    std::string text = read_whole_file(f, "label list", ErrorCode::kConfig);
    std::string_view rest = text;
    std::size_t added = 0;
    while (!rest.empty()) {
      std::string_view entry = list_entry(take_line(rest));
      if (entry.empty()) continue;
      NormalizedName norm = normalize_name(entry, buf);
      if (!norm.valid_syntax) continue;
      DomainParts parts = psl.split(norm.text);
      added += add_label(dga_label(norm.text, parts.registered_domain, parts.public_suffix), data);
    }
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
    for (const auto& l : labels) added += add_label(l, data);
    data.sources.push_back(fmt::format("resolved names in {} records of query logs ({} distinct labels)",
                                       summary.counters.records, added));
  }
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
  std::uint64_t seed = 20261122;
  PslOptions psl;
};

// The threshold above which at most `fpr` of the benign scores lie.
float threshold_at(std::vector<float> benign, double fpr) {
  std::sort(benign.begin(), benign.end(), std::greater<>());
  auto k = static_cast<std::size_t>(fpr * static_cast<double>(benign.size()));
  return benign[std::min(k, benign.size() - 1)];
}

int eval(const EvalOptions& o) {
  DgaModel model = load_model(o.model);
  PublicSuffixList psl = o.psl.load();
  // Benign: labels of the public suffix list's private section (companies' and services' own
  // domains), which the shipped model does not train on.
  DgaTrainingData benign_data;
  add_psl_labels(o.psl.path.empty() ? DNSLENS_DEFAULT_PSL : o.psl.path, PslSection::kPrivate, benign_data);
  absl::flat_hash_set<std::string> benign_set(benign_data.labels.begin(), benign_data.labels.end());
  std::vector<float> benign;
  for (const auto& l : benign_set) benign.push_back(model.score(l));
  const float t1 = threshold_at(benign, 0.01), t01 = threshold_at(benign, 0.001);
  DgaTrainingData words;
  add_word_list("/usr/share/dict/american-english", words, 20000);
  std::string out = fmt::format(
      "DGA scorer evaluation: {} benign labels (public suffix list, private section), {} names per family\n"
      "threshold at 1% FPR: {:.3f}   at 0.1% FPR: {:.3f}\n\n"
      "{:<16} {:>10} {:>10} {:>10}  {}\n",
      benign.size(), o.per_family, t1, t01, "family", "TPR@1%", "TPR@0.1%", "median", "how names are built");
  // DNS Firewall Advanced's DGA protection as `simulate` evaluates it: the registered label's score at
  // each confidence threshold.
  const float* const level = threat_protection_thresholds().dga_score;
  auto share_at_least = [](const std::vector<float>& scores, float t) {
    std::size_t k = 0;
    for (float s : scores) k += s >= t;
    return 100.0 * static_cast<double>(k) / static_cast<double>(std::max<std::size_t>(scores.size(), 1));
  };
  std::string advanced = fmt::format(
      "\nDNS Firewall Advanced DGA simulated: the generated label's score at LOW >= {:.2f}, MEDIUM >= {:.2f}, HIGH >= "
      "{:.2f}\n{:<16} {:>10} {:>10} {:>10}\n{:<16} {:>9.2f}% {:>9.2f}% {:>9.2f}%\n",
      level[0], level[1], level[2], "family", "LOW", "MEDIUM", "HIGH", "benign (FPR)", share_at_least(benign, level[0]),
      share_at_least(benign, level[1]), share_at_least(benign, level[2]));
  for (DgaFamily f : kAllDgaFamilies) {
    std::vector<std::string> names = generate_dga_domains(f, o.seed, o.per_family, words.labels);
    std::vector<float> scores;
    // Every family generates the first label; the rest is a fixed suffix (a TLD, or a dynamic-DNS
    // domain the public suffix list may not know).
    for (const auto& n : names) scores.push_back(model.score(std::string_view(n).substr(0, n.find('.'))));
    std::size_t above1 = 0, above01 = 0;
    for (float s : scores) {
      above1 += s > t1;
      above01 += s > t01;
    }
    std::sort(scores.begin(), scores.end());
    const double n = static_cast<double>(std::max<std::size_t>(scores.size(), 1));
    out += fmt::format("{:<16} {:>9.1f}% {:>9.1f}% {:>10.3f}  {}\n", dga_family_name(f),
                       100.0 * static_cast<double>(above1) / n, 100.0 * static_cast<double>(above01) / n,
                       scores.empty() ? 0.0f : scores[scores.size() / 2], dga_family_description(f));
    advanced +=
        fmt::format("{:<16} {:>9.1f}% {:>9.1f}% {:>9.1f}%\n", dga_family_name(f), share_at_least(scores, level[0]),
                    share_at_least(scores, level[1]), share_at_least(scores, level[2]));
  }
  out += advanced;
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
                                     "Train a DGA model on benign names (default sources: Debian word lists and the "
                                     "public suffix list's ICANN section) plus your own lists and logs");
  tr->add_option("-o,--output", t->output, "The model file to write")->required();
  tr->add_option("--words", t->words, "Extra word list, one word per line (repeatable)");
  tr->add_option("--labels", t->labels_files, "Benign domain names or labels, one per line (repeatable)");
  tr->add_option("--logs", t->logs, "Query logs whose resolved names are benign (repeatable; files or directories)");
  tr->add_option("--psl-section", t->psl_section, "Public suffix list labels to train on: icann, private, both, none")
      ->check(CLI::IsMember({"icann", "private", "both", "none"}))
      ->capture_default_str();
  tr->add_flag("--no-defaults", t->no_defaults, "Leave out the Debian word lists");
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
  ev->add_option("--seed", e->seed, "Seed (date) for the families")->capture_default_str();
  e->psl.add(ev);
  registry.add(ev, [e] { return eval(*e); });
}

}  // namespace dnslens::cli
