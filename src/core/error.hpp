#pragma once
// One project error type for setup, config and I/O failures; per-record problems never throw
// (they are BadReason values, see bad_reason.hpp).
#include <stdexcept>
#include <string>
#include <string_view>

namespace dnslens {

enum class ErrorCode {
  kUsage = 1,          // bad command line or config value
  kConfig,             // config / rule file unreadable or invalid
  kIo,                 // a file or stream could not be read or written
  kDecompress,         // corrupt or truncated compressed stream
  kDecompressionBomb,  // output exceeded the configured size or ratio limit
  kEnvelope,           // a CloudWatch / Firehose envelope could not be decoded
  kNetwork,            // an HTTP peer failed
  kQuery,              // DuckDB refused or failed a SQL statement (its message says why)
  kInternal,
};

std::string_view error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
  [[nodiscard]] ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace dnslens
