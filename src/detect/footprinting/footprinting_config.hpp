#pragma once
// The reverse-DNS footprinting detector's settings (section `footprinting` of the detection config).
#include <cstdint>

#include "detect/engine/config_fields.hpp"

namespace dnslens {

struct FootprintingConfig {
  bool enabled = true;
  std::int64_t window_seconds = 3600;
  std::uint32_t min_addresses = 32;        // distinct addresses in one /24 (IPv4) or /120 (IPv6)
  double min_density = 0.5;                // ... covering this share of their range
  double min_nxdomain_share = 0.5;         // ... or mostly answered NXDOMAIN
  std::uint32_t min_wide_addresses = 128;  // or: this many across ranges, mostly NXDOMAIN
  std::uint64_t max_keys = 20000;

  void fields(ConfigFields& f) {
    f.add("enabled", &enabled);
    f.add("window_seconds", &window_seconds);
    f.add("min_addresses", &min_addresses);
    f.add("min_density", &min_density);
    f.add("min_nxdomain_share", &min_nxdomain_share);
    f.add("min_wide_addresses", &min_wide_addresses);
    f.add("max_keys", &max_keys);
  }
  void validate(const ConfigCheck& check) const {
    check.seconds("window_seconds", window_seconds);
    check.between("min_addresses", min_addresses, 2, 256);
    check.share("min_density", min_density);
    check.share("min_nxdomain_share", min_nxdomain_share);
    check.cap("max_keys", max_keys);
  }
};

}  // namespace dnslens
