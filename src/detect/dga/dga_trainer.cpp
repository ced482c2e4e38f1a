#include "detect/dga/dga_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "detect/dga/dga_family_catalog.hpp"
#include "detect/name_features/name_features.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"
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
  static constexpr std::string_view kConsonants = "bcdfghjklmnpqrstvwxz";
  static constexpr std::string_view kVowels = "aeiouy";
  const std::uint64_t kind = rng.below(8);
  std::string s;
  if (kind >= 6) {
    // Pronounceable: consonants and vowels alternating, as several families build names to pass
    // character statistics.
    const std::size_t len = 6 + rng.below(11);
    bool vowel = rng.chance2();
    for (std::size_t i = 0; i < len; ++i, vowel = !vowel) {
      const std::string_view from = vowel ? kVowels : kConsonants;
      s.push_back(from[rng.below(from.size())]);
    }
    return s;
  }
  const std::string_view alphabet = kind <= 3 ? kLetters : kind == 4 ? kAlnum : kHex;
  const std::size_t len = kind == 5 ? 8 + rng.below(25) : 6 + rng.below(19);
  for (std::size_t i = 0; i < len; ++i) s.push_back(alphabet[rng.below(alphabet.size())]);
  return s;
}

// Benign shapes word lists lack but domain labels are full of: a word with a number ("cdn77",
// "web2"), two words run together or hyphenated ("stackoverflow", "my-shop"), and short acronyms
// ("bbc", "k8s"), which are too short to judge and must not look machine made.
// Compounds join words of the vocabulary (what people name things with), other shapes held-out words.
std::string benign_variant(SplitMix& rng, const std::vector<std::string_view>& heldout,
                           const std::vector<std::string_view>& vocabulary) {
  static constexpr std::string_view kAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  const std::vector<std::string_view>& words = vocabulary.empty() ? heldout : vocabulary;
  const std::string_view a = words[rng.below(words.size())];
  const std::string_view b = words[rng.below(words.size())];
  switch (rng.below(7)) {
    case 0:
      return std::string(a) + std::to_string(rng.below(rng.chance2() ? 10 : 1000));
    case 1:
      return std::string(a) + std::string(b);
    case 2:
      return std::string(a) + "-" + std::string(b);
    case 3: {
      // Three words run together ("theodysseyonline", "daytondailynews").
      std::string s = std::string(a) + std::string(b) + std::string(words[rng.below(words.size())]);
      return s.size() <= 40 ? s : std::string(a) + std::string(b);
    }
    case 4: {
      // Words without their vowels, as brands abbreviate them ("crwdcntrl", "mstrlytcs").
      std::string s;
      for (std::string_view w : {a, b}) {
        for (std::size_t i = 0; i < w.size(); ++i) {
          if (i == 0 || std::string_view("aeiou").find(w[i]) == std::string_view::npos) s.push_back(w[i]);
        }
      }
      return s;
    }
    case 5:
      // An acronym in front of a word ("kvdveganbeauty", "nbcnews").
      return std::string(1, kAlnum[rng.below(26)]) + std::string(1, kAlnum[rng.below(26)]) +
             std::string(rng.chance2() ? 1 : 0, kAlnum[rng.below(26)]) + std::string(a);
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

SiteHalf site_half(std::string_view label) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (char c : label) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return (h >> 17) & 1 ? SiteHalf::kEvaluation : SiteHalf::kTraining;
}

std::vector<std::string> registered_labels(const std::string& path, const std::string& psl_path,
                                           std::string_view what) {
  // Registered under the ICANN section, as popularity rankings count domains: a CDN's random
  // distribution ids (d1a2b3c4.cloudfront.net) are its customers' hosts, not domains of their own.
  const PublicSuffixList psl = PublicSuffixList::load_file(psl_path, PslScope::kIcannOnly);
  std::string text = read_whole_file(path, what, ErrorCode::kConfig);
  std::string_view rest = text;
  char buf[kMaxNormalizedName];
  absl::flat_hash_set<std::string> seen;
  std::vector<std::string> labels;
  while (!rest.empty()) {
    std::string_view entry = list_entry(take_line(rest));
    if (entry.empty()) continue;
    NormalizedName norm = normalize_name(entry, buf);
    if (!norm.valid_syntax) continue;
    DomainParts parts = psl.split(norm.text);
    std::string label(dga_label(norm.text, parts.registered_domain, parts.public_suffix));
    if (!label.empty() && seen.insert(label).second) labels.push_back(std::move(label));
  }
  return labels;
}

void add_popular_sites(const std::string& path, const std::string& psl_path, SiteHalf half, DgaTrainingData& data) {
  std::size_t added = 0;
  for (const auto& l : registered_labels(path, psl_path, "popular site list")) {
    if (site_half(l) == half) added += add_label(l, data, LabelKind::kDomain);
  }
  // The file's name, not its path: the shipped model's description must not depend on the checkout.
  data.sources.push_back(fmt::format("popular sites {} ({} registered labels, the {} half)",
                                     std::filesystem::path(path).filename().string(), added,
                                     half == SiteHalf::kTraining ? "training" : "evaluation"));
}

void add_dga_family_labels(const std::vector<std::string>& families, std::int64_t first_day, std::size_t count,
                           DgaTrainingData& data) {
  for (const auto& name : families) {
    const DgaFamilyInfo* family = find_dga_family(name);
    if (family == nullptr) throw Error(ErrorCode::kConfig, fmt::format("no DGA family named '{}'", name));
    std::size_t added = 0;
    for (const auto& domain : family->generate(first_day, count)) {
      DgaTrainingData one;
      if (add_label(std::string_view(domain).substr(0, domain.find('.')), one)) {
        data.machine_labels.push_back(std::move(one.labels.front()));
        ++added;
      }
    }
    data.sources.push_back(fmt::format("DGA family {} ({} labels)", name, added));
  }
}

bool add_label(std::string_view label, DgaTrainingData& data, LabelKind kind) {
  if (label.size() < 2 || label.size() > 63) return false;
  std::string s;
  s.reserve(label.size());
  for (char c : label) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (!((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' || l == '_')) return false;
    s.push_back(l);
  }
  (kind == LabelKind::kWord ? data.labels : data.domain_labels).push_back(std::move(s));
  return true;
}

void add_word_list(const std::string& path, DgaTrainingData& data, std::size_t max_words, bool vocabulary) {
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
  for (std::size_t i = 0; i < words.size(); i += step) {
    if (add_label(words[i], data)) {
      ++added;
      if (vocabulary) data.vocabulary.push_back(data.labels.back());
    }
  }
  data.sources.push_back(fmt::format("{} ({} words{})", path, added, vocabulary ? ", read labels with" : ""));
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
      if (dot != std::string_view::npos && label != "*" && !label.starts_with("xn--"))
        added += add_label(label, data, LabelKind::kDomain);
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
  std::vector<std::string_view> labels, domains;
  for (const auto& l : data.domain_labels) {
    if (seen.insert(l).second) domains.push_back(l);
  }
  for (const auto& l : data.labels) {
    if (seen.insert(l).second) labels.push_back(l);
  }
  if (labels.size() + domains.size() < 1000) {
    throw Error(ErrorCode::kConfig, fmt::format("DGA training needs at least 1000 distinct labels, got {}",
                                                labels.size() + domains.size()));
  }
  SplitMix rng(options.seed);
  for (auto* v : {&labels, &domains}) {
    std::sort(v->begin(), v->end());  // input order must not change the model
    for (std::size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[rng.below(i)]);
  }
  // Words: a share held out of the trigram counts for the classifier; domain labels: half, since
  // they are few and are what the classifier must learn to leave alone.
  const std::size_t holdout = std::min(options.max_classifier_samples / 2,
                                       static_cast<std::size_t>(static_cast<double>(labels.size()) * options.holdout));
  const std::size_t domain_holdout = domains.size() / 2;

  std::vector<std::uint32_t> counts(
      static_cast<std::size_t>(DgaModel::kSymbols) * DgaModel::kSymbols * DgaModel::kSymbols, 0);
  std::vector<std::string_view> counted(labels.begin() + static_cast<std::ptrdiff_t>(holdout), labels.end());
  counted.insert(counted.end(), domains.begin() + static_cast<std::ptrdiff_t>(domain_holdout), domains.end());
  for (std::string_view l : counted) count_trigrams(l, counts);
  // Word boundaries inside labels ("stackoverflow") are as common as the words themselves.
  for (std::size_t i = 0; i < counted.size() / 3; ++i) {
    std::string joined =
        std::string(counted[rng.below(counted.size())]) + std::string(counted[rng.below(counted.size())]);
    if (joined.size() <= 63) count_trigrams(joined, counts);
  }
  DgaModel model = DgaModel::from_counts(std::move(counts));
  std::vector<std::string> vocabulary_words;
  {
    // The words labels are read as: vocabulary words and domain labels, but only those counted,
    // so that the classifier's held-out examples are read as new labels are.
    absl::flat_hash_set<std::string_view> counted_set(counted.begin(), counted.end());
    std::vector<std::string> vocabulary;
    for (const auto* v : {&data.vocabulary, &data.domain_labels}) {
      for (const auto& w : *v) {
        if (counted_set.contains(w)) vocabulary.push_back(w);
      }
    }
    model.set_words(std::move(vocabulary));
    vocabulary_words = model.words();  // sorted and unique: the input's order must not matter
  }

  const std::vector<std::string_view> vocabulary_views(vocabulary_words.begin(), vocabulary_words.end());
  // Logistic regression on standardized features and character n-grams: held-out benign labels (0)
  // against as many machine-made ones (1): synthetic, and the given families' labels when there are.
  std::vector<std::string> examples;
  std::vector<float> y;
  const std::vector<std::string_view> heldout(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(holdout));
  const std::vector<std::string_view> heldout_domains(domains.begin(),
                                                      domains.begin() + static_cast<std::ptrdiff_t>(domain_holdout));
  std::vector<std::string_view> machine;
  {
    absl::flat_hash_set<std::string_view> benign_set(labels.begin(), labels.end());
    benign_set.insert(domains.begin(), domains.end());
    for (const auto& l : data.machine_labels) {
      // A family label that is also a benign word teaches nothing but confusion.
      if (!benign_set.contains(l)) machine.push_back(l);
    }
    std::sort(machine.begin(), machine.end());
    machine.erase(std::unique(machine.begin(), machine.end()), machine.end());
    for (std::size_t i = machine.size(); i > 1; --i) std::swap(machine[i - 1], machine[rng.below(i)]);
  }
  // Four in ten benign examples are held-out domain labels, three held-out words, three benign
  // variants built from words; when one kind is missing (a model trained on one's own labels only),
  // the other stands in.
  const std::vector<std::string_view>& words_or_domains = heldout.empty() ? heldout_domains : heldout;
  const std::vector<std::string_view>& domains_or_words = heldout_domains.empty() ? heldout : heldout_domains;
  const std::size_t benign_examples = std::min(options.max_classifier_samples / 2, std::max(holdout, domain_holdout));
  for (std::size_t i = 0; i < benign_examples; ++i) {
    const std::size_t slot = i % 10;
    if (slot < 4)
      examples.emplace_back(domains_or_words[(i / 10 * 4 + slot) % domains_or_words.size()]);
    else if (slot >= 7)
      examples.push_back(benign_variant(rng, words_or_domains, vocabulary_views));
    else
      examples.emplace_back(words_or_domains[i % words_or_domains.size()]);
    y.push_back(0);
    examples.push_back(i % 2 == 1 && !machine.empty() ? std::string(machine[i / 2 % machine.size()])
                                                      : synthetic_label(rng));
    y.push_back(1);
  }
  constexpr int F = DgaModel::kFeatures;
  std::vector<DgaModel::Features> x;
  x.reserve(examples.size());
  for (const auto& e : examples) x.push_back(model.features(e));
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
  // Stochastic gradient descent in a fixed shuffled order, the step shrinking each pass; an L2
  // penalty keeps rare n-grams from memorising single labels.
  DgaModel::Features w{};
  double bias = 0;
  std::vector<float> ngram(DgaModel::kNgramBuckets, 0.0f);
  std::vector<std::size_t> order(x.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  constexpr double kL2 = 1e-6, kRate = 0.02, kNgramRate = 0.25;
  std::vector<std::size_t> buckets;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    const double rate = kRate / (1.0 + epoch);
    for (std::size_t i : order) {
      buckets.clear();
      DgaModel::for_each_ngram(examples[i], [&](std::size_t b) { buckets.push_back(b); });
      double z = bias;
      for (int k = 0; k < F; ++k) z += w[k] * x[i][k];
      for (std::size_t b : buckets) z += ngram[b];
      const double err = 1.0 / (1.0 + std::exp(-z)) - y[i];
      for (int k = 0; k < F; ++k) w[k] -= rate * (err * x[i][k] + kL2 * w[k]);
      // The n-grams learn at a quarter of the dense features' rate: many, each seen rarely, they
      // would otherwise make the model overconfident on the odd benign label (measured: the 0.1%-FPR
      // rate of held-out families 48.8% at the full rate, 52.1% at a quarter).
      for (std::size_t b : buckets) ngram[b] -= static_cast<float>(kNgramRate * rate * (err + kL2 * ngram[b]));
      bias -= rate * err;
    }
  }
  model.set_ngram_weights(std::move(ngram));
  model.set_classifier(mean, scale, bias, w);
  std::string description = fmt::format(
      "trigram counts from {} labels, classifier (8 features, word coverage among them, and character 2- and 3-grams) "
      "fitted on {} held-out labels and as "
      "many machine-made ones ({} distinct family labels, the rest synthetic); sources: ",
      counted.size(), benign_examples, machine.size());
  for (std::size_t i = 0; i < data.sources.size(); ++i) description += (i ? "; " : "") + data.sources[i];
  model.set_description(std::move(description));
  model.set_label_count(labels.size() + domains.size());
  return model;
}

}  // namespace dnslens
