#pragma once
// Small text helpers: ASCII whitespace as JSON defines it (space, tab, CR, LF) for trimming lines and
// tokens, list-file entries, ASCII case-insensitive comparison.
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

// ASCII case-insensitive equality (record types, response codes: protocol mnemonics, never names).
[[nodiscard]] constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
}

// One entry of a line-per-entry list file (domain lists): the line without its # comment and the
// whitespace around what is left.
[[nodiscard]] constexpr std::string_view list_entry(std::string_view line) {
  if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  return trim_json_space(line);
}

}  // namespace dnslens
