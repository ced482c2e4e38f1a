#pragma once
// A character trigram model of benign domain labels plus a logistic regression on top of it: the
// DGA score of a label is the probability that it was machine generated rather than drawn from the
// language the model was trained on. The regression sees six dense features (the trigram model's
// surprise, length, digits, hyphen, vowels) and, from format 2 on, two word features (how much of the
// label reads as words) and a weight per character 2- and 3-gram (the label's start and end marked),
// which learn what machine-made labels of the training families and benign names look like. Built by train_dga_model()
// (dga_trainer.hpp); the text form written by serialize() is what `dnslens dga train` produces and what --dga-model
// loads (formats 1 and 2).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnslens {

class DgaModel {
 public:
  static constexpr int kSymbols = 40;  // boundary, a-z, 0-9, '-', '_', anything else
  static constexpr int kFeatures = 8;
  static constexpr int kFormat1Features = 6;  // format 1 models lack the word features
  static constexpr std::array<std::string_view, kFeatures> kFeatureNames = {
      "bits_per_char", "log2_length", "digit_ratio",   "has_hyphen",
      "vowel_ratio",   "total_bits",  "word_coverage", "log2_words"};
  // Words of 4+ letters a label is read as (greedy, longest first): "cookingwithdog" is two words
  // covering 11 of its 14 letters ("dog" is too short), a random label next to none.
  static constexpr std::size_t kMinWord = 4, kMaxWord = 24;
  using Features = std::array<double, kFeatures>;
  // One weight per 2-gram and per 3-gram of symbols, kSymbols marking the label's ends.
  static constexpr std::size_t kNgramSymbols = kSymbols + 1;
  static constexpr std::size_t kNgramBuckets =
      kNgramSymbols * kNgramSymbols + kNgramSymbols * kNgramSymbols * kNgramSymbols;

  [[nodiscard]] static int symbol(char c) {
    if (c >= 'a' && c <= 'z') return 1 + (c - 'a');
    if (c >= '0' && c <= '9') return 27 + (c - '0');
    if (c == '-') return 37;
    if (c == '_') return 38;
    return 39;
  }

  // Builds the smoothed tables from trigram counts (kSymbols^3, boundary-padded "^^label$").
  static DgaModel from_counts(std::vector<std::uint32_t> trigram_counts);

  // Throws Error(kConfig) naming the line that is wrong.
  // origin names the model in errors (its path), which also give the line.
  static DgaModel parse(std::string_view text, std::string_view origin = "DGA model");
  static DgaModel load_file(const std::string& path);
  [[nodiscard]] std::string serialize() const;

  // Average surprise, in bits, of each character of the label and of its end.
  [[nodiscard]] double bits_per_char(std::string_view label) const;
  [[nodiscard]] Features features(std::string_view label) const;
  // 0..1; labels longer than 63 are scored on their first 63 characters. Empty labels score 0.
  [[nodiscard]] float score(std::string_view label) const;
  // log(score) in double precision: ranks labels the float score rounds to 1 (-inf for 0).
  [[nodiscard]] double log_score(std::string_view label) const;
  // The logistic regression's input before the sigmoid, without the short-label scaling.
  [[nodiscard]] double logit(std::string_view label) const;

  // Calls f(bucket) for every 2-gram and 3-gram of "^label$" (label cut to 63 characters).
  template <typename F>
  static void for_each_ngram(std::string_view label, F&& f) {
    if (label.size() > 63) label = label.substr(0, 63);
    constexpr std::size_t V = kNgramSymbols;
    std::size_t a = 0, b = kSymbols;  // b: the start mark
    for (std::size_t i = 0; i <= label.size(); ++i) {
      const std::size_t c = i == label.size() ? kSymbols : static_cast<std::size_t>(symbol(label[i]));
      f(b * V + c);
      if (i > 0) f(V * V + (a * V + b) * V + c);
      a = b;
      b = c;
    }
  }

  void set_classifier(const Features& mean, const Features& scale, double bias, const Features& weights);
  // kNgramBuckets weights, or empty for a model without n-grams (format 1).
  void set_ngram_weights(std::vector<float> weights) { ngram_weights_ = std::move(weights); }
  // The words the word features read labels as (lower-case letters, kMinWord to kMaxWord long; others
  // are skipped). None for a model without word features.
  void set_words(std::vector<std::string> words);
  // The words, sorted (walked out of the trie).
  [[nodiscard]] std::vector<std::string> words() const;
  // Letters of the label covered by words, and how many words.
  struct WordCover {
    std::size_t covered = 0, words = 0;
  };
  [[nodiscard]] WordCover word_cover(std::string_view label) const;
  void set_description(std::string text) { description_ = std::move(text); }
  void set_label_count(std::uint64_t n) { label_count_ = n; }
  [[nodiscard]] const std::string& description() const { return description_; }
  [[nodiscard]] std::uint64_t label_count() const { return label_count_; }

 private:
  std::vector<std::uint32_t> counts_;  // trigram counts, kept for serialize()
  std::vector<float> log_prob_;        // -log2 P(c | a b), indexed (a * kSymbols + b) * kSymbols + c
  Features mean_{};
  Features scale_{};
  Features weights_{};
  double bias_ = 0;
  std::vector<float> ngram_weights_;
  // A trie of the words: node i's children are edges_[first_edge_[i] .. first_edge_[i + 1]).
  struct Edge {
    char c;
    std::uint32_t child;
  };
  std::vector<std::uint32_t> first_edge_;
  std::vector<Edge> edges_;
  std::vector<bool> terminal_;
  std::string description_;
  std::uint64_t label_count_ = 0;
};

}  // namespace dnslens
