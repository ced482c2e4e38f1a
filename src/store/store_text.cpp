#include "store/store_text.hpp"

#include "core/json_escape.hpp"

namespace dnslens {

bool storable_text(std::string_view s) {
  // One pass without branches (the compiler vectorizes it): a NUL, and any byte >= 0x80.
  unsigned char high = 0;
  bool nul = false;
  for (unsigned char c : s) {
    high |= c;
    nul |= c == 0;
  }
  return !nul && (high < 0x80 || is_valid_utf8(s));
}

void repair_text(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  std::size_t i = 0;
  while (i < s.size()) {
    // The valid UTF-8 sequence starting at i (1..4 bytes), else one bad byte; NUL is bad here.
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c == 0 ? 0 : utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
}

}  // namespace dnslens
