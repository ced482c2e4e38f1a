#pragma once
// Per-record lexical signals of a query name: what DGA and tunneling detection look at. Computed on
// the normalized name (lowercase, no trailing dot) without allocating.
#include <cstdint>
#include <string_view>

#include "core/name_signals.hpp"

namespace dnslens {

// Shannon entropy in bits per character, dots excluded; 0 for an empty text.
[[nodiscard]] double shannon_entropy(std::string_view text);

[[nodiscard]] NameFeatures measure_name(std::string_view name, std::string_view subdomain);

// The label a DGA model scores: the registered domain without its public suffix ("example" for
// "www.example.co.uk"); without a registered domain, the label left of the last one, else the name.
[[nodiscard]] std::string_view dga_label(std::string_view name, std::string_view registered_domain,
                                         std::string_view public_suffix);

// The longest label of text.
[[nodiscard]] std::string_view longest_label(std::string_view text);

}  // namespace dnslens
