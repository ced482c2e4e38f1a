#include "core/dns_name.hpp"

namespace dnslens {

namespace {
constexpr char to_lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
constexpr bool is_octal(char c) { return c >= '0' && c <= '7'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
// The value of the three digits at d in base.
constexpr unsigned three_digits(const char* d, unsigned base) {
  return (static_cast<unsigned>(d[0] - '0') * base + static_cast<unsigned>(d[1] - '0')) * base +
         static_cast<unsigned>(d[2] - '0');
}
}  // namespace

namespace {

// Lowercases src[0..n) into out and reports whether any byte needs JSON escaping or is non-ASCII.
// Branch-free so the compiler vectorises it: most names have no escapes and take only this path.
inline unsigned lower_copy(const char* src, std::size_t n, char* out) {
  unsigned special = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto u = static_cast<unsigned char>(src[i]);
    special |= static_cast<unsigned>(u < 0x20) | static_cast<unsigned>(u >= 0x80) | static_cast<unsigned>(u == '"') |
               static_cast<unsigned>(u == '\\');
    out[i] = static_cast<char>(u + (static_cast<unsigned>(u - 'A') < 26u ? 32u : 0u));
  }
  return special;
}

// Decodes \DDD and \X escapes; returns the decoded length (truncated at the cap, flagged). \DDD is octal,
// the only escape AWS documents for Route 53 names (see dns_name.hpp); three digits that cannot be octal
// (an 8 or a 9) are read as RFC 1035's decimal when they make a byte, else \D is D.
std::size_t unescape_lower(std::string_view logged, char* out, NormalizedName& result, unsigned& special) {
  std::size_t n = 0;
  std::size_t i = 0;
  const std::size_t len = logged.size();
  while (i < len) {
    char c = logged[i];
    if (c == '\\' && i + 1 < len) {
      result.had_escapes = true;
      const char* d = logged.data() + i + 1;
      const bool digits = i + 3 < len && is_digit(d[0]) && is_digit(d[1]) && is_digit(d[2]);
      const bool octal = digits && is_octal(d[0]) && is_octal(d[1]) && is_octal(d[2]);
      const unsigned v = digits ? three_digits(d, octal ? 8 : 10) : 0;
      if (octal || (digits && v <= 255)) {
        c = static_cast<char>(v & 0xFF);
        i += 4;
      } else {
        c = logged[i + 1];
        i += 2;
      }
    } else {
      ++i;
    }
    if (n == kMaxNormalizedName) {
      result.valid_syntax = false;
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    special |= static_cast<unsigned>(u < 0x20 || u >= 0x80 || c == '"' || c == '\\');
    out[n++] = to_lower_ascii(c);
  }
  return n;
}

}  // namespace

NormalizedName normalize_name(std::string_view logged, char* out) {
  NormalizedName result;
  unsigned special = 0;
  std::size_t n;
  if (logged.find('\\') == std::string_view::npos) {
    n = logged.size();
    if (n > kMaxNormalizedName) {
      n = kMaxNormalizedName;
      result.valid_syntax = false;
    }
    special = lower_copy(logged.data(), n, out);
  } else {
    n = unescape_lower(logged, out, result, special);
  }
  result.json_plain = special == 0;
  if (n > 0 && out[n - 1] == '.') --n;  // the root label
  result.text = std::string_view(out, n);
  if (n == 0 || n > 253) result.valid_syntax = false;
  if (!result.valid_syntax) return result;
  // Label lengths: 1..63 bytes.
  std::size_t label_start = 0;
  for (std::size_t k = 0; k <= n; ++k) {
    if (k == n || out[k] == '.') {
      const std::size_t label_len = k - label_start;
      if (label_len == 0 || label_len > 63) {
        result.valid_syntax = false;
        break;
      }
      label_start = k + 1;
    }
  }
  return result;
}

std::size_t split_labels_rtl(std::string_view name, LabelSpans& spans) {
  if (name.empty() || name.size() > 0xFFFF) return 0;
  std::size_t count = 0;
  std::size_t end = name.size();
  for (std::size_t pos = name.size(); pos-- > 0;) {
    if (name[pos] == '.') {
      if (end - pos - 1 == 0 || count == kMaxLabels) return 0;
      spans.start[count] = static_cast<std::uint16_t>(pos + 1);
      spans.length[count] = static_cast<std::uint16_t>(end - pos - 1);
      ++count;
      end = pos;
    }
  }
  if (end == 0 || count == kMaxLabels) return 0;
  spans.start[count] = 0;
  spans.length[count] = static_cast<std::uint16_t>(end);
  return count + 1;
}

bool is_ipv4_literal(std::string_view text) {
  int dots = 0;
  int digits = 0;
  int value = 0;
  for (char c : text) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
      value = 0;
    } else if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

}  // namespace dnslens
