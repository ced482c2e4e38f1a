#pragma once
// Known-benign noise: names whose odd look is normal (metadata probes, connectivity checks,
// reputation lookups that encode hashes in the name). Detectors skip them; the enriched record
// says "benign_noise": true. The shipped list is data/benign-noise.txt, built into the binary.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/domain_set.hpp"

namespace dnslens {

class BenignNoise {
 public:
  // "name" matches exactly, "*.name" matches names below it. Throws Error(kConfig) naming
  // origin:line for an entry that is not a domain name.
  static BenignNoise parse(std::string_view text, std::string_view origin);
  static BenignNoise load_file(const std::string& path);
  // The list built into the binary.
  static const BenignNoise& builtin();

  // name: normalized (lowercase, no trailing dot).
  [[nodiscard]] bool matches(std::string_view name) const { return names_.matches(name); }
  [[nodiscard]] std::size_t size() const { return names_.size(); }

 private:
  DomainSet names_;
};

// The text of data/benign-noise.txt, defined by the build-generated source.
[[nodiscard]] std::string_view embedded_benign_noise_text();

}  // namespace dnslens
