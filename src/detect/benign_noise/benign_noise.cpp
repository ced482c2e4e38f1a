#include "detect/benign_noise/benign_noise.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "io/read_file.hpp"

namespace dnslens {

BenignNoise BenignNoise::parse(std::string_view text, std::string_view origin) {
  BenignNoise list;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::string_view entry = list_entry(take_line(text));
    if (entry.empty()) continue;
    if (!list.names_.add(entry)) {
      throw Error(ErrorCode::kConfig,
                  fmt::format("{}:{}: '{}' is not a domain name or *.domain", origin, line_no, entry));
    }
  }
  return list;
}

BenignNoise BenignNoise::load_file(const std::string& path) {
  return parse(read_whole_file(path, "benign-noise list", ErrorCode::kConfig), path);
}

}  // namespace dnslens
