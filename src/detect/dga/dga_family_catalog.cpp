#include "detect/dga/dga_family_catalog.hpp"

#include <algorithm>

#include "detect/dga/dga_families.hpp"
#include "detect/dga/dga_trainer.hpp"

namespace dnslens {

namespace {

template <DgaFamily F>
std::vector<std::string> first_five(std::int64_t day, std::size_t count) {
  if constexpr (F == DgaFamily::kWordPairs) {
    // Two dictionary words, as Suppobox joins words of its own lists; the words here are Debian's.
    static const std::vector<std::string> words = [] {
      DgaTrainingData data;
      add_word_list("/usr/share/dict/american-english", data, 20000);
      return data.labels;
    }();
    return generate_dga_domains(F, static_cast<std::uint64_t>(day), count, words);
  } else {
    return generate_dga_domains(F, static_cast<std::uint64_t>(day), count);
  }
}

constexpr DgaFamilyInfo kFirstFive[] = {
    {"necurs", "7-21 letters from a date-seeded 64-bit mixing function, 43 TLDs", DgaKind::kCharacter,
     first_five<DgaFamily::kNecurs>},
    {"ramnit", "8-19 letters from a Park-Miller LCG, .com", DgaKind::kCharacter, first_five<DgaFamily::kRamnit>},
    {"kraken", "6-11 letters from an LCG, under dynamic-DNS suffixes", DgaKind::kCharacter,
     first_five<DgaFamily::kKraken>},
    {"banjori", "the first four letters of a long English-looking seed name mutated per step", DgaKind::kCharacter,
     first_five<DgaFamily::kBanjori>},
    {"suppobox-style", "two dictionary words (Debian's, as Suppobox joins its own lists), .net", DgaKind::kDictionary,
     first_five<DgaFamily::kWordPairs>},
};

}  // namespace

const std::vector<DgaFamilyInfo>& all_dga_families() {
  static const std::vector<DgaFamilyInfo> families = [] {
    std::vector<DgaFamilyInfo> all(std::begin(kFirstFive), std::end(kFirstFive));
    for (auto group : {dga_families_group_a(), dga_families_group_b(), dga_families_group_c()})
      all.insert(all.end(), group.begin(), group.end());
    std::sort(all.begin(), all.end(), [](const DgaFamilyInfo& a, const DgaFamilyInfo& b) { return a.name < b.name; });
    return all;
  }();
  return families;
}

const DgaFamilyInfo* find_dga_family(std::string_view name) {
  for (const auto& f : all_dga_families()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const std::vector<std::string>& dga_training_families() {
  // Half of the catalogue, chosen to span the shapes (random letters of fixed and varying length,
  // letters and digits, hex and base64 of hashes, pronounceable syllables, a mutated English name,
  // words), leaving families of every shape out for measurement.
  static const std::vector<std::string> families = {
      "banjori", "chinad", "fobber",  "kraken", "locky",         "monerodownloader", "murofet-v1",
      "mydoom",  "necurs", "ngioweb", "pushdo", "pykspa",        "qadars",           "ramnit",
      "shiotob", "simda",  "sisron",  "tinba",  "suppobox-style"};
  return families;
}

bool is_dga_training_family(std::string_view name) {
  const auto& t = dga_training_families();
  return std::find(t.begin(), t.end(), name) != t.end();
}

}  // namespace dnslens
