#pragma once
// Domain generation algorithms of real malware families, reimplemented from their public
// descriptions (reverse-engineering write-ups collected in J. Bader's domain_generation_algorithms
// reference), to measure the DGA scorer and to plant realistic DGA traffic in evaluations.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnslens {

enum class DgaFamily : std::uint8_t { kNecurs, kRamnit, kKraken, kBanjori, kWordPairs };
inline constexpr DgaFamily kAllDgaFamilies[] = {DgaFamily::kNecurs, DgaFamily::kRamnit, DgaFamily::kKraken,
                                                DgaFamily::kBanjori, DgaFamily::kWordPairs};

[[nodiscard]] std::string_view dga_family_name(DgaFamily family);
// One line on how the family builds names.
[[nodiscard]] std::string_view dga_family_description(DgaFamily family);

// count domain names of the family for a seed (families seeded by date take it as days since the
// epoch). words is used only by kWordPairs (two dictionary words concatenated, as Suppobox does).
[[nodiscard]] std::vector<std::string> generate_dga_domains(DgaFamily family, std::uint64_t seed, std::size_t count,
                                                            const std::vector<std::string>& words = {});

}  // namespace dnslens
