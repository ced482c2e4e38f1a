#pragma once
// ClickHouse's RowBinary encoding of the values dnslens's tables hold: each row is its columns' values
// back to back, in the table's column order, little-endian, without separators.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace dnslens::row_binary {

// LEB128 (a String's length, an Array's size).
inline void varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

template <class T>
void fixed(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // x86 and ARM Linux are little-endian, as RowBinary is
  out.append(b, sizeof(T));
}

inline void string(std::string& out, std::string_view s) {
  varint(out, s.size());
  out.append(s);
}

// Nullable(String): NULL for an empty text, as the DuckDB store has it.
inline void text(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '\1';
    return;
  }
  out += '\0';
  string(out, s);
}

template <class T>
void nullable(std::string& out, bool present, T v) {
  out += present ? '\0' : '\1';
  if (present) fixed(out, v);
}

inline void boolean(std::string& out, bool present, bool v) { nullable<std::uint8_t>(out, present, v ? 1 : 0); }

// DateTime64(3) (milliseconds) or DateTime (whole seconds), as the column was created.
inline void timestamp(std::string& out, bool datetime64, std::int64_t ms) {
  if (datetime64) {
    fixed<std::int64_t>(out, ms);
  } else {
    fixed<std::uint32_t>(out, static_cast<std::uint32_t>(ms / 1000));
  }
}

}  // namespace dnslens::row_binary
