#pragma once
// ASCII whitespace as JSON defines it (space, tab, CR, LF), for trimming lines and tokens.
#include <string_view>

namespace dnslens {

[[nodiscard]] constexpr bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

[[nodiscard]] constexpr std::string_view trim_json_space(std::string_view s) {
  while (!s.empty() && is_json_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_json_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace dnslens
