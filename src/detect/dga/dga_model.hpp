#pragma once
// A character trigram model of benign domain labels plus a logistic regression on top of it: the
// DGA score of a label is the probability that it was machine generated rather than drawn from the
// language the model was trained on. Built by train_dga_model() (dga_trainer.hpp); the text form
// written by serialize() is what `dnslens dga train` produces and what --dga-model loads.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnslens {

class DgaModel {
 public:
  static constexpr int kSymbols = 40;  // boundary, a-z, 0-9, '-', '_', anything else
  static constexpr int kFeatures = 6;
  static constexpr std::array<std::string_view, kFeatures> kFeatureNames = {
      "bits_per_char", "log2_length", "digit_ratio", "has_hyphen", "vowel_ratio", "total_bits"};
  using Features = std::array<double, kFeatures>;

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

  void set_classifier(const Features& mean, const Features& scale, double bias, const Features& weights);
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
  std::string description_;
  std::uint64_t label_count_ = 0;
};

}  // namespace dnslens
