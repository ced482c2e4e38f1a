#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace dnslens {

// Standard alphabet, padding optional, whitespace ignored; nullopt on any other byte.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

// The same decoding, appended to out (whose memory a caller reuses across payloads); false, with out
// as it was, on a byte outside the alphabet or bad padding.
[[nodiscard]] bool base64_decode_append(std::string_view text, std::string& out);

}  // namespace dnslens
