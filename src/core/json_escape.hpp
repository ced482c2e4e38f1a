#pragma once
// Appends JSON string content (without quotes). Bytes >= 0x80 are copied as they are: callers only
// pass text that came from validated UTF-8 JSON, or use append_json_escaped_bytes for raw bytes.
#include <string>
#include <string_view>

namespace dnslens {

void append_json_escaped(std::string& out, std::string_view text);
// For arbitrary bytes (normalised names may hold \DDD-decoded bytes): invalid UTF-8 becomes \u00XX.
void append_json_escaped_bytes(std::string& out, std::string_view bytes);
[[nodiscard]] bool is_valid_utf8(std::string_view bytes);
[[nodiscard]] std::string base64_encode(std::string_view bytes);

}  // namespace dnslens
