#pragma once
// A whole small file (a list, a feed, the public suffix list) read at start-up.
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace dnslens {

// The file's bytes, or "-" for all of stdin. Throws Error(code, "cannot read <what> <path>").
[[nodiscard]] std::string read_whole_file(const std::string& path, std::string_view what, ErrorCode code);

}  // namespace dnslens
