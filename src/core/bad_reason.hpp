#pragma once
// Why a single record (or an envelope of records) was rejected. Every rejected one is counted
// under one of these and written to the dead-letter output; tests assert the reason, not the
// message text.
#include <array>
#include <cstdint>
#include <string_view>

namespace dnslens {

enum class BadReason : uint8_t {
  kMalformedJson,
  kInvalidUtf8,
  kNotAnObject,
  kMissingField,
  kWrongType,
  kBadTimestamp,
  kLineTooLong,
  kTruncatedInput,
  kBadEnvelope,  // a CloudWatch Logs payload or Firehose record that could not be decoded
  kCount,
};

inline constexpr std::size_t kBadReasonCount = static_cast<std::size_t>(BadReason::kCount);

constexpr std::string_view bad_reason_name(BadReason reason) {
  constexpr std::array<std::string_view, kBadReasonCount> names = {"malformed_json", "invalid_utf8",    "not_an_object",
                                                                   "missing_field",  "wrong_type",      "bad_timestamp",
                                                                   "line_too_long",  "truncated_input", "bad_envelope"};
  return names[static_cast<std::size_t>(reason)];
}

}  // namespace dnslens
