#include "cli/geo_options.hpp"

#include <cstdio>

namespace dnslens::cli {

void GeoOptions::add(CLI::App* sub) {
  sub->add_option("--geo-country", country_files,
                  "MaxMind DB file(s) giving an address's country (MaxMind GeoLite2/GeoIP2, DB-IP, ip-location-db); "
                  "default: the freely licensed file scripts/fetch-geo.sh installs")
      ->check(CLI::ExistingFile);
  sub->add_option("--geo-asn", asn_files,
                  "AS data: MaxMind DB ASN file(s) or CSV range tables (start,end,asn,org); default: the "
                  "ip-location-db tables scripts/fetch-geo.sh installs")
      ->check(CLI::ExistingFile);
  sub->add_flag("--no-geo", disabled, "No country or AS lookups (the geo SQL functions return NULL)");
}

GeoConfig GeoOptions::config() const {
  GeoConfig config;
  config.country_files = country_files;
  config.asn_files = asn_files;
  config.default_dir = GeoConfig::builtin_default_dir();
  config.enabled = !disabled;
  return config;
}

std::unique_ptr<LazyGeoDb> GeoOptions::load(bool quiet) const {
  auto lazy = std::make_unique<LazyGeoDb>(config());
  const GeoDb* geo = lazy->get();
  if (!quiet && geo) {
    for (const GeoSource& s : geo->sources()) {
      std::fprintf(stderr, "dnslens: geo %s: %s (%s)\n", s.kind.c_str(), s.path.c_str(), s.description.c_str());
    }
  }
  if (!quiet && !geo && !disabled) {
    std::fprintf(stderr, "dnslens: no geo data (run scripts/fetch-geo.sh, or pass --geo-country / --geo-asn)\n");
  }
  return lazy;
}

}  // namespace dnslens::cli
