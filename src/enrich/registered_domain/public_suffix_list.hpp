#pragma once
// The public suffix list as a hash table of rule suffixes: a name is matched by looking up each of
// its suffixes once (string_view, no allocation), rightmost label first, stopping as soon as no
// rule continues further left. libpsl is the oracle this is tested against.
#include <cstdint>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "core/dns_name.hpp"

namespace dnslens {

enum class PslScope : std::uint8_t { kIcannAndPrivate, kIcannOnly };

struct DomainParts {
  std::string_view public_suffix;      // "co.uk"
  std::string_view registered_domain;  // "example.co.uk"; empty when the name is itself a suffix
  std::string_view subdomain;          // "foo.bar"; empty when none
  // By the ICANN section's rules alone: "amazonaws.com" for "x.bucket.s3.amazonaws.com", whose registered
  // domain the private section makes "bucket.s3.amazonaws.com"; the registered domain when no private rule
  // decided it. Who owns the name at the registry, where registered_domain is who it was handed to.
  std::string_view icann_registered_domain;
  bool tld_valid = false;  // the rightmost label is a TLD the list knows
  bool is_ip_literal = false;
};

struct PslStats {
  std::size_t icann_rules = 0;
  std::size_t private_rules = 0;
  std::size_t wildcard_rules = 0;
  std::size_t exception_rules = 0;
};

class PublicSuffixList {
 public:
  // Throws Error(kConfig) when the file cannot be read or holds no rule.
  static PublicSuffixList load_file(const std::string& path, PslScope scope);
  static PublicSuffixList load_text(std::string_view text, PslScope scope);

  // name must already be normalised (lowercase, no trailing dot).
  [[nodiscard]] DomainParts split(std::string_view name) const;
  [[nodiscard]] bool tld_exists(std::string_view tld) const;
  [[nodiscard]] const PslStats& stats() const { return stats_; }
  [[nodiscard]] PslScope scope() const { return scope_; }

 private:
  enum Bits : std::uint8_t {
    kNormal = 1,           // the key is a rule
    kWildcard = 2,         // "*.<key>" is a rule
    kException = 4,        // "!<key>" is a rule
    kHasLonger = 8,        // some rule ends with ".<key>"
    kIcannNormal = 16,     // kNormal, from the ICANN section
    kIcannWildcard = 32,   // kWildcard, from the ICANN section
    kIcannException = 64,  // kException, from the ICANN section
  };
  void add_rule(std::string_view rule, bool is_private);
  void add_key(std::string_view key, std::uint8_t bits);

  absl::flat_hash_map<std::string, std::uint8_t> rules_;
  PslScope scope_ = PslScope::kIcannAndPrivate;
  PslStats stats_;
};

}  // namespace dnslens
