// The geo SQL functions on a real DuckDB: the same answers as GeoDb, NULL for what is not a public
// address, NULL everywhere without geo data, and a statement error when the data fails to load.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "store/geo_functions.hpp"

namespace dnslens {
namespace {

GeoConfig default_config() {
  GeoConfig config;
  config.default_dir = GeoConfig::builtin_default_dir();
  return config;
}

TEST(GeoFunctions, AnswerAsTheGeoDataDoes) {
  DuckDatabase db(":memory:");
  DuckConnection conn = db.connect();
  const LazyGeoDb lazy(default_config());
  register_geo_functions(conn, &lazy);
  const GeoDb* geo = lazy.get();
  ASSERT_TRUE(geo);

  conn.exec("CREATE TABLE t (ip VARCHAR)");
  const std::vector<std::string> addresses = {"8.8.8.8",        "1.1.1.1",       "2001:4860:4860::8888",
                                              "::ffff:9.9.9.9", "52.94.236.248", "151.101.1.69"};
  for (const auto& a : addresses) conn.exec("INSERT INTO t VALUES ('" + a + "')");
  // Enough rows for DuckDB to split the work over threads.
  conn.exec("INSERT INTO t SELECT ip FROM t, range(5000)");
  DuckResult r = conn.query(
      "SELECT ip, dnslens_country(ip), dnslens_asn(ip), dnslens_as_org(ip), count(*) FROM t "
      "GROUP BY ALL ORDER BY ip");
  ASSERT_EQ(r.rows(), addresses.size());
  for (std::size_t row = 0; row < r.rows(); ++row) {
    const std::string ip = *r.text(0, row);
    const GeoInfo g = geo->lookup(*parse_geo_address(ip));
    ASSERT_FALSE(g.country_code().empty()) << ip;
    ASSERT_NE(g.asn, 0u) << ip;
    EXPECT_EQ(r.text(1, row), std::string(g.country_code())) << ip;
    EXPECT_EQ(r.text(2, row), std::to_string(g.asn)) << ip;
    EXPECT_EQ(r.text(3, row), std::string(g.organization)) << ip;
    EXPECT_EQ(r.int64(4, row), 5001);
  }
  DuckResult n = conn.query(
      "SELECT dnslens_country(NULL), dnslens_asn('not an address'), dnslens_as_org('10.0.0.1'), "
      "dnslens_country(''), dnslens_country('999.1.1.1'), dnslens_asn('::1')");
  for (std::size_t c = 0; c < n.columns(); ++c) EXPECT_FALSE(n.text(c, 0)) << "column " << c;
}

TEST(GeoFunctions, WithoutGeoDataEveryAnswerIsNull) {
  DuckDatabase db(":memory:");
  DuckConnection conn = db.connect();
  register_geo_functions(conn, nullptr);
  DuckResult r = conn.query("SELECT dnslens_country('8.8.8.8'), dnslens_asn('8.8.8.8'), dnslens_as_org('8.8.8.8')");
  for (std::size_t c = 0; c < 3; ++c) EXPECT_FALSE(r.text(c, 0));
  // Registered once per database: every connection has them.
  DuckConnection other = db.connect();
  EXPECT_FALSE(other.query("SELECT dnslens_country('8.8.8.8')").text(0, 0));
}

TEST(GeoFunctions, GeoDataThatFailsToLoadFailsTheStatementWithTheReason) {
  const auto bad = std::filesystem::temp_directory_path() / ("dnslens-geofn-" + std::to_string(::getpid()) + ".mmdb");
  std::ofstream(bad) << "nope";
  GeoConfig config;
  config.country_files = {bad.string()};
  DuckDatabase db(":memory:");
  DuckConnection conn = db.connect();
  const LazyGeoDb lazy(config);
  register_geo_functions(conn, &lazy);
  EXPECT_NO_THROW((void)conn.query("SELECT 1"));  // nothing is loaded until an address is looked up
  try {
    (void)conn.query("SELECT dnslens_country('8.8.8.8')");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad.string()), std::string::npos) << e.what();
  }
  std::filesystem::remove(bad);
}

}  // namespace
}  // namespace dnslens
