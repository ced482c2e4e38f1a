#pragma once
// The top-level fields of a Route 53 line that dnslens does not know (fields AWS may add to the format),
// as they were logged: what the OCSF event's `unmapped` and the store's `unmapped` column keep. The line is
// parsed again, so callers ask only for records whose QueryRecord::unknown_fields is nonzero.
#include <string>
#include <string_view>

namespace dnslens {

// Appends `"key":value` members (escaped key, minified JSON value), comma-separated, for each unknown field
// in line order; returns how many. A line that is not a JSON object appends nothing.
std::size_t append_unknown_fields(std::string& out, std::string_view line);

}  // namespace dnslens
