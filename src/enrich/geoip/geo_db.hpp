#pragma once
// Country and autonomous system of an address, from MaxMind DB files and ASN range tables the user
// points at, or by default the freely licensed files scripts/fetch-geo.sh puts in .deps/geo-<version>/.
// A lookup reads only the parts asked for (a panel of AS numbers never walks the country file).
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "enrich/geoip/asn_table.hpp"
#include "enrich/geoip/mmdb_file.hpp"
#include "enrich/threat_intel/ip_address.hpp"

namespace dnslens {

struct GeoConfig {
  std::vector<std::string> country_files;  // MaxMind DB files; the first with an answer wins
  std::vector<std::string> asn_files;      // MaxMind DB files or CSV range tables (start,end,asn,org)
  // Used when neither list is given: country.mmdb, asn-ipv4.csv and asn-ipv6.csv in it, when present.
  std::string default_dir;
  bool enabled = true;

  // $DNSLENS_GEO_DIR, else the directory scripts/fetch-geo.sh fills.
  [[nodiscard]] static std::string builtin_default_dir();
};

struct GeoAttribution {
  std::string text;
  std::string url;  // may be empty
};

struct GeoSource {
  std::string kind;  // "country" or "asn"
  std::string path;
  std::string description;  // what the file is: type and build date, or the number of ranges
  std::vector<GeoAttribution> attribution;
};

// Which parts of GeoInfo a lookup fills (a caller that shows only the AS skips the country file).
enum GeoParts : unsigned { kGeoCountry = 1, kGeoAsn = 2, kGeoAll = kGeoCountry | kGeoAsn };

struct GeoInfo {
  std::array<char, 2> country{};  // {0,0} when unknown
  std::uint32_t asn = 0;          // 0 when unknown
  std::string_view organization;  // valid while the GeoDb lives

  [[nodiscard]] std::string_view country_code() const {
    return country[0] ? std::string_view(country.data(), 2) : std::string_view();
  }
};

class GeoDb {
 public:
  // Opens every configured file (a missing or unreadable file the user named throws Error(kConfig)).
  // nullptr when geo is disabled, or when nothing was named and the default directory holds nothing.
  [[nodiscard]] static std::unique_ptr<GeoDb> open(const GeoConfig& config);

  // Fills the parts asked for; the others may be left unknown.
  // Not cached: measured on a day of answers, a per-thread cache of results made the lookups slower (the AS
  // table) or no faster (the country file) than looking each address up.
  [[nodiscard]] GeoInfo lookup(const IpAddress& ip, unsigned parts = kGeoAll) const;
  [[nodiscard]] const std::vector<GeoSource>& sources() const { return sources_; }
  [[nodiscard]] bool has_country() const { return !country_files_.empty(); }
  [[nodiscard]] bool has_asn() const { return !asn_mmdbs_.empty() || asn_table_.size() > 0; }

 private:
  GeoDb() = default;
  void add_country(const std::string& path);
  void add_asn(const std::string& path);

  std::vector<std::unique_ptr<MmdbFile>> country_files_;
  std::vector<std::unique_ptr<MmdbFile>> asn_mmdbs_;
  AsnTable asn_table_;
  std::vector<GeoSource> sources_;
};

// Opens the configured data the first time an address is looked up, so commands that never look one up
// (most `dnslens sql` statements) do not pay for loading the ASN tables.
class LazyGeoDb {
 public:
  explicit LazyGeoDb(GeoConfig config) : config_(std::move(config)) {}
  // Null when there is no geo data; throws Error(kConfig) when loading failed (on every call).
  [[nodiscard]] const GeoDb* get() const;

 private:
  GeoConfig config_;
  mutable std::once_flag once_;
  mutable std::unique_ptr<GeoDb> db_;
  mutable std::string error_;
};

// The address an answer's Rdata or a srcaddr names, with IPv4-mapped IPv6 (::ffff:a.b.c.d) read as
// the IPv4 address it carries.
[[nodiscard]] std::optional<IpAddress> parse_geo_address(std::string_view text);

}  // namespace dnslens
