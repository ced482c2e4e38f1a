#pragma once
// Query names as Route 53 writes them: presentation format, usually with a trailing dot, with
// bytes outside [a-z0-9-_] escaped as \DDD (three octal digits, Route 53's domain name format) or
// \X. normalize_name() turns that into lowercase, dot-free-at-end text in a caller buffer.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dnslens {

inline constexpr std::size_t kMaxNormalizedName = 1024;
inline constexpr std::size_t kMaxLabels = 128;

struct NormalizedName {
  std::string_view text;     // lowercase, no trailing dot; points into the caller's buffer
  bool had_escapes = false;  // the logged name contained \-escapes
  bool valid_syntax = true;  // no empty labels, labels <= 63 bytes, name <= 253 bytes
  bool json_plain = true;    // every byte is printable ASCII other than '"' and '\\': copy into JSON as is
};

// Writes into out (capacity kMaxNormalizedName). Names longer than that are truncated and
// marked invalid; the function never reads or writes out of bounds.
[[nodiscard]] NormalizedName normalize_name(std::string_view logged, char* out);

// Label boundaries, right to left: labels[0] is the TLD. Returns the label count, or 0 when the
// name has more than max labels or an empty label.
struct LabelSpans {
  std::uint16_t start[kMaxLabels];
  std::uint16_t length[kMaxLabels];
};
[[nodiscard]] std::size_t split_labels_rtl(std::string_view name, LabelSpans& spans);

// The suffix of name made of its rightmost n labels (n <= label count).
[[nodiscard]] inline std::string_view rightmost_labels(std::string_view name, const LabelSpans& spans, std::size_t n) {
  return name.substr(spans.start[n - 1]);
}

[[nodiscard]] bool is_ipv4_literal(std::string_view text);

}  // namespace dnslens
