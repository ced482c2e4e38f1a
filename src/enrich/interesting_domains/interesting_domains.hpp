#pragma once
// The AWS sample's "interesting domains": a set of registered domains. A record matches when its
// registered domain is in the set (isMatchedDomain = "Y").
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "enrich/registered_domain/public_suffix_list.hpp"

namespace dnslens {

class InterestingDomains {
 public:
  InterestingDomains() = default;
  // Reads a list file (one domain per line, '#' comments). Entries are reduced to their registered
  // domain; entries that are not domains or have an unknown TLD are counted in rejected().
  static InterestingDomains load_file(const std::string& path, const PublicSuffixList& psl);
  void add(std::string_view registered_domain) { set_.insert(std::string(registered_domain)); }

  [[nodiscard]] bool contains(std::string_view registered_domain) const {
    return !registered_domain.empty() &&
           set_.contains(absl::string_view(registered_domain.data(), registered_domain.size()));
  }
  [[nodiscard]] std::size_t size() const { return set_.size(); }
  [[nodiscard]] std::size_t rejected() const { return rejected_; }

 private:
  absl::flat_hash_set<std::string> set_;
  std::size_t rejected_ = 0;
};

struct ImportResult {
  std::vector<std::string> domains;  // sorted, unique registered domains
  std::size_t candidates = 0;        // domain-shaped tokens seen
  std::size_t rejected_unknown_tld = 0;
  std::size_t rejected_public_suffix = 0;  // the token is itself a public suffix
};

// Pulls domain-shaped tokens out of any text (hosts files, CSV, URLs, e-mail, prose), keeps those
// whose TLD exists, reduces each to its registered domain. IP addresses are ignored.
void extract_domains(std::string_view text, const PublicSuffixList& psl, ImportResult& result);
void finish_import(ImportResult& result);

}  // namespace dnslens
