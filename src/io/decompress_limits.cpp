#include "io/decompress_limits.hpp"

#include "core/error.hpp"

namespace dnslens {

void DecompressLimits::validate() const {
  if (max_ratio < 0 || (max_ratio > 0 && max_ratio < 2)) {
    throw Error(ErrorCode::kUsage, "max decompression ratio must be 0 (off) or at least 2");
  }
}

}  // namespace dnslens
