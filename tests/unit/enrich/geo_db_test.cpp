// Geo lookups over the default data scripts/fetch-geo.sh installs (CI installs it too): countries
// agree with libmaxminddb's own mmdblookup tool, AS numbers with a plain scan of the CSV, the cache
// never changes an answer, and attribution comes from attribution.json or the file's metadata.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.hpp"
#include "enrich/geoip/geo_db.hpp"

namespace dnslens {
namespace {

namespace fs = std::filesystem;

const std::string kDir = GeoConfig::builtin_default_dir();

std::unique_ptr<GeoDb> default_geo() {
  GeoConfig config;
  config.default_dir = kDir;
  auto geo = GeoDb::open(config);
  if (!geo) ADD_FAILURE() << "no geo data in " << kDir << ": run scripts/fetch-geo.sh";
  return geo;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

// The country mmdblookup prints for an address ("" when it finds none).
std::string mmdblookup_country(const std::string& file, const std::string& address) {
  const std::string out = run("mmdblookup --file '" + file + "' --ip " + address + " country_code 2>/dev/null");
  const auto q = out.find('"');
  if (q == std::string::npos) return "";
  return out.substr(q + 1, out.find('"', q + 1) - q - 1);
}

std::vector<IpAddress> random_public_addresses(std::mt19937& rng, int v4, int v6) {
  std::vector<IpAddress> out;
  while (static_cast<int>(out.size()) < v4) {
    IpAddress a;
    for (int i = 0; i < 4; ++i) a.bytes[i] = static_cast<std::uint8_t>(rng());
    if (a.bytes[0] == 0 || a.bytes[0] == 10 || a.bytes[0] == 127 || a.bytes[0] >= 224) continue;
    out.push_back(a);
  }
  for (int k = 0; k < v6; ++k) {
    IpAddress a;
    a.v6 = true;
    a.bytes[0] = 0x20;
    a.bytes[1] = static_cast<std::uint8_t>(rng() % 16);  // 2000::/12, where most allocations are
    for (int i = 2; i < 16; ++i) a.bytes[i] = static_cast<std::uint8_t>(rng());
    out.push_back(a);
  }
  return out;
}

TEST(GeoDb, CountriesAgreeWithMmdblookup) {
  auto geo = default_geo();
  ASSERT_TRUE(geo);
  ASSERT_TRUE(geo->has_country());
  std::mt19937 rng(7);
  int found = 0;
  for (const IpAddress& a : random_public_addresses(rng, 150, 50)) {
    const std::string expected = mmdblookup_country(kDir + "/country.mmdb", a.to_string());
    EXPECT_EQ(std::string(geo->lookup(a).country_code()), expected) << a.to_string();
    found += !expected.empty();
  }
  EXPECT_GT(found, 100);  // the sample is not all misses
  EXPECT_EQ(geo->lookup(*parse_geo_address("8.8.8.8")).country_code(), "US");
}

// AS numbers against a scan of every line of the CSV (the last matching line wins, as in the table,
// when ranges overlap; they do not in this data).
TEST(GeoDb, AsNumbersAgreeWithAScanOfTheCsv) {
  auto geo = default_geo();
  ASSERT_TRUE(geo);
  std::mt19937 rng(11);
  const auto sample = random_public_addresses(rng, 300, 0);
  std::vector<std::uint32_t> expected(sample.size(), 0);
  std::vector<std::string> expected_org(sample.size());
  std::ifstream in(kDir + "/asn-ipv4.csv");
  ASSERT_TRUE(in);
  std::string line;
  while (std::getline(in, line)) {
    const auto c1 = line.find(','), c2 = line.find(',', c1 + 1), c3 = line.find(',', c2 + 1);
    in_addr lo{}, hi{};
    if (::inet_pton(AF_INET, line.substr(0, c1).c_str(), &lo) != 1 ||
        ::inet_pton(AF_INET, line.substr(c1 + 1, c2 - c1 - 1).c_str(), &hi) != 1) {
      continue;
    }
    const std::uint32_t a = ntohl(lo.s_addr), b = ntohl(hi.s_addr);
    for (std::size_t i = 0; i < sample.size(); ++i) {
      if (sample[i].v4() >= a && sample[i].v4() <= b) {
        expected[i] = static_cast<std::uint32_t>(std::stoul(line.substr(c2 + 1, c3 - c2 - 1)));
        std::string org = line.substr(c3 + 1);
        if (org.size() >= 2 && org.front() == '"') {
          org = org.substr(1, org.size() - 2);
          for (std::size_t p; (p = org.find("\"\"")) != std::string::npos;) org.erase(p, 1);
        }
        expected_org[i] = org;
      }
    }
  }
  int found = 0;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    const GeoInfo g = geo->lookup(sample[i]);
    EXPECT_EQ(g.asn, expected[i]) << sample[i].to_string();
    if (expected[i]) {
      EXPECT_EQ(g.organization, expected_org[i]) << sample[i].to_string();
    }
    found += expected[i] != 0;
  }
  EXPECT_GT(found, 150);
}

TEST(GeoDb, ALookupOfOnePartAnswersAsALookupOfBoth) {
  auto geo = default_geo();
  ASSERT_TRUE(geo);
  std::mt19937 rng(3);
  for (const IpAddress& a : random_public_addresses(rng, 2000, 500)) {
    const GeoInfo both = geo->lookup(a), country = geo->lookup(a, kGeoCountry), asn = geo->lookup(a, kGeoAsn);
    ASSERT_EQ(country.country_code(), both.country_code()) << a.to_string();
    ASSERT_EQ(asn.asn, both.asn) << a.to_string();
    ASSERT_EQ(asn.organization, both.organization) << a.to_string();
  }
}

TEST(GeoDb, ALookupOfOnePartLeavesTheOtherUnknown) {
  auto geo = default_geo();
  ASSERT_TRUE(geo);
  const IpAddress a = *parse_geo_address("1.1.1.1");
  const GeoInfo asn_only = geo->lookup(a, kGeoAsn), country_only = geo->lookup(a, kGeoCountry);
  EXPECT_NE(asn_only.asn, 0u);
  EXPECT_EQ(asn_only.country_code(), "");
  EXPECT_NE(country_only.country_code(), "");
  EXPECT_EQ(country_only.asn, 0u);
}

TEST(GeoDb, MappedIpv6AddressesAreTheirIpv4Address) {
  auto geo = default_geo();
  ASSERT_TRUE(geo);
  const auto mapped = parse_geo_address("::ffff:1.1.1.1");
  ASSERT_TRUE(mapped);
  EXPECT_FALSE(mapped->v6);
  EXPECT_EQ(geo->lookup(*mapped).asn, geo->lookup(*parse_geo_address("1.1.1.1")).asn);
  EXPECT_EQ(geo->lookup(*parse_geo_address("10.1.2.3")).country_code(), "");  // private
  EXPECT_EQ(geo->lookup(*parse_geo_address("10.1.2.3")).asn, 0u);
  EXPECT_FALSE(parse_geo_address("ip-10-1-2-3.ec2.internal."));
}

TEST(GeoDb, AttributionComesFromTheSidecarOrTheFileItself) {
  auto geo = default_geo();
  ASSERT_TRUE(geo);
  ASSERT_EQ(geo->sources().size(), 3u);
  bool dbip_link = false;
  for (const GeoSource& s : geo->sources()) {
    EXPECT_FALSE(s.attribution.empty()) << s.path;
    for (const auto& a : s.attribution) dbip_link |= a.url == "https://db-ip.com";
  }
  EXPECT_TRUE(dbip_link);  // DB-IP's license asks for the link on every page using its data

  // The same file elsewhere, without attribution.json: its metadata names no known vendor, so the
  // description (type and build date) is what there is.
  const fs::path dir = fs::temp_directory_path() / ("dnslens-geo-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::create_symlink(fs::path(kDir) / "country.mmdb", dir / "mine.mmdb");
  GeoConfig config;
  config.country_files = {(dir / "mine.mmdb").string()};
  auto mine = GeoDb::open(config);
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->sources().size(), 1u);
  EXPECT_TRUE(mine->sources()[0].attribution.empty());
  EXPECT_NE(mine->sources()[0].description.find("built 20"), std::string::npos) << mine->sources()[0].description;
  EXPECT_FALSE(mine->has_asn());
  EXPECT_EQ(mine->lookup(*parse_geo_address("8.8.8.8")).asn, 0u);

  // A sidecar that says otherwise wins; a malformed one is an error naming it.
  std::ofstream(dir / "attribution.json") << R"({"mine.mmdb": [{"text": "Mine", "url": "https://example.org"}]})";
  mine = GeoDb::open(config);
  ASSERT_EQ(mine->sources()[0].attribution.size(), 1u);
  EXPECT_EQ(mine->sources()[0].attribution[0].text, "Mine");
  std::ofstream(dir / "attribution.json") << R"({"mine.mmdb": [{"url": "x"}]})";
  EXPECT_THROW((void)GeoDb::open(config), Error);
  fs::remove_all(dir);
}

TEST(GeoDb, FilesThatAreNotGeoDataAreConfigErrors) {
  const fs::path bad = fs::temp_directory_path() / ("dnslens-geo-bad-" + std::to_string(::getpid()) + ".mmdb");
  std::ofstream(bad) << "this is not a MaxMind DB file\n";
  GeoConfig config;
  config.country_files = {bad.string()};
  try {
    (void)GeoDb::open(config);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConfig);
    EXPECT_NE(std::string(e.what()).find(bad.string()), std::string::npos) << e.what();
  }
  // As ASN data it is read as a CSV, and has no range.
  config.country_files.clear();
  config.asn_files = {bad.string()};
  EXPECT_THROW((void)GeoDb::open(config), Error);
  fs::remove(bad);

  GeoConfig none;
  none.default_dir = "/nonexistent";
  EXPECT_EQ(GeoDb::open(none), nullptr);
  GeoConfig off;
  off.default_dir = kDir;
  off.enabled = false;
  EXPECT_EQ(GeoDb::open(off), nullptr);
}

}  // namespace
}  // namespace dnslens
