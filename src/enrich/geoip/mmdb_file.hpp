#pragma once
// One MaxMind DB file (MaxMind GeoLite2/GeoIP2, DB-IP, ip-location-db, ...) opened with libmaxminddb
// (memory-mapped, read-only, safe to query from many threads). Knows the schemas in use: country as
// `country.iso_code` (MaxMind, DB-IP) or `country_code` (ip-location-db's flat layout), ASN as
// `autonomous_system_number` / `autonomous_system_organization`.
#include <maxminddb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "enrich/geoip/asn_table.hpp"
#include "enrich/threat_intel/ip_address.hpp"

namespace dnslens {

class MmdbFile {
 public:
  explicit MmdbFile(const std::string& path);  // throws Error(kConfig) naming the file and libmaxminddb's reason
  ~MmdbFile();
  MmdbFile(const MmdbFile&) = delete;
  MmdbFile& operator=(const MmdbFile&) = delete;

  // Two-letter country code of the address's network; empty when the file has none for it.
  [[nodiscard]] std::string_view country(const IpAddress& ip) const;
  [[nodiscard]] std::optional<AsnInfo> asn(const IpAddress& ip) const;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string_view database_type() const;
  [[nodiscard]] std::uint64_t build_epoch() const { return db_.metadata.build_epoch; }
  [[nodiscard]] bool has_ipv6() const { return db_.metadata.ip_version == 6; }

 private:
  [[nodiscard]] bool lookup(const IpAddress& ip, MMDB_entry_s& entry) const;
  [[nodiscard]] std::string_view string_at(MMDB_entry_s& entry, const char* const* path) const;

  std::string path_;
  mutable MMDB_s db_{};
};

}  // namespace dnslens
