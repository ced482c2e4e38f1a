#include "io/base64.hpp"

#include <array>
#include <cstdint>

namespace dnslens {

namespace {
constexpr std::array<std::int8_t, 256> make_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto kTable = make_table();

// Byte by byte from `from` on, with whitespace and padding. The fast loop stops on a group boundary, so
// no bits are carried over from it.
bool decode_rest(std::string_view text, std::size_t from, char*& to) {
  std::uint32_t acc = 0;
  int bits = 0;
  int padding = 0;
  for (std::size_t i = from; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '=') {
      ++padding;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (padding > 0 || kTable[c] < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(kTable[c]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *to++ = static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return padding <= 2 && bits < 6;
}
}  // namespace

bool base64_decode_append(std::string_view text, std::string& out) {
  const std::size_t before = out.size();
  out.resize(before + text.size() / 4 * 3 + 3);
  char* to = out.data() + before;
  // Four characters at a time while they are all of the alphabet (a Firehose record's data is one
  // unbroken run of them): 24 bits, three bytes. Padding, whitespace or a bad byte ends the fast part.
  std::size_t i = 0;
  for (; i + 4 <= text.size(); i += 4) {
    const std::int32_t a = kTable[static_cast<unsigned char>(text[i])];
    const std::int32_t b = kTable[static_cast<unsigned char>(text[i + 1])];
    const std::int32_t c = kTable[static_cast<unsigned char>(text[i + 2])];
    const std::int32_t d = kTable[static_cast<unsigned char>(text[i + 3])];
    if ((a | b | c | d) < 0) break;
    const auto group = static_cast<std::uint32_t>(a << 18 | b << 12 | c << 6 | d);
    to[0] = static_cast<char>(group >> 16);
    to[1] = static_cast<char>(group >> 8);
    to[2] = static_cast<char>(group);
    to += 3;
  }
  if (!decode_rest(text, i, to)) {
    out.resize(before);
    return false;
  }
  out.resize(static_cast<std::size_t>(to - out.data()));
  return true;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  if (!base64_decode_append(text, out)) return std::nullopt;
  return out;
}

}  // namespace dnslens
