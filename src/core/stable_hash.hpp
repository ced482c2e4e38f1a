#pragma once
// A hash of text with a fixed seed, not absl::Hash's per-process one: distinct counts estimated
// from these hashes (and so the findings) are the same on every run over the same input.
#include <cstdint>
#include <string_view>

#include <xxhash.h>

namespace dnslens {

inline constexpr XXH64_hash_t kStableHashSeed = 0x646e736c656e73ull;  // "dnslens"

[[nodiscard]] inline std::uint64_t stable_hash(std::string_view s) {
  return XXH3_64bits_withSeed(s.data(), s.size(), kStableHashSeed);
}

}  // namespace dnslens
