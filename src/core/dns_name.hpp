#pragma once
// Query names as Route 53 writes them: presentation format, usually with a trailing dot, with
// bytes outside [a-z0-9-_] escaped as \DDD or \X. normalize_name() turns that into lowercase,
// dot-free-at-end text in a caller buffer.
// \DDD is read as octal. AWS documents no escaping for Resolver query logs' query_name (the log format
// page says only "the domain name ... specified in the query"), no published log line shows one, and the
// parsers of others (Elastic's, Panther's) decode none; the one escape AWS documents for Route 53 names is
// octal ("\three-digit octal code. For example, \052 is the octal code for character *": the
// hosted-zone domain name format), which its API is seen to emit (\052 for '*', \057 for '/'). RFC 1035's
// presentation format is decimal, so three digits with an 8 or a 9, which cannot be octal, are read as
// decimal. A test (DecodesRoute53OctalEscapes) cites this.
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
