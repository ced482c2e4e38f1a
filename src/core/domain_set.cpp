#include "core/domain_set.hpp"

#include "core/absl_view.hpp"
#include "core/dns_name.hpp"

namespace dnslens {

bool DomainSet::add(std::string_view entry) {
  const bool below = entry.starts_with("*.");
  if (below) entry.remove_prefix(2);
  char buf[kMaxNormalizedName];
  const NormalizedName norm = normalize_name(entry, buf);
  if (entry.empty() || !norm.valid_syntax || norm.text.empty() || norm.text.find('*') != std::string_view::npos)
    return false;
  (below ? below_ : exact_).emplace(norm.text);
  return true;
}

bool DomainSet::matches(std::string_view name) const {
  if (exact_.contains(as_absl(name))) return true;
  if (below_.empty()) return false;
  for (std::size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', dot + 1)) {
    if (below_.contains(as_absl(name.substr(dot + 1)))) return true;
  }
  return false;
}

}  // namespace dnslens
