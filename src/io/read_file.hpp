#pragma once
// A whole small file (a list, a feed, a policy, a config, the public suffix list) read at start-up,
// and the guards every loader of such files shares: a leading UTF-8 byte-order mark is not content,
// YAML is parsed within bounds, and whatever a parser library throws becomes a config error.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace dnslens {

// The file's bytes without a leading UTF-8 BOM, or "-" for all of stdin. Throws
// Error(code, "cannot read <what> <path>: <why>") when it cannot be read or is a directory.
[[nodiscard]] std::string read_whole_file(const std::string& path, std::string_view what, ErrorCode code);

// Editors on Windows start UTF-8 files with EF BB BF; it would otherwise glue onto the first entry.
[[nodiscard]] constexpr std::string_view without_bom(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return text;
}

// yaml-cpp resolves an alias by sharing the anchored node, so a few hundred bytes of nested aliases
// ("billion laughs") become billions of nodes for anything that walks the tree, and its parser
// recurses once per nesting level.
struct YamlLimits {
  std::size_t max_depth = 128;              // counting what aliases bring in
  std::size_t max_alias_nodes = 1'000'000;  // nodes that aliases add, over the whole document
  std::size_t max_alias_bytes = 64u << 20;  // scalar bytes that aliases add
};

// Walks the first YAML document of text as events, without building it. Throws
// Error(kConfig, "<origin>: line L, column C: <problem>") when it nests deeper than the limit, an
// alias names a node that contains it, or aliases would expand past the limits. Syntax errors are
// left to the caller: yaml-cpp's YAML::Exception propagates as it is.
void check_yaml_limits(std::string_view text, std::string_view origin, const YamlLimits& limits = {});

// For a loader's outermost catch (...): rethrows a dnslens::Error unchanged and turns anything else
// (a parser library's exception, bad_alloc from a huge input) into Error(kConfig) naming origin.
[[noreturn]] void rethrow_as_config_error(std::string_view origin);

}  // namespace dnslens
