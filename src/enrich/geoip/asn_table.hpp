#pragma once
// Autonomous-system ranges from a CSV range table (the @ip-location-db/asn layout: one range per line,
// `start,end,asn,org`, addresses as text, org optionally double-quoted), searched by binary search.
// MaxMind DB has no free ASN file on npm, so the default ASN data comes in this form.
#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "enrich/threat_intel/ip_address.hpp"

namespace dnslens {

struct AsnInfo {
  std::uint32_t number = 0;
  std::string_view organization;  // valid while the table (or mmdb file) that answered lives
};

class AsnTable {
 public:
  struct LoadStats {
    std::size_t ranges = 0;
    std::size_t bad_lines = 0;
    std::size_t first_bad_line = 0;  // 1-based; 0 when every line was good
    std::string first_bad_reason;
  };

  // Adds the ranges of one file (IPv4 and IPv6 may come from separate files). Unreadable files and
  // files without a single good range throw Error(kConfig); a few bad lines are counted and skipped.
  LoadStats load_csv(const std::string& path);
  // The same for text in memory; `origin` names it in errors.
  LoadStats load_csv_text(std::string_view text, const std::string& origin);
  // Sorts the ranges; overlapping ranges are cut so the one starting later wins inside it (the more
  // specific allocation). Must be called after the last load and before lookups.
  void finish();

  [[nodiscard]] std::optional<AsnInfo> find(const IpAddress& ip) const;
  [[nodiscard]] std::size_t size() const { return v4_.size() + v6_.size(); }

 private:
  template <typename Key>
  struct Range {
    Key start;
    Key end;
    std::uint32_t asn;
    std::uint32_t org;  // index into orgs_
  };
  struct U128 {
    std::uint64_t hi = 0, lo = 0;
    auto operator<=>(const U128&) const = default;
  };
  static U128 key128(const IpAddress& ip);
  template <typename Key>
  static void finish_ranges(std::vector<Range<Key>>& ranges);

  std::uint32_t intern(std::string_view org);

  std::vector<Range<std::uint32_t>> v4_;
  std::vector<std::uint32_t> v4_starts_;  // v4_'s starts alone: the search touches 4 bytes a step, not 16
  std::vector<Range<U128>> v6_;
  std::deque<std::string> orgs_;
  absl::flat_hash_map<std::string_view, std::uint32_t> org_lookup_;  // only while loading
};

}  // namespace dnslens
