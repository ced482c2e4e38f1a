#pragma once
// RFC 3492 punycode, used to give every IDN public-suffix rule its xn-- form (DNS query names
// arrive in ASCII-compatible encoding, the PSL file is written in UTF-8).
#include <optional>
#include <string>
#include <string_view>

namespace dnslens {

// "ελ" -> "xn--qxam"; ASCII labels come back unchanged; invalid UTF-8 yields nullopt.
[[nodiscard]] std::optional<std::string> label_to_ascii(std::string_view utf8_label);
// Applies label_to_ascii to every dot-separated label.
[[nodiscard]] std::optional<std::string> domain_to_ascii(std::string_view utf8_domain);

}  // namespace dnslens
