#pragma once
// Athena's SQL (Trino's dialect) on the DuckDB store, for the forms Route 53 Resolver query-log queries
// use: the AWS blog's and the Athena user guide's examples run in `dnslens sql` as written.
//   "default"."route53query"         the store is attached as the catalog "default" (open_athena_catalog)
//   r53_rlogs                        the Athena user guide's table name, a view of route53query
//   cardinality(array)               the number of elements (DuckDB's own takes only maps)
//   parse_datetime(text, joda)       a Joda-Time pattern ('yyyy-MM-dd''T''HH:mm:ss''Z'), as Trino reads it
//   date_parse(text, mysql_format)   Trino's MySQL-style format (%Y-%m-%d %H:%i:%s)
//   date_format(timestamp, mysql_format)
//   from_iso8601_timestamp(text)     TIMESTAMP WITH TIME ZONE
//   from_unixtime(seconds), to_unixtime(timestamp)
//   json_extract_scalar(json, path)  a scalar's text; NULL for an object or an array
//   regexp_like(text, pattern), approx_distinct(x)
// parse_datetime and date_parse return a TIMESTAMP in UTC (an offset in the text is applied), which
// compares with query_ts; Trino's parse_datetime keeps the zone instead. The session's time zone is UTC.
// The others are TEMP macros of the connection: they shadow DuckDB's functions of the same name only there
// (DuckDB's cardinality takes a MAP, which the store has none of; this one takes a list). A pattern Trino
// would not take either is an error naming it and the part that is wrong.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/duckdb_api.hpp"

namespace dnslens {

// A parsed date pattern: what parse_date and format_date follow.
struct DatePart {
  enum Kind : std::uint8_t {
    kLiteral,
    kYear,
    kYear2,      // MySQL-style %y: 1970-2069
    kYear2Joda,  // Joda-Time yy: within 50 years of the current year minus 30
    kMonth,
    kMonthAbbr,
    kMonthName,
    kDay,
    kDayOfYear,
    kHour24,
    kHour12,
    kMinute,
    kSecond,
    kFraction,  // `digits` of them when formatting; 1-9 when parsing
    kAmPm,
    kWeekdayAbbr,
    kWeekdayName,
    kWeekdayNumber,  // 0 = Sunday
    kOffset,         // Z, +hh:mm, +hhmm or +hh
    kZoneName,       // UTC, GMT or Z only
  };
  Kind kind = kLiteral;
  std::string literal;
  int digits = 2;  // zero-padded width when formatting; 0: not padded
};

// Throws Error(kQuery) naming the pattern and the letter or specifier that is not supported.
[[nodiscard]] std::vector<DatePart> joda_pattern(std::string_view pattern);
[[nodiscard]] std::vector<DatePart> mysql_pattern(std::string_view format);

// Microseconds since 1970-01-01 UTC; throws Error(kQuery) when the text does not match the pattern whole or
// names no valid time. `pattern` is the pattern's text, for the error.
[[nodiscard]] std::int64_t parse_date(const std::vector<DatePart>& parts, std::string_view text,
                                      std::string_view pattern);
[[nodiscard]] std::string format_date(const std::vector<DatePart>& parts, std::int64_t micros);

// Attaches the store file as the catalog "default" (read-only unless `writable`) on a connection to an
// in-memory database and makes it the current one, so "default"."route53query" and route53query both
// name the store's table. Throws Error(kIo) naming the file when it cannot be opened.
void open_athena_catalog(DuckConnection& conn, const std::string& path, bool writable);

// Registers the functions above on the connection's database and creates the TEMP macros, and the view
// r53_rlogs when the store has route53query.
void add_athena_forms(DuckConnection& conn);

}  // namespace dnslens
