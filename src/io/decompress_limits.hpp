#pragma once
#include <cstdint>

namespace dnslens {

// Guards against decompression bombs. A stream fails with kDecompressionBomb when it inflates past
// max_output_bytes, or past max_ratio once at least ratio_grace_bytes have come out (small inputs
// legitimately reach high ratios).
struct DecompressLimits {
  std::uint64_t max_output_bytes = 0;  // 0 = no absolute limit
  double max_ratio = 100.0;            // 0 = no ratio limit
  std::uint64_t ratio_grace_bytes = 16ull << 20;

  void validate() const;
};

}  // namespace dnslens
