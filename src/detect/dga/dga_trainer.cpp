#include "detect/dga/dga_trainer.hpp"

#include <algorithm>
#include <cmath>

#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "io/read_file.hpp"

namespace dnslens {

namespace {

// splitmix64: a small deterministic generator for shuffling and synthesis.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  bool chance2() { return (next() & 1) != 0; }

 private:
  std::uint64_t state_;
};

std::string synthetic_label(SplitMix& rng) {
  static constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz";
  static constexpr std::string_view kAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::uint64_t kind = rng.below(4);
  std::string_view alphabet = kind <= 1 ? kLetters : kind == 2 ? kAlnum : kHex;
  std::size_t len = kind == 3 ? 8 + rng.below(25) : 6 + rng.below(19);
  std::string s;
  for (std::size_t i = 0; i < len; ++i) s.push_back(alphabet[rng.below(alphabet.size())]);
  return s;
}

// Benign shapes word lists lack but domain labels are full of: a word with a number ("cdn77",
// "web2"), two words run together or hyphenated ("stackoverflow", "my-shop"), and short acronyms
// ("bbc", "k8s"), which are too short to judge and must not look machine made.
std::string benign_variant(SplitMix& rng, const std::vector<std::string_view>& words) {
  static constexpr std::string_view kAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  const std::string_view a = words[rng.below(words.size())];
  const std::string_view b = words[rng.below(words.size())];
  switch (rng.below(4)) {
    case 0:
      return std::string(a) + std::to_string(rng.below(rng.chance2() ? 10 : 1000));
    case 1:
      return std::string(a) + std::string(b);
    case 2:
      return std::string(a) + "-" + std::string(b);
    default: {
      std::string s;
      const std::size_t len = 2 + rng.below(3);
      for (std::size_t i = 0; i < len; ++i) s.push_back(kAlnum[rng.below(kAlnum.size())]);
      return s;
    }
  }
}

void count_trigrams(std::string_view label, std::vector<std::uint32_t>& counts) {
  constexpr int V = DgaModel::kSymbols;
  int a = 0, b = 0;
  for (char ch : label) {
    int c = DgaModel::symbol(ch);
    ++counts[(static_cast<std::size_t>(a) * V + b) * V + c];
    a = b;
    b = c;
  }
  ++counts[(static_cast<std::size_t>(a) * V + b) * V + 0];
}

}  // namespace

bool add_label(std::string_view label, DgaTrainingData& data) {
  if (label.size() < 2 || label.size() > 63) return false;
  std::string s;
  s.reserve(label.size());
  for (char c : label) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (!((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' || l == '_')) return false;
    s.push_back(l);
  }
  data.labels.push_back(std::move(s));
  return true;
}

void add_word_list(const std::string& path, DgaTrainingData& data, std::size_t max_words) {
  std::string text = read_whole_file(path, "DGA training list", ErrorCode::kConfig);
  std::vector<std::string_view> words;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::string_view w = list_entry(take_line(rest));
    if (w.ends_with("'s")) w.remove_suffix(2);
    if (!w.empty()) words.push_back(w);
  }
  const std::size_t step = words.size() > max_words ? (words.size() + max_words - 1) / max_words : 1;
  std::size_t added = 0;
  for (std::size_t i = 0; i < words.size(); i += step) added += add_label(words[i], data);
  data.sources.push_back(fmt::format("{} ({} words)", path, added));
}

void add_psl_labels(const std::string& path, PslSection section, DgaTrainingData& data) {
  std::string text = read_whole_file(path, "DGA training list", ErrorCode::kConfig);
  bool in_private = false;
  std::size_t added = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::string_view line = trim_json_space(take_line(rest));
    if (line.starts_with("// ===BEGIN PRIVATE DOMAINS===")) in_private = true;
    if (line.empty() || line.starts_with("//")) continue;
    if (section == PslSection::kIcann && in_private) continue;
    if (section == PslSection::kPrivate && !in_private) continue;
    if (line.front() == '!') line.remove_prefix(1);
    while (!line.empty()) {
      std::size_t dot = line.find('.');
      std::string_view label = line.substr(0, dot);
      // The TLD says little about how people name things; xn-- labels are encodings.
      if (dot != std::string_view::npos && label != "*" && !label.starts_with("xn--")) added += add_label(label, data);
      if (dot == std::string_view::npos) break;
      line.remove_prefix(dot + 1);
    }
  }
  data.sources.push_back(fmt::format("{} {} section ({} labels)", path,
                                     section == PslSection::kIcann     ? "ICANN"
                                     : section == PslSection::kPrivate ? "private"
                                                                       : "whole",
                                     added));
}

std::vector<std::string> default_word_lists() {
  return {"/usr/share/dict/american-english",
          "/usr/share/dict/ngerman",
          "/usr/share/dict/french",
          "/usr/share/dict/spanish",
          "/usr/share/dict/italian",
          "/usr/share/dict/portuguese",
          "/usr/share/dict/dutch"};
}

DgaModel train_dga_model(const DgaTrainingData& data, const DgaTrainOptions& options) {
  absl::flat_hash_set<std::string_view> seen;
  std::vector<std::string_view> labels;
  for (const auto& l : data.labels) {
    if (seen.insert(l).second) labels.push_back(l);
  }
  if (labels.size() < 1000) {
    throw Error(ErrorCode::kConfig,
                fmt::format("DGA training needs at least 1000 distinct labels, got {}", labels.size()));
  }
  std::sort(labels.begin(), labels.end());  // input order must not change the model
  SplitMix rng(options.seed);
  for (std::size_t i = labels.size() - 1; i > 0; --i) std::swap(labels[i], labels[rng.below(i + 1)]);
  const std::size_t holdout = std::min(options.max_classifier_samples / 2,
                                       static_cast<std::size_t>(static_cast<double>(labels.size()) * options.holdout));

  std::vector<std::uint32_t> counts(
      static_cast<std::size_t>(DgaModel::kSymbols) * DgaModel::kSymbols * DgaModel::kSymbols, 0);
  std::vector<std::string_view> counted(labels.begin() + static_cast<std::ptrdiff_t>(holdout), labels.end());
  for (std::string_view l : counted) count_trigrams(l, counts);
  // Word boundaries inside labels ("stackoverflow") are as common as the words themselves.
  for (std::size_t i = 0; i < counted.size() / 3; ++i) {
    std::string joined =
        std::string(counted[rng.below(counted.size())]) + std::string(counted[rng.below(counted.size())]);
    if (joined.size() <= 63) count_trigrams(joined, counts);
  }
  DgaModel model = DgaModel::from_counts(std::move(counts));

  // Logistic regression on standardized features: held-out benign labels (0) against synthetic
  // machine-generated ones (1), equally many.
  std::vector<DgaModel::Features> x;
  std::vector<double> y;
  const std::vector<std::string_view> heldout(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(holdout));
  for (std::size_t i = 0; i < holdout; ++i) {
    // Three of four benign examples are held-out labels, one a benign variant built from them.
    const std::string variant = i % 4 == 3 ? benign_variant(rng, heldout) : std::string(heldout[i]);
    x.push_back(model.features(variant));
    y.push_back(0);
    x.push_back(model.features(synthetic_label(rng)));
    y.push_back(1);
  }
  constexpr int F = DgaModel::kFeatures;
  DgaModel::Features mean{}, scale{};
  for (const auto& f : x) {
    for (int k = 0; k < F; ++k) mean[k] += f[k];
  }
  for (double& m : mean) m /= static_cast<double>(x.size());
  for (const auto& f : x) {
    for (int k = 0; k < F; ++k) scale[k] += (f[k] - mean[k]) * (f[k] - mean[k]);
  }
  for (double& s : scale) s = std::sqrt(s / static_cast<double>(x.size()));
  for (double& s : scale) {
    if (!(s > 1e-9)) s = 1;
  }
  for (auto& f : x) {
    for (int k = 0; k < F; ++k) f[k] = (f[k] - mean[k]) / scale[k];
  }
  DgaModel::Features w{};
  double bias = 0;
  constexpr double kRate = 0.5, kL2 = 1e-3;
  for (int iter = 0; iter < 400; ++iter) {
    DgaModel::Features grad{};
    double grad_bias = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      double z = bias;
      for (int k = 0; k < F; ++k) z += w[k] * x[i][k];
      double err = 1.0 / (1.0 + std::exp(-z)) - y[i];
      for (int k = 0; k < F; ++k) grad[k] += err * x[i][k];
      grad_bias += err;
    }
    const double n = static_cast<double>(x.size());
    for (int k = 0; k < F; ++k) w[k] -= kRate * (grad[k] / n + kL2 * w[k]);
    bias -= kRate * grad_bias / n;
  }
  model.set_classifier(mean, scale, bias, w);
  std::string description = fmt::format(
      "trigram counts from {} labels, classifier fitted on {} held-out labels and as many synthetic ones; sources: ",
      labels.size() - holdout, holdout);
  for (std::size_t i = 0; i < data.sources.size(); ++i) description += (i ? "; " : "") + data.sources[i];
  model.set_description(std::move(description));
  model.set_label_count(labels.size());
  return model;
}

}  // namespace dnslens
