#pragma once
// Training the DGA model: benign labels from word lists, the public suffix list and users' own
// logs; machine-generated counterexamples are synthesised (uniform letters, letters and digits,
// hex), so training needs no malware samples. Deterministic for a given seed and input.
#include <cstdint>
#include <string>
#include <vector>

#include "detect/dga/dga_model.hpp"

namespace dnslens {

struct DgaTrainingData {
  std::vector<std::string> labels;   // benign labels, lowercase [a-z0-9-_]
  std::vector<std::string> sources;  // what they came from, for the model's description
};

// Adds each word of a word list (one per line; "'s" suffixes dropped, words with characters a
// label cannot hold skipped). At most max_words, spread evenly over the file. Throws Error(kConfig)
// when the file cannot be read.
void add_word_list(const std::string& path, DgaTrainingData& data, std::size_t max_words = 150000);
// Adds every ASCII label of the public suffix list's rules, from the ICANN section, the private
// section, or both.
enum class PslSection { kIcann, kPrivate, kBoth };
void add_psl_labels(const std::string& path, PslSection section, DgaTrainingData& data);
// Adds one label (lowercased; skipped when it holds characters a label cannot).
bool add_label(std::string_view label, DgaTrainingData& data);

struct DgaTrainOptions {
  std::uint64_t seed = 1;
  double holdout = 0.2;  // share of labels kept out of the n-gram counts to fit the classifier
  std::size_t max_classifier_samples = 40000;
};

// Throws Error(kConfig) when there are fewer than 1000 distinct labels.
DgaModel train_dga_model(const DgaTrainingData& data, const DgaTrainOptions& options = {});

// The word lists and suffix list the shipped model is trained on (Debian's wamerican, wngerman,
// wfrench, wspanish, witalian, wportuguese, wdutch and publicsuffix packages).
std::vector<std::string> default_word_lists();

}  // namespace dnslens
