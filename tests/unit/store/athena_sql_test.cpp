// Trino's date patterns as dnslens reads them: Joda-Time (parse_datetime) and MySQL-style (date_parse,
// date_format), checked against times computed independently (timegm) and round trips over random times.
#include "store/athena_sql.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <random>

#include "core/error.hpp"

namespace dnslens {
namespace {

std::int64_t utc_micros(int y, int mo, int d, int h, int mi, int s, std::int64_t us = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000 + us;
}

std::int64_t joda(std::string_view text, std::string_view pattern) {
  return parse_date(joda_pattern(pattern), text, pattern);
}

std::int64_t mysql(std::string_view text, std::string_view format) {
  return parse_date(mysql_pattern(format), text, format);
}

TEST(AthenaDatePatterns, JodaPatternsOfTheAthenaUserGuide) {
  EXPECT_EQ(joda("2020-09-24T17:51:55Z", "yyyy-MM-dd'T'HH:mm:ss'Z"), utc_micros(2020, 9, 24, 17, 51, 55));
  EXPECT_EQ(joda("2020-09-24T17:51:55Z", "yyyy-MM-dd'T'HH:mm:ss'Z'"), utc_micros(2020, 9, 24, 17, 51, 55));
  EXPECT_EQ(joda("2020-09-24-00:08:00", "yyyy-MM-dd-HH:mm:ss"), utc_micros(2020, 9, 24, 0, 8, 0));
}

TEST(AthenaDatePatterns, JodaOffsetsFractionsNamesAndTwelveHours) {
  EXPECT_EQ(joda("2021-02-04T17:51:55+01:00", "yyyy-MM-dd'T'HH:mm:ssZ"), utc_micros(2021, 2, 4, 16, 51, 55));
  EXPECT_EQ(joda("2021-02-04T17:51:55-0530", "yyyy-MM-dd'T'HH:mm:ssZ"), utc_micros(2021, 2, 4, 23, 21, 55));
  EXPECT_EQ(joda("2021-02-04 17:51:55.123", "yyyy-MM-dd HH:mm:ss.SSS"), utc_micros(2021, 2, 4, 17, 51, 55, 123000));
  EXPECT_EQ(joda("Thu, 04 Feb 2021 05:51:55 PM UTC", "EEE, dd MMM yyyy hh:mm:ss a z"),
            utc_micros(2021, 2, 4, 17, 51, 55));
  EXPECT_EQ(joda("12:00 AM 29 February 2024", "hh:mm a dd MMMM yyyy"), utc_micros(2024, 2, 29, 0, 0, 0));
  EXPECT_EQ(joda("it's 21", "'it''s' yy"), utc_micros(2021, 1, 1, 0, 0, 0));
  EXPECT_EQ(joda("99", "yy"), utc_micros(1999, 1, 1, 0, 0, 0));
}

TEST(AthenaDatePatterns, MySqlSpecifiers) {
  EXPECT_EQ(mysql("2021-02-04 17:51:55", "%Y-%m-%d %H:%i:%s"), utc_micros(2021, 2, 4, 17, 51, 55));
  EXPECT_EQ(mysql("2/4/21 5:51:55 PM", "%c/%e/%y %r"), utc_micros(2021, 2, 4, 17, 51, 55));
  EXPECT_EQ(mysql("February 4 2021 17:51:55.000250", "%M %e %Y %T.%f"), utc_micros(2021, 2, 4, 17, 51, 55, 250));
  EXPECT_EQ(mysql("2021 035 100%", "%Y %j 100%%"), utc_micros(2021, 2, 4, 0, 0, 0));
  // Trino's %y: 1970-2069.
  EXPECT_EQ(mysql("65-01-01", "%y-%m-%d"), utc_micros(2065, 1, 1, 0, 0, 0));
  EXPECT_EQ(mysql("70-01-01", "%y-%m-%d"), utc_micros(1970, 1, 1, 0, 0, 0));
}

TEST(AthenaDatePatterns, WhatDoesNotMatchOrIsNoTimeIsAnError) {
  EXPECT_THROW(joda("2021-02-04", "yyyy-MM-dd HH"), Error);     // text ends early
  EXPECT_THROW(joda("2021-02-04 extra", "yyyy-MM-dd"), Error);  // text left over
  EXPECT_THROW(joda("2021-02-29", "yyyy-MM-dd"), Error);        // not a leap year
  EXPECT_THROW(joda("2021-02-04 24:00", "yyyy-MM-dd HH:mm"), Error);
  EXPECT_THROW(joda("13:00 PM", "hh:mm a"), Error);
  EXPECT_THROW(mysql("2021 366", "%Y %j"), Error);
  EXPECT_THROW(mysql("2024 000", "%Y %j"), Error);  // day 0 of the year is no day
  try {
    (void)joda_pattern("yyyy-ww");
    ADD_FAILURE() << "a week-of-year pattern was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Joda-Time pattern 'yyyy-ww': the letter 'w' is not supported");
  }
  EXPECT_THROW((void)mysql_pattern("%X-%V"), Error);
  EXPECT_THROW((void)mysql_pattern("%Y%"), Error);
}

TEST(AthenaDatePatterns, FormattingAndParsingBackAgreeOnRandomTimes) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::int64_t> any(utc_micros(1900, 1, 1, 0, 0, 0),
                                                  utc_micros(2200, 12, 31, 23, 59, 59));
  const auto full = mysql_pattern("%Y-%m-%d %H:%i:%s.%f");
  const auto twelve = mysql_pattern("%a %W %M %b %e %c %j %Y %l %h %p %i %S");
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t t = any(rng);
    const std::string text = format_date(full, t);
    ASSERT_EQ(parse_date(full, text, "full"), t) << text;
    // Against the C library's own calendar.
    const std::time_t secs = static_cast<std::time_t>(t >= 0 ? t / 1'000'000 : (t - 999'999) / 1'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char expected[128];
    std::strftime(expected, sizeof expected, "%a %A %B %b %-d %-m %j %Y %-I %I %p %M %S", &tm);
    ASSERT_EQ(format_date(twelve, t), expected);
    ASSERT_EQ(parse_date(twelve, expected, "twelve"), static_cast<std::int64_t>(secs) * 1'000'000) << expected;
  }
}

}  // namespace
}  // namespace dnslens
