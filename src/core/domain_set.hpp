#pragma once
// A set of domain names and domain suffixes: an entry "name" matches that name only, "*.name" every
// name below it (not the name itself). Names are compared normalized (lowercase, no trailing dot).
// One hash probe per label of the name looked up.
#include <cstddef>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_set.h>

namespace dnslens {

class DomainSet {
 public:
  // Adds "name" or "*.name"; false (nothing added) when it is not a domain name.
  bool add(std::string_view entry);
  // name: normalized.
  [[nodiscard]] bool matches(std::string_view name) const;
  [[nodiscard]] std::size_t size() const { return exact_.size() + below_.size(); }
  [[nodiscard]] bool empty() const { return size() == 0; }

 private:
  absl::flat_hash_set<std::string> exact_;
  absl::flat_hash_set<std::string> below_;
};

}  // namespace dnslens
