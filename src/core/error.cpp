#include "core/error.hpp"

namespace dnslens {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUsage:
      return "usage";
    case ErrorCode::kConfig:
      return "config";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kDecompress:
      return "decompress";
    case ErrorCode::kDecompressionBomb:
      return "decompression_bomb";
    case ErrorCode::kEnvelope:
      return "envelope";
    case ErrorCode::kNetwork:
      return "network";
    case ErrorCode::kQuery:
      return "query";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

}  // namespace dnslens
