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

// Removes the first line from text and returns it without its '\n'; text keeps what follows.
[[nodiscard]] constexpr std::string_view take_line(std::string_view& text) {
  const auto nl = text.find('\n');
  const std::string_view line = text.substr(0, nl);
  text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  return line;
}

// One entry of a line-per-entry list file (domain lists): the line without its # comment and the
// whitespace around what is left.
[[nodiscard]] constexpr std::string_view list_entry(std::string_view line) {
  if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  return trim_json_space(line);
}

}  // namespace dnslens
