#include "detect/dga/dga_model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "io/read_file.hpp"

namespace dnslens {

namespace {

constexpr std::size_t kTable = static_cast<std::size_t>(DgaModel::kSymbols) * DgaModel::kSymbols * DgaModel::kSymbols;
constexpr std::string_view kFormat1 = "dnslens-dga-model 1";
constexpr std::string_view kFormat = "dnslens-dga-model 2";

char symbol_char(int s) {
  if (s == 0) return '^';
  if (s <= 26) return static_cast<char>('a' + s - 1);
  if (s <= 36) return static_cast<char>('0' + s - 27);
  if (s == 37) return '-';
  if (s == 38) return '_';
  return '?';
}

int char_symbol(char c) {
  if (c == '^') return 0;
  if (c == '?') return 39;
  return DgaModel::symbol(c);
}

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

}  // namespace

// Witten-Bell interpolation: each order backs off to the one below in proportion to how many
// distinct characters followed its context, so unseen trigrams keep a sensible probability.
DgaModel DgaModel::from_counts(std::vector<std::uint32_t> tri) {
  if (tri.size() != kTable) throw Error(ErrorCode::kConfig, "DGA model: wrong trigram table size");
  constexpr int V = kSymbols;
  std::vector<double> bi(static_cast<std::size_t>(V) * V, 0), uni(V, 0);
  std::vector<double> ctx2(static_cast<std::size_t>(V) * V, 0), types2(static_cast<std::size_t>(V) * V, 0);
  for (int a = 0; a < V; ++a) {
    for (int b = 0; b < V; ++b) {
      for (int c = 0; c < V; ++c) {
        double n = tri[(static_cast<std::size_t>(a) * V + b) * V + c];
        if (n == 0) continue;
        bi[static_cast<std::size_t>(b) * V + c] += n;
        uni[c] += n;
        ctx2[static_cast<std::size_t>(a) * V + b] += n;
        types2[static_cast<std::size_t>(a) * V + b] += 1;
      }
    }
  }
  double total = 0;
  for (double u : uni) total += u;
  std::vector<double> p1(V), p2(static_cast<std::size_t>(V) * V);
  for (int c = 0; c < V; ++c) p1[c] = (uni[c] + 1) / (total + V);
  for (int b = 0; b < V; ++b) {
    double ctx = 0, types = 0;
    for (int c = 0; c < V; ++c) {
      double n = bi[static_cast<std::size_t>(b) * V + c];
      ctx += n;
      types += n > 0;
    }
    for (int c = 0; c < V; ++c) {
      double n = bi[static_cast<std::size_t>(b) * V + c];
      p2[static_cast<std::size_t>(b) * V + c] = ctx > 0 ? (n + types * p1[c]) / (ctx + types) : p1[c];
    }
  }
  DgaModel m;
  m.log_prob_.resize(kTable);
  for (int a = 0; a < V; ++a) {
    for (int b = 0; b < V; ++b) {
      double ctx = ctx2[static_cast<std::size_t>(a) * V + b], types = types2[static_cast<std::size_t>(a) * V + b];
      for (int c = 0; c < V; ++c) {
        std::size_t i = (static_cast<std::size_t>(a) * V + b) * V + c;
        double back = p2[static_cast<std::size_t>(b) * V + c];
        double p = ctx > 0 ? (tri[i] + types * back) / (ctx + types) : back;
        m.log_prob_[i] = static_cast<float>(-std::log2(p));
      }
    }
  }
  m.counts_ = std::move(tri);
  return m;
}

double DgaModel::bits_per_char(std::string_view label) const {
  if (label.size() > 63) label = label.substr(0, 63);
  int a = 0, b = 0;
  double bits = 0;
  for (char ch : label) {
    int c = symbol(ch);
    bits += log_prob_[(static_cast<std::size_t>(a) * kSymbols + b) * kSymbols + c];
    a = b;
    b = c;
  }
  bits += log_prob_[(static_cast<std::size_t>(a) * kSymbols + b) * kSymbols + 0];
  return bits / static_cast<double>(label.size() + 1);
}

DgaModel::Features DgaModel::features(std::string_view label) const {
  if (label.size() > 63) label = label.substr(0, 63);
  Features f{};
  const double bpc = bits_per_char(label);
  std::size_t digits = 0, letters = 0, vowels = 0;
  bool hyphen = false;
  for (char c : label) {
    if (c >= '0' && c <= '9')
      ++digits;
    else if (c >= 'a' && c <= 'z') {
      ++letters;
      vowels += is_vowel(c);
    } else if (c == '-')
      hyphen = true;
  }
  const double len = static_cast<double>(std::max<std::size_t>(label.size(), 1));
  f[0] = bpc;
  f[1] = std::log2(len);
  f[2] = static_cast<double>(digits) / len;
  f[3] = hyphen ? 1.0 : 0.0;
  f[4] = letters ? static_cast<double>(vowels) / static_cast<double>(letters) : 0.0;
  f[5] = bpc * (len + 1) / 100.0;
  if (!terminal_.empty()) {
    const WordCover cover = word_cover(label);
    f[6] = static_cast<double>(cover.covered) / len;
    f[7] = std::log2(1.0 + static_cast<double>(cover.words));
  }
  return f;
}

void DgaModel::set_words(std::vector<std::string> words) {
  std::erase_if(words, [](const std::string& w) {
    if (w.size() < kMinWord || w.size() > kMaxWord) return true;
    return !std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  });
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  // Build the trie level by level from the sorted words: a node is a distinct prefix; its children,
  // in letter order, are the distinct prefixes one letter longer.
  struct Node {
    std::uint32_t begin, end;  // the words sharing this prefix
    std::uint32_t depth;
  };
  std::vector<Node> nodes = {{0, static_cast<std::uint32_t>(words.size()), 0}};
  first_edge_.clear();
  edges_.clear();
  terminal_.clear();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Node n = nodes[i];
    first_edge_.push_back(static_cast<std::uint32_t>(edges_.size()));
    std::uint32_t w = n.begin;
    terminal_.push_back(w < n.end && words[w].size() == n.depth);
    if (terminal_.back()) ++w;
    while (w < n.end) {
      const char c = words[w][n.depth];
      std::uint32_t e = w;
      while (e < n.end && words[e][n.depth] == c) ++e;
      edges_.push_back({c, static_cast<std::uint32_t>(nodes.size())});
      nodes.push_back({w, e, n.depth + 1});
      w = e;
    }
  }
  first_edge_.push_back(static_cast<std::uint32_t>(edges_.size()));
  first_edge_.shrink_to_fit();
  edges_.shrink_to_fit();
  terminal_.shrink_to_fit();
}

std::vector<std::string> DgaModel::words() const {
  std::vector<std::string> out;
  if (terminal_.empty()) return out;
  // Depth first, children in letter order: the words come out sorted.
  std::string prefix;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> stack = {{0, first_edge_[0]}};  // node, next edge
  while (!stack.empty()) {
    auto& [node, edge] = stack.back();
    if (edge == first_edge_[node] && terminal_[node]) out.push_back(prefix);
    if (edge == first_edge_[node + 1]) {
      stack.pop_back();
      if (!prefix.empty()) prefix.pop_back();
      continue;
    }
    const Edge e = edges_[edge++];
    prefix.push_back(e.c);
    stack.push_back({e.child, first_edge_[e.child]});
  }
  return out;
}

DgaModel::WordCover DgaModel::word_cover(std::string_view label) const {
  WordCover cover;
  if (terminal_.empty()) return cover;
  std::size_t i = 0;
  while (i < label.size()) {
    // The longest word starting at i.
    std::uint32_t node = 0;
    std::size_t longest = 0;
    for (std::size_t j = i; j < label.size(); ++j) {
      const std::uint32_t* const begin = &first_edge_[node];
      std::uint32_t next = 0;
      for (std::uint32_t e = begin[0]; e < begin[1]; ++e) {
        if (edges_[e].c == label[j]) {
          next = edges_[e].child;
          break;
        }
        if (edges_[e].c > label[j]) break;
      }
      if (next == 0) break;
      node = next;
      if (terminal_[node]) longest = j + 1 - i;
    }
    if (longest == 0) {
      ++i;
      continue;
    }
    cover.covered += longest;
    ++cover.words;
    i += longest;
  }
  return cover;
}

double DgaModel::logit(std::string_view label) const {
  if (label.size() > 63) label = label.substr(0, 63);
  Features f = features(label);
  double z = bias_;
  for (int i = 0; i < kFeatures; ++i) z += weights_[i] * (f[i] - mean_[i]) / scale_[i];
  if (!ngram_weights_.empty()) {
    float g = 0;
    for_each_ngram(label, [&](std::size_t bucket) { g += ngram_weights_[bucket]; });
    z += g;
  }
  return z;
}

namespace {

// Two to five characters are too few to tell a machine-made label from an acronym ("bbc", "k8s"):
// the score is scaled down linearly below six characters.
double length_confidence(std::string_view label) {
  return std::clamp((static_cast<double>(std::min<std::size_t>(label.size(), 63)) - 2.0) / 4.0, 0.0, 1.0);
}

}  // namespace

float DgaModel::score(std::string_view label) const {
  if (label.empty() || log_prob_.empty()) return 0;
  return static_cast<float>(length_confidence(label) / (1.0 + std::exp(-logit(label))));
}

double DgaModel::log_score(std::string_view label) const {
  const double confidence = label.empty() || log_prob_.empty() ? 0.0 : length_confidence(label);
  if (confidence == 0) return -std::numeric_limits<double>::infinity();
  // log(sigmoid(z)) = -softplus(-z), computed without overflow for any z.
  const double z = logit(label);
  const double softplus = z < 0 ? -z + std::log1p(std::exp(z)) : std::log1p(std::exp(-z));
  return std::log(confidence) - softplus;
}

void DgaModel::set_classifier(const Features& mean, const Features& scale, double bias, const Features& weights) {
  mean_ = mean;
  scale_ = scale;
  for (double& s : scale_) {
    if (!(s > 1e-9)) s = 1;
  }
  bias_ = bias;
  weights_ = weights;
}

std::string DgaModel::serialize() const {
  std::string out = "# dnslens DGA model: a character trigram model of benign labels and a logistic regression.\n";
  out += fmt::format("format {}\n", kFormat);
  out += "description ";
  for (char c : description_) out += (c == '\n' || c == '\r') ? ' ' : c;
  out += fmt::format("\nlabels {}\n", label_count_);
  auto row = [&](std::string_view name, const Features& v) {
    out += name;
    for (double x : v) out += fmt::format(" {:.9g}", x);
    out += '\n';
  };
  row("mean", mean_);
  row("scale", scale_);
  out += fmt::format("bias {:.9g}\n", bias_);
  row("weights", weights_);
  const std::vector<std::string> vocabulary = words();
  for (std::size_t i = 0; i < vocabulary.size(); i += 64) {
    out += "w";
    for (std::size_t k = i; k < std::min(vocabulary.size(), i + 64); ++k) out += " " + vocabulary[k];
    out += '\n';
  }
  if (!ngram_weights_.empty()) {
    out += fmt::format("ngrams {}\n", kNgramBuckets);
    for (std::size_t i = 0; i < ngram_weights_.size(); ++i) {
      if (ngram_weights_[i] != 0) out += fmt::format("g {} {:.6g}\n", i, ngram_weights_[i]);
    }
  }
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    int a = static_cast<int>(i / (kSymbols * kSymbols)), b = static_cast<int>(i / kSymbols % kSymbols),
        c = static_cast<int>(i % kSymbols);
    out += fmt::format("t {}{}{} {}\n", symbol_char(a), symbol_char(b), symbol_char(c), counts_[i]);
  }
  return out;
}

DgaModel DgaModel::load_file(const std::string& path) {
  return parse(read_whole_file(path, "DGA model", ErrorCode::kConfig), path);
}

DgaModel DgaModel::parse(std::string_view text, std::string_view origin) {
  text = without_bom(text);
  std::vector<std::uint32_t> counts(kTable, 0);
  Features mean{}, scale{}, weights{};
  double bias = 0;
  std::string description;
  std::uint64_t labels = 0;
  std::vector<float> ngrams;
  bool format_seen = false, classifier_seen = false;
  std::size_t line_no = 0;
  auto fail = [&](std::string_view why) {
    throw Error(ErrorCode::kConfig, fmt::format("{}: line {}: {}", origin, line_no, why));
  };
  // Every number of the classifier within +-1e6: a score is then finite whatever the label (weights of
  // 1e300 could add up to inf - inf, a NaN score). Trained models stay far below it.
  auto parse_double = [&](std::string_view s) {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || !std::isfinite(v)) fail("not a number: " + std::string(s));
    if (!(std::abs(v) <= 1e6)) fail("out of range (beyond +-1e6): " + std::string(s));
    return v;
  };
  int row_features = kFeatures;
  std::vector<std::string> words;
  auto parse_row = [&](std::string_view rest, Features& out) {
    for (int i = 0; i < row_features; ++i) {
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      std::size_t sp = rest.find(' ');
      std::string_view tok = rest.substr(0, sp);
      if (tok.empty()) fail("expected " + std::to_string(row_features) + " numbers");
      out[i] = parse_double(tok);
      rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp);
    }
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (!rest.empty()) fail("expected " + std::to_string(row_features) + " numbers");
  };
  while (!text.empty()) {
    ++line_no;
    std::string_view line = take_line(text);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    std::size_t sp = line.find(' ');
    std::string_view key = line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    if (key == "format") {
      if (rest != kFormat && rest != kFormat1) fail("unsupported format '" + std::string(rest) + "'");
      row_features = rest == kFormat1 ? kFormat1Features : kFeatures;
      format_seen = true;
    } else if (!format_seen) {
      fail("the first entry must be 'format " + std::string(kFormat) + "'");
    } else if (key == "description") {
      description = std::string(rest);
    } else if (key == "labels") {
      // Not through a double: 1e300 or -1 would not convert back.
      auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), labels);
      if (ec != std::errc{} || p != rest.data() + rest.size())
        fail("labels is not a whole number from 0 to 2^64-1: " + std::string(rest));
    } else if (key == "mean") {
      parse_row(rest, mean);
    } else if (key == "scale") {
      parse_row(rest, scale);
    } else if (key == "weights") {
      parse_row(rest, weights);
      classifier_seen = true;
    } else if (key == "bias") {
      bias = parse_double(rest);
    } else if (key == "w") {
      while (!rest.empty()) {
        std::size_t sp2 = rest.find(' ');
        std::string_view word = rest.substr(0, sp2);
        if (!word.empty()) words.emplace_back(word);
        rest = sp2 == std::string_view::npos ? std::string_view{} : rest.substr(sp2 + 1);
      }
    } else if (key == "ngrams") {
      if (rest != std::to_string(kNgramBuckets)) fail("ngrams must be " + std::to_string(kNgramBuckets));
      ngrams.assign(kNgramBuckets, 0.0f);
    } else if (key == "g") {
      if (ngrams.empty()) fail("'g' before 'ngrams'");
      std::size_t sp2 = rest.find(' ');
      std::size_t bucket = 0;
      auto [p, ec] = std::from_chars(rest.data(), rest.data() + std::min(sp2, rest.size()), bucket);
      if (sp2 == std::string_view::npos || ec != std::errc{} || p != rest.data() + sp2 || bucket >= kNgramBuckets)
        fail("expected 'g <bucket below " + std::to_string(kNgramBuckets) + "> <weight>'");
      ngrams[bucket] = static_cast<float>(parse_double(rest.substr(sp2 + 1)));
    } else if (key == "t") {
      if (rest.size() < 5 || rest[3] != ' ') fail("expected 't <3 symbols> <count>'");
      std::uint32_t n = 0;
      auto [p, ec] = std::from_chars(rest.data() + 4, rest.data() + rest.size(), n);
      if (ec != std::errc{} || p != rest.data() + rest.size()) fail("bad trigram count");
      int a = char_symbol(rest[0]), b = char_symbol(rest[1]), c = char_symbol(rest[2]);
      counts[(static_cast<std::size_t>(a) * kSymbols + b) * kSymbols + c] = n;
    } else {
      fail("unknown entry '" + std::string(key) + "'");
    }
  }
  if (!format_seen)
    throw Error(ErrorCode::kConfig, fmt::format("{}: not a dnslens DGA model (no format line)", origin));
  if (!classifier_seen) throw Error(ErrorCode::kConfig, fmt::format("{}: no classifier weights", origin));
  DgaModel m = from_counts(std::move(counts));
  m.set_classifier(mean, scale, bias, weights);
  m.ngram_weights_ = std::move(ngrams);
  if (!words.empty()) m.set_words(std::move(words));
  m.description_ = std::move(description);
  m.label_count_ = labels;
  return m;
}

}  // namespace dnslens
