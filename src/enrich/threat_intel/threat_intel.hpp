#pragma once
// Threat-intelligence indicators from any number of named feeds, matched against every record:
// the query name (exact and parent domains, so a.b.evil.com hits evil.com), reverse-DNS names
// (the address they ask about), answer IPs and CNAME targets, and optionally srcaddr.
//
// Built once, then const and shared by all worker threads. Lookups take string_views and fixed-size
// keys and allocate nothing. Domains: one hash lookup per label from the full name down to the
// registered domain. Addresses: one hash table per prefix length present in the feeds, longest first.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/numeric/int128.h>

#include "core/enriched_record.hpp"
#include "enrich/threat_intel/ip_address.hpp"

namespace dnslens {

enum class IndicatorKind : std::uint8_t { kDomain, kIpv4, kIpv6, kCidr4, kCidr6, kUrl };
[[nodiscard]] std::string_view indicator_kind_name(IndicatorKind kind);

// The Threat Intel dashboard groups hits by malicious confidence: high >= 80, medium >= 50,
// low below that, unknown when the feed gives none.
enum class ConfidenceLevel : std::uint8_t { kUnknown, kLow, kMedium, kHigh };
[[nodiscard]] ConfidenceLevel confidence_level(int confidence);
[[nodiscard]] std::string_view confidence_level_name(ConfidenceLevel level);

// What kind of threat a feed's category text describes, read from its words: command and control
// ("c2", "botnet_cc", "command-and-control"), cryptocurrency mining ("coinminer", "mining pool"),
// phishing, a DGA domain, a drop point for stolen data ("exfiltration", "cc_skimming"), a drive-by
// source ("exploit kit"), or a sinkhole / black hole; anything else (a malware family's name, an
// empty category) is kGeneric. Decided once per indicator when the feed loads.
enum class ThreatClass : std::uint8_t {
  kGeneric,
  kCommandAndControl,
  kCryptoCurrency,
  kPhishing,
  kDga,
  kDropPoint,
  kDriveBy,
  kSinkhole,
};
[[nodiscard]] ThreatClass classify_threat(std::string_view category);
[[nodiscard]] std::string_view threat_class_name(ThreatClass c);

// What a feed says about one indicator; text fields are interned (see ThreatIntel::text()).
struct Indicator {
  std::string_view value;  // as matched: a lowercase domain, an address or prefix, or a URL
  IndicatorKind kind = IndicatorKind::kDomain;
  std::int16_t confidence = -1;  // 0..100, -1 when unknown
  std::uint32_t feed = 0;
  std::uint32_t actor = 0;                           // 0 = none
  std::uint32_t threat = 0;                          // threat category
  ThreatClass threat_class = ThreatClass::kGeneric;  // classify_threat() of the category
  std::uint32_t source = 0;
  std::uint32_t first_seen = 0;
  std::uint32_t last_seen = 0;
};

// Where in the record an indicator matched.

// Indicator metadata before it is interned (what feed loaders produce).
struct IndicatorInput {
  std::string value;
  IndicatorKind kind = IndicatorKind::kDomain;
  std::string match_key;  // the domain, the host of a URL, or the masked prefix text
  int confidence = -1;
  std::string actor, threat, source, first_seen, last_seen;
};

class ThreatIntel {
 public:
  ThreatIntel();
  // A feed name; indicators added after refer to it.
  std::uint32_t add_feed(std::string_view name);
  // Adds an indicator to the last feed. A value already present keeps the higher-confidence entry.
  // Returns false (and adds nothing) when the match key is not a usable domain or address.
  bool add(const IndicatorInput& in);

  // name: normalised query name; registered: its registered domain (may be empty: then every
  // suffix of two or more labels is tried).
  [[nodiscard]] const Indicator* match_domain(std::string_view name, std::string_view registered) const;
  [[nodiscard]] const Indicator* match_ip(const IpAddress& ip) const;

  [[nodiscard]] std::string_view text(std::uint32_t id) const { return texts_[id]; }
  [[nodiscard]] std::size_t size() const { return indicators_.size(); }
  [[nodiscard]] std::size_t duplicates() const { return duplicates_; }
  [[nodiscard]] std::size_t domain_count() const { return domains_.size(); }
  [[nodiscard]] std::size_t address_count() const { return address_count_; }
  [[nodiscard]] bool empty() const { return indicators_.empty(); }

 private:
  std::uint32_t intern(std::string_view s);
  std::string_view store(std::string_view s);
  bool place(std::uint32_t& slot_index, const Indicator& ind);

  std::vector<Indicator> indicators_;
  std::vector<std::string_view> texts_;  // interned text, id 0 = ""
  absl::flat_hash_map<absl::string_view, std::uint32_t> text_ids_;
  std::vector<std::unique_ptr<char[]>> arena_;
  std::size_t arena_used_ = 0;
  std::size_t arena_capacity_ = 0;

  absl::flat_hash_map<absl::string_view, std::uint32_t> domains_;
  std::array<absl::flat_hash_map<std::uint32_t, std::uint32_t>, 33> v4_;
  std::array<absl::flat_hash_map<absl::uint128, std::uint32_t>, 129> v6_;
  std::vector<int> v4_lengths_;  // prefix lengths present, longest first
  std::vector<int> v6_lengths_;
  std::size_t address_count_ = 0;
  std::size_t duplicates_ = 0;
  std::uint32_t current_feed_ = 0;
};

}  // namespace dnslens
