#pragma once
// The DGA model shipped inside the binary: trained at build time (tools/dga_embed.cpp) on Debian's
// word lists, the public suffix list, popular sites and DGA families; see docs/DETECTIONS.md.
#include <string>

#include "detect/dga/dga_model.hpp"

namespace dnslens {

// Parsed once, on first use.
[[nodiscard]] const DgaModel& default_dga_model();

// The model's text, defined by the build-generated source (assembled on each call: the model keeps
// what it parsed, not the text).
[[nodiscard]] std::string embedded_dga_model_text();

}  // namespace dnslens
