#pragma once
// Appends JSON string content (without quotes). Bytes >= 0x80 are copied as they are: callers only
// pass text that came from validated UTF-8 JSON, or use append_json_escaped_bytes for raw bytes.
#include <string>
#include <string_view>

namespace dnslens {

void append_json_escaped(std::string& out, std::string_view text);
// For arbitrary bytes (normalised names may hold \DDD-decoded bytes, feeds any byte): each byte that
// is not part of a valid UTF-8 sequence becomes the visible text \xNN, as the store writes it; valid
// sequences around it are kept.
void append_json_escaped_bytes(std::string& out, std::string_view bytes);
[[nodiscard]] bool is_valid_utf8(std::string_view bytes);
// The length of the valid UTF-8 sequence that starts at s[i] (1 to 4 bytes; NUL is one), or 0 when
// the byte at i starts none.
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view s, std::size_t i);
[[nodiscard]] std::string base64_encode(std::string_view bytes);

}  // namespace dnslens
