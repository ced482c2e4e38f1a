#include "enrich/geoip/geo_db.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/read_file.hpp"

#ifndef DNSLENS_GEO_DIR
#define DNSLENS_GEO_DIR ""
#endif

namespace dnslens {

namespace {

namespace fs = std::filesystem;

bool is_mmdb(const std::string& path) {
  // A MaxMind DB file ends with its metadata, introduced by this marker (within the last 128 KiB).
  static constexpr std::string_view kMarker = "\xAB\xCD\xEFMaxMind.com";
  std::error_code ec;
  // A directory opens, but has no size to seek to.
  if (!fs::is_regular_file(path, ec))
    throw Error(ErrorCode::kConfig, path + ": cannot open geo data file: not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kConfig, path + ": cannot open geo data file");
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::int64_t>(in.tellg());
  if (size < 0) throw Error(ErrorCode::kConfig, path + ": cannot open geo data file: no size");
  const std::int64_t tail = std::min<std::int64_t>(size, 128 * 1024);
  std::string buf(static_cast<std::size_t>(tail), '\0');
  in.seekg(size - tail);
  in.read(buf.data(), tail);
  return buf.find(kMarker) != std::string::npos;
}

// attribution.json beside the file (what scripts/fetch-geo.sh writes): {"<file name>": [{text, url}]}.
std::vector<GeoAttribution> attribution_beside(const std::string& path) {
  const fs::path sidecar = fs::path(path).parent_path() / "attribution.json";
  std::error_code ec;
  if (!fs::exists(sidecar, ec)) return {};
  const std::string text = read_whole_file(sidecar.string(), "geo attribution", ErrorCode::kConfig);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kConfig, sidecar.string() + ": " + e.what());
  }
  std::vector<GeoAttribution> out;
  const auto name = fs::path(path).filename().string();
  if (!doc.is_object() || !doc.contains(name)) return out;
  const nlohmann::json& entries = doc[name];
  if (!entries.is_array()) throw Error(ErrorCode::kConfig, sidecar.string() + ": /" + name + " must be a list");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const nlohmann::json& item = entries[i];
    const std::string pointer = fmt::format("{}: /{}/{}", sidecar.string(), name, i);
    if (!item.is_object() || !item.contains("text") || !item["text"].is_string()) {
      throw Error(ErrorCode::kConfig, pointer + ": each entry needs a \"text\" string");
    }
    if (item.contains("url") && !item["url"].is_string())
      throw Error(ErrorCode::kConfig, pointer + ": \"url\" must be a string");
    out.push_back({item["text"].get<std::string>(), item.value("url", std::string())});
  }
  return out;
}

// What the vendors' licenses ask for, recognised from the file's own metadata.
std::vector<GeoAttribution> vendor_attribution(std::string_view type) {
  if (type.find("GeoLite2") != std::string_view::npos) {
    return {{"This product includes GeoLite2 data created by MaxMind", "https://www.maxmind.com"}};
  }
  if (type.find("DBIP") != std::string_view::npos || type.find("dbip") != std::string_view::npos ||
      type.find("DB-IP") != std::string_view::npos) {
    return {{"IP Geolocation by DB-IP", "https://db-ip.com"}};
  }
  return {};
}

std::string describe(const MmdbFile& file) {
  const std::time_t built = static_cast<std::time_t>(file.build_epoch());
  std::tm tm{};
  gmtime_r(&built, &tm);
  return fmt::format("MaxMind DB \"{}\", built {:04d}-{:02d}-{:02d}", file.database_type(), tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday);
}

}  // namespace

std::string GeoConfig::builtin_default_dir() {
  if (const char* env = std::getenv("DNSLENS_GEO_DIR"); env && *env) return env;
  return DNSLENS_GEO_DIR;
}

std::optional<IpAddress> parse_geo_address(std::string_view text) {
  auto ip = parse_ip(text);
  if (ip && ip->v6) {
    static constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped.begin(), kMapped.end(), ip->bytes.begin())) {
      IpAddress v4;
      std::copy(ip->bytes.begin() + 12, ip->bytes.end(), v4.bytes.begin());
      return v4;
    }
  }
  return ip;
}

void GeoDb::add_country(const std::string& path) {
  auto file = std::make_unique<MmdbFile>(path);
  auto attribution = attribution_beside(path);
  if (attribution.empty()) attribution = vendor_attribution(file->database_type());
  sources_.push_back({"country", path, describe(*file), std::move(attribution)});
  country_files_.push_back(std::move(file));
}

void GeoDb::add_asn(const std::string& path) {
  auto attribution = attribution_beside(path);
  if (is_mmdb(path)) {
    auto file = std::make_unique<MmdbFile>(path);
    if (attribution.empty()) attribution = vendor_attribution(file->database_type());
    sources_.push_back({"asn", path, describe(*file), std::move(attribution)});
    asn_mmdbs_.push_back(std::move(file));
    return;
  }
  const auto stats = asn_table_.load_csv(path);
  std::string description = fmt::format("ASN range table, {} ranges", stats.ranges);
  if (stats.bad_lines) {
    description += fmt::format(" ({} bad lines skipped; first at line {}: {})", stats.bad_lines, stats.first_bad_line,
                               stats.first_bad_reason);
  }
  sources_.push_back({"asn", path, std::move(description), std::move(attribution)});
}

std::unique_ptr<GeoDb> GeoDb::open(const GeoConfig& config) {
  if (!config.enabled) return nullptr;
  std::unique_ptr<GeoDb> db(new GeoDb());
  std::vector<std::string> countries = config.country_files;
  std::vector<std::string> asns = config.asn_files;
  if (countries.empty() && asns.empty() && !config.default_dir.empty()) {
    const fs::path dir(config.default_dir);
    std::error_code ec;
    if (fs::exists(dir / "country.mmdb", ec)) countries.push_back((dir / "country.mmdb").string());
    for (const char* name : {"asn-ipv4.csv", "asn-ipv6.csv"}) {
      if (fs::exists(dir / name, ec)) asns.push_back((dir / name).string());
    }
  }
  if (countries.empty() && asns.empty()) return nullptr;
  for (const auto& path : countries) db->add_country(path);
  for (const auto& path : asns) db->add_asn(path);
  db->asn_table_.finish();
  return db;
}

const GeoDb* LazyGeoDb::get() const {
  std::call_once(once_, [this] {
    try {
      db_ = GeoDb::open(config_);
    } catch (const Error& e) {
      error_ = e.what();
    }
  });
  if (!error_.empty()) throw Error(ErrorCode::kConfig, error_);
  return db_.get();
}

GeoInfo GeoDb::lookup(const IpAddress& ip, unsigned parts) const {
  GeoInfo info;
  if (parts & kGeoCountry) {
    for (const auto& file : country_files_) {
      const std::string_view code = file->country(ip);
      if (code.size() == 2) {
        info.country = {code[0], code[1]};
        break;
      }
    }
  }
  if (parts & kGeoAsn) {
    std::optional<AsnInfo> asn;
    for (const auto& file : asn_mmdbs_) {
      if ((asn = file->asn(ip))) break;
    }
    if (!asn) asn = asn_table_.find(ip);
    if (asn) {
      info.asn = asn->number;
      info.organization = asn->organization;
    }
  }
  return info;
}

}  // namespace dnslens
