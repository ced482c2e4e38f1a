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
                         t.hour * 3600 + t.minute * 60 + t.second) *
                        1000;
    EXPECT_EQ(back, ms);
  }
  CivilTime leap = civil_from_ms(951782400000ll);
  EXPECT_EQ(leap.month, 2);
  EXPECT_EQ(leap.day, 29);
}

TEST(Timestamp, WritesRoute53Form) {
  for (std::int64_t ms : {0ll, 1612461115000ll, 951782400000ll, -1000ll, 253402300799000ll /* 9999-12-31T23:59:59 */}) {
    char buf[20];
    ASSERT_TRUE(write_iso8601_seconds(ms, buf)) << ms;
    EXPECT_EQ(parse_iso8601_ms(std::string_view(buf, sizeof buf)), ms) << std::string_view(buf, sizeof buf);
    EXPECT_EQ(iso8601_seconds(ms), std::string(buf, sizeof buf));
  }
  EXPECT_EQ(iso8601_seconds(1612461115250), "2021-02-04T17:51:55Z");  // whole seconds
  EXPECT_EQ(iso8601_seconds(-1000), "1969-12-31T23:59:59Z");
  char buf[20];
  EXPECT_FALSE(write_iso8601_seconds(253402300800000ll, buf));  // year 10000
  EXPECT_EQ(iso8601_seconds(253402300800000ll), "10000-01-01T00:00:00Z");
}

// The streaming parser remembers the last date: every answer must still be parse_iso8601_ms's,
// whatever came before (same date, other dates, a leap second, bad times on a remembered date).
TEST(Timestamp, StreamingParserAgreesWithTheFullParse) {
  const char* const texts[] = {
      "2021-02-04T17:51:55Z", "2021-02-04T00:00:00Z", "2021-02-04T23:59:59Z",   "2021-02-04 12:00:01Z",
      "2021-02-04T24:00:00Z", "2021-02-04T12:60:00Z", "2021-02-04T12:00:61Z",   "2021-02-04T23:59:60Z",
      "2021-02-04T1x:00:00Z", "2021-02-04T12:00:00",  "2021-02-04T12:00:00.5Z", "2021-02-04T12:00:00+01:00",
      "2021-02-05T00:00:00Z", "2021-02-04T08:00:00Z", "2021-02-29T08:00:00Z",   "2024-02-29T08:00:00Z",
      "2024-02-29T09:30:15Z", "1969-12-31T23:59:59Z", "1969-12-31T00:00:01Z",   "2021-02-04T17:51:55Zjunk",
      "2021-02-04T17:51:55z", "2021-02-04X17:51:55Z"};
  TimestampParser stream;
  for (int round = 0; round < 3; ++round) {  // every text after every other one, in two orders
    for (std::size_t i = 0; i < std::size(texts); ++i) {
      const char* t = texts[round == 1 ? std::size(texts) - 1 - i : i];
      EXPECT_EQ(stream.parse_ms(t), parse_iso8601_ms(t)) << t << " in round " << round;
      for (const char* u : texts) {
        TimestampParser pair;
        (void)pair.parse_ms(t);
        EXPECT_EQ(pair.parse_ms(u), parse_iso8601_ms(u)) << u << " after " << t;
      }
    }
  }
  TimestampParser same_day;
  EXPECT_EQ(same_day.parse_ms("2021-02-04T17:51:55Z"), 1612461115000);
  EXPECT_EQ(same_day.parse_ms("2021-02-04T17:51:56Z"), 1612461116000);
  EXPECT_EQ(same_day.parse_ms("2021-02-04T00:00:00Z"), 1612396800000);
  EXPECT_FALSE(same_day.parse_ms("2021-02-04T24:00:00Z"));
}

}  // namespace
}  // namespace dnslens
