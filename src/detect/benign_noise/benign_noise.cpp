#include "detect/benign_noise/benign_noise.hpp"

#include <fmt/format.h>

#include "core/absl_view.hpp"
#include "core/dns_name.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "io/read_file.hpp"

namespace dnslens {

BenignNoise BenignNoise::parse(std::string_view text, std::string_view origin) {
  BenignNoise list;
  std::size_t line_no = 0;
  char buf[kMaxNormalizedName];
  while (!text.empty()) {
    ++line_no;
    std::string_view entry = list_entry(take_line(text));
    if (entry.empty()) continue;
    bool below = entry.starts_with("*.");
    if (below) entry.remove_prefix(2);
    NormalizedName norm = normalize_name(entry, buf);
    if (entry.empty() || !norm.valid_syntax || norm.text.empty() || norm.text.find('*') != std::string_view::npos) {
      throw Error(ErrorCode::kConfig,
                  fmt::format("{}:{}: '{}' is not a domain name or *.domain", origin, line_no, entry));
    }
    (below ? list.below_ : list.exact_).emplace(norm.text);
  }
  return list;
}

BenignNoise BenignNoise::load_file(const std::string& path) {
  return parse(read_whole_file(path, "benign-noise list", ErrorCode::kConfig), path);
}

bool BenignNoise::matches(std::string_view name) const {
  if (exact_.contains(as_absl(name))) return true;
  if (below_.empty()) return false;
  for (std::size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', dot + 1)) {
    if (below_.contains(as_absl(name.substr(dot + 1)))) return true;
  }
  return false;
}

}  // namespace dnslens
