#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace dnslens {

// Standard alphabet, padding optional, whitespace ignored; nullopt on any other byte.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace dnslens
