#pragma once
// Training the DGA model: benign labels from word lists, the public suffix list and users' own
// logs; machine-generated counterexamples are synthesised (uniform letters, letters and digits,
// hex) and, when given, taken from DGA families' generators (the shipped model learns from some of
// the catalogue's families and is measured on the others). Deterministic for a given seed and input.
#include <cstdint>
#include <string>
#include <vector>

#include "detect/dga/dga_model.hpp"

namespace dnslens {

struct DgaTrainingData {
  std::vector<std::string> labels;          // benign words, lowercase [a-z0-9-_]
  std::vector<std::string> domain_labels;   // benign labels of real domain names (lists, logs, the PSL)
  std::vector<std::string> sources;         // what they came from, for the model's description
  std::vector<std::string> machine_labels;  // machine-made labels (DGA families' outputs), may be empty
  // Words the model reads labels as (its word features), from the word lists added with
  // vocabulary = true; the domain labels join them.
  std::vector<std::string> vocabulary;
};

// Adds the first label of count names of each family named (from the DGA family catalogue,
// generated for days from first_day on) to data.machine_labels. Throws Error(kConfig) for a name the
// catalogue lacks.
void add_dga_family_labels(const std::vector<std::string>& families, std::int64_t first_day, std::size_t count,
                           DgaTrainingData& data);

// Adds each word of a word list (one per line; "'s" suffixes dropped, words with characters a
// label cannot hold skipped). At most max_words, spread evenly over the file. Throws Error(kConfig)
// when the file cannot be read.
void add_word_list(const std::string& path, DgaTrainingData& data, std::size_t max_words = 150000,
                   bool vocabulary = false);
// Adds every ASCII label of the public suffix list's rules, from the ICANN section, the private
// section, or both.
enum class PslSection { kIcann, kPrivate, kBoth };
void add_psl_labels(const std::string& path, PslSection section, DgaTrainingData& data);
// Adds one label (lowercased; skipped when it holds characters a label cannot): a word of a word
// list, or the label of a real domain name, which the classifier sees more of.
enum class LabelKind { kWord, kDomain };
bool add_label(std::string_view label, DgaTrainingData& data, LabelKind kind = LabelKind::kWord);

// Popular web sites (scripts/fetch-benign-names.sh) are split in two halves by a hash of their
// registered label (under the public suffix list's ICANN section): the shipped model trains on one,
// `dnslens dga eval` measures false positives on the other.
enum class SiteHalf { kTraining, kEvaluation };
[[nodiscard]] SiteHalf site_half(std::string_view registered_label);
// The registered labels of a list of host names, one per line ('#' comments), each once.
[[nodiscard]] std::vector<std::string> registered_labels(const std::string& path, const std::string& psl_path,
                                                         std::string_view what);
// Adds the registered labels of the sites in `half` as domain labels.
void add_popular_sites(const std::string& path, const std::string& psl_path, SiteHalf half, DgaTrainingData& data);

struct DgaTrainOptions {
  std::uint64_t seed = 1;
  double holdout = 0.2;  // share of labels kept out of the n-gram counts to fit the classifier
  std::size_t max_classifier_samples = 400000;
  int epochs = 5;  // passes of stochastic gradient descent over the classifier's examples
};

// Throws Error(kConfig) when there are fewer than 1000 distinct labels.
DgaModel train_dga_model(const DgaTrainingData& data, const DgaTrainOptions& options = {});

// The word lists and suffix list the shipped model is trained on (Debian's wamerican, wngerman,
// wfrench, wspanish, witalian, wportuguese, wdutch and publicsuffix packages).
std::vector<std::string> default_word_lists();

}  // namespace dnslens
