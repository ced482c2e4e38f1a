#pragma once
// --geo-country, --geo-asn and --no-geo, shared by sql and serve (the SQL functions dnslens_country,
// dnslens_asn and dnslens_as_org answer from them).
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "enrich/geoip/geo_db.hpp"

namespace dnslens::cli {

struct GeoOptions {
  std::vector<std::string> country_files;
  std::vector<std::string> asn_files;
  bool disabled = false;

  void add(CLI::App* sub);
  [[nodiscard]] GeoConfig config() const;
  // Loads now and says what was loaded (unless quiet). Null when disabled or when no file is named
  // and the default data is not installed.
  [[nodiscard]] std::unique_ptr<LazyGeoDb> load(bool quiet) const;
};

}  // namespace dnslens::cli
