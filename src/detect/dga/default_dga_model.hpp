#pragma once
// The DGA model shipped inside the binary: trained at build time (tools/dga_embed.cpp) on Debian's
// word lists and the ICANN section of the public suffix list; see docs/DETECTIONS.md.
#include <string_view>

#include "detect/dga/dga_model.hpp"

namespace dnslens {

// Parsed once, on first use.
[[nodiscard]] const DgaModel& default_dga_model();

// The model's text, defined by the build-generated source.
[[nodiscard]] std::string_view embedded_dga_model_text();

}  // namespace dnslens
