#pragma once
// Debian's abseil has its own string_view type: hash tables keyed by std::string are probed through
// it without copying the key.
#include <string_view>

#include <absl/strings/string_view.h>

namespace dnslens {

[[nodiscard]] inline absl::string_view as_absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace dnslens
