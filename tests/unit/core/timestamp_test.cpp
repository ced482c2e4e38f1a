#include "core/timestamp.hpp"

#include <gtest/gtest.h>

namespace dnslens {
namespace {

TEST(Timestamp, ParsesRoute53Format) {
  EXPECT_EQ(parse_iso8601_ms("2021-02-04T17:51:55Z"), 1612461115000);
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_ms("2021-02-04T17:51:55.250Z"), 1612461115250);
  EXPECT_EQ(parse_iso8601_ms("2021-02-04T18:51:55+01:00"), 1612461115000);
}

TEST(Timestamp, RejectsGarbage) {
  EXPECT_FALSE(parse_iso8601_ms("2021-02-04"));
  EXPECT_FALSE(parse_iso8601_ms("2021-13-04T17:51:55Z"));
  EXPECT_FALSE(parse_iso8601_ms("2021-02-04T17:51:55"));
  EXPECT_FALSE(parse_iso8601_ms("2021-02-04T17:51:55Zjunk"));
  EXPECT_FALSE(parse_iso8601_ms("yesterday at noon please"));
}

TEST(Timestamp, CivilRoundTrip) {
  for (std::int64_t ms : {0ll, 1612461115000ll, 951782400000ll /* 2000-02-29 */, 4102444799000ll}) {
    CivilTime t = civil_from_ms(ms);
    std::int64_t back = (days_from_civil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day)) * 86400 +
                         t.hour * 3600 + t.minute * 60 + t.second) * 1000;
    EXPECT_EQ(back, ms);
  }
  CivilTime leap = civil_from_ms(951782400000ll);
  EXPECT_EQ(leap.month, 2);
  EXPECT_EQ(leap.day, 29);
}

}  // namespace
}  // namespace dnslens
