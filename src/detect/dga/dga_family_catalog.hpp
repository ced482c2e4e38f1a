#pragma once
// The catalogue of domain generation algorithms dnslens can generate: real malware families
// reimplemented from their published reverse-engineered algorithms (the write-ups collected in
// J. Bader's domain_generation_algorithms reference), each unit-tested against the family's published
// example domains. `dnslens dga eval` measures the scorer on them and `dga train` learns from some of
// them, keeping the rest held out; the log generator plants them in evaluation days.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dnslens {

// How a family builds names: from characters (letters, digits, hashes) or from dictionary words.
enum class DgaKind : std::uint8_t { kCharacter, kDictionary };

struct DgaFamilyInfo {
  std::string_view name;         // lower case, as the malware is known ("qakbot")
  std::string_view description;  // one line on how names are built
  DgaKind kind;
  // count fully qualified names (label plus TLD or suffix, no trailing dot) for the day given as days
  // since 1970-01-01 (UTC), with the family's published default seed or configuration. Families
  // making fewer names per day go on with the following days until count are made.
  std::vector<std::string> (*generate)(std::int64_t day, std::size_t count);
};

// Every family of the catalogue, sorted by name.
[[nodiscard]] const std::vector<DgaFamilyInfo>& all_dga_families();
[[nodiscard]] const DgaFamilyInfo* find_dga_family(std::string_view name);
// The families the shipped model learns from; `dga eval` reports the others as held out.
[[nodiscard]] const std::vector<std::string>& dga_training_families();
[[nodiscard]] bool is_dga_training_family(std::string_view name);

// Each group lives in its own source file (dga_families_<group>.cpp); the first five families
// (necurs, ramnit, kraken, banjori, suppobox-style) in dga_families.cpp.
std::span<const DgaFamilyInfo> dga_families_group_a();
std::span<const DgaFamilyInfo> dga_families_group_b();
std::span<const DgaFamilyInfo> dga_families_group_c();

}  // namespace dnslens
