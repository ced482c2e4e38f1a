// The ASN range table: the @ip-location-db/asn CSV layout (quoted organizations, IPv4 and IPv6, bad
// lines counted), boundaries, and overlapping ranges resolved as a brute-force oracle resolves them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.hpp"
#include "enrich/geoip/asn_table.hpp"

namespace dnslens {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("dnslens-asn-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

IpAddress ip(std::string_view text) { return *parse_ip(text); }

TEST(AsnTable, ReadsTheIpLocationDbLayout) {
  const std::string path = write_temp("layout.csv",
                                      "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
                                      "1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd\r\n"
                                      "1.0.16.0,1.0.16.255,AS2519,\"The \"\"Quoted\"\" Org\"\n"
                                      "1.0.32.0,1.0.32.255,0,not announced\n"
                                      "2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project\n"
                                      "1.2.3.4,oops,1,Bad\n"
                                      "1.2.3.4,1.2.3.9,twelve,Bad\n"
                                      "1.2.4.9,1.2.4.0,7,Backwards\n"
                                      "1.0.64.0,1.0.127.255,18144,\"unterminated\n"
                                      "\n");
  AsnTable table;
  const auto stats = table.load_csv(path);
  table.finish();
  EXPECT_EQ(stats.ranges, 4u);
  EXPECT_EQ(stats.bad_lines, 4u);
  EXPECT_EQ(stats.first_bad_line, 6u);

  auto at = [&](std::string_view a) { return table.find(ip(a)); };
  ASSERT_TRUE(at("1.0.0.0"));
  EXPECT_EQ(at("1.0.0.0")->number, 13335u);
  EXPECT_EQ(at("1.0.0.255")->organization, "Cloudflare, Inc.");
  EXPECT_FALSE(at("1.0.1.0"));
  EXPECT_FALSE(at("0.255.255.255"));
  EXPECT_EQ(at("1.0.5.5")->organization, "Gtelecom Pty Ltd");  // the \r is not part of it
  EXPECT_EQ(at("1.0.16.1")->number, 2519u);
  EXPECT_EQ(at("1.0.16.1")->organization, "The \"Quoted\" Org");
  EXPECT_FALSE(at("1.0.32.1"));  // AS0 is no answer
  EXPECT_FALSE(at("1.0.64.1"));  // its line was bad
  EXPECT_EQ(at("2001:200::1")->number, 2500u);
  EXPECT_EQ(at("2001:200:1b9:ffff:ffff:ffff:ffff:ffff")->number, 2500u);
  EXPECT_FALSE(at("2001:200:1ba::"));
  EXPECT_FALSE(at("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff"));
  std::filesystem::remove(path);
}

// Every field may be quoted; each keeps its own text (found by the fuzzer: two quoted fields once
// shared one buffer).
TEST(AsnTable, EveryFieldMayBeQuoted) {
  const std::string path =
      write_temp("quoted.csv", "\"9.9.9.0\",\"9.9.9.255\",\"19281\",\"Quad9, \"\"the\"\" resolver\"\n");
  AsnTable table;
  EXPECT_EQ(table.load_csv(path).ranges, 1u);
  table.finish();
  const auto hit = table.find(ip("9.9.9.9"));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->number, 19281u);
  EXPECT_EQ(hit->organization, "Quad9, \"the\" resolver");
  std::filesystem::remove(path);
}

TEST(AsnTable, AFileWithoutOneRangeIsAConfigErrorNamingTheFirstBadLine) {
  const std::string path = write_temp("empty.csv", "# comment\nnot,a,range\n");
  AsnTable table;
  try {
    (void)table.load_csv(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConfig);
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)table.load_csv(path + ".missing"), Error);
  std::filesystem::remove(path);
}

// Random overlapping (nested and crossing) ranges; at every address the range that starts last, then
// the narrower one, must answer, as a scan over every range says.
TEST(AsnTable, OverlapsResolveToTheLaterStartingRange) {
  std::mt19937 rng(20261123);
  for (int round = 0; round < 20; ++round) {
    struct R {
      std::uint32_t a, b, asn;
    };
    std::vector<R> ranges;
    std::string csv;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      std::uint32_t a = rng() % 200, b = rng() % 200;
      if (a > b) std::swap(a, b);
      // Distinct (start, end) pairs keep the oracle's winner unambiguous.
      bool dup = false;
      for (const R& r : ranges) dup |= r.a == a && r.b == b;
      if (dup) continue;
      ranges.push_back({a, b, static_cast<std::uint32_t>(100 + i)});
      csv += "10.0.0." + std::to_string(a) + ",10.0.0." + std::to_string(b) + "," + std::to_string(100 + i) + ",org" +
             std::to_string(i) + "\n";
    }
    const std::string path = write_temp("overlap.csv", csv);
    AsnTable table;
    (void)table.load_csv(path);
    table.finish();
    for (std::uint32_t x = 0; x < 256; ++x) {
      const R* best = nullptr;
      for (const R& r : ranges) {
        if (x < r.a || x > r.b) continue;
        if (!best || r.a > best->a || (r.a == best->a && r.b < best->b)) best = &r;
      }
      const auto got = table.find(ip("10.0.0." + std::to_string(x)));
      if (!best) {
        EXPECT_FALSE(got) << "round " << round << " address " << x;
      } else {
        ASSERT_TRUE(got) << "round " << round << " address " << x;
        EXPECT_EQ(got->number, best->asn) << "round " << round << " address " << x;
        EXPECT_EQ(got->organization, "org" + std::to_string(best->asn - 100));
      }
    }
    std::filesystem::remove(path);
  }
}

TEST(AsnTable, RangesReachingTheTopOfTheAddressSpace) {
  const std::string path = write_temp("top.csv",
                                      "255.255.255.0,255.255.255.255,1,a\n255.255.255.128,255.255.255.255,2,b\n"
                                      "ffff::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,3,c\n");
  AsnTable table;
  (void)table.load_csv(path);
  table.finish();
  EXPECT_EQ(table.find(ip("255.255.255.127"))->number, 1u);
  EXPECT_EQ(table.find(ip("255.255.255.255"))->number, 2u);
  EXPECT_EQ(table.find(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))->number, 3u);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace dnslens
