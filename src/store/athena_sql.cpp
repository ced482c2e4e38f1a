#include "store/athena_sql.hpp"

#include <fmt/format.h>

#include <array>
#include <ctime>
#include <limits>
#include <optional>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/timestamp.hpp"
#include "store/store_text.hpp"

namespace dnslens {

namespace {

constexpr std::array<std::string_view, 12> kMonths = {"January",   "February", "March",    "April",
                                                      "May",       "June",     "July",     "August",
                                                      "September", "October",  "November", "December"};
constexpr std::array<std::string_view, 7> kWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

bool ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

[[noreturn]] void unsupported(std::string_view kind, std::string_view pattern, std::string_view what) {
  throw Error(ErrorCode::kQuery, fmt::format("{} '{}': {} is not supported", kind, pattern, what));
}

void add_literal(std::vector<DatePart>& parts, char c) {
  if (parts.empty() || parts.back().kind != DatePart::kLiteral) parts.push_back({DatePart::kLiteral, "", 0});
  parts.back().literal += c;
}

void add(std::vector<DatePart>& parts, DatePart::Kind kind, int digits = 2) { parts.push_back({kind, "", digits}); }

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Joda-Time reads a two-digit year within 50 years of its pivot, the current year minus 30.
std::int64_t joda_pivot_year() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900 - 30;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Reads 1..max_digits digits (exactly `exact` when nonzero).
std::optional<int> read_number(std::string_view text, std::size_t& at, int max_digits, int exact = 0) {
  const std::size_t start = at;
  int value = 0;
  while (at < text.size() && digit(text[at]) && static_cast<int>(at - start) < max_digits) {
    value = value * 10 + (text[at] - '0');
    ++at;
  }
  const int n = static_cast<int>(at - start);
  if (n == 0 || (exact != 0 && n != exact)) return std::nullopt;
  return value;
}

// A case-insensitive match of one of `names`, full or (abbr) its first three letters; the index.
template <std::size_t N>
std::optional<int> read_name(std::string_view text, std::size_t& at, const std::array<std::string_view, N>& names,
                             bool abbr) {
  for (std::size_t i = 0; i < N; ++i) {
    const std::string_view name = abbr ? names[i].substr(0, 3) : names[i];
    if (ascii_iequals(text.substr(at, name.size()), name)) {
      at += name.size();
      return static_cast<int>(i);
    }
  }
  return std::nullopt;
}

// A one-VARCHAR-pattern function's parsed pattern, kept while rows repeat it.
struct PatternCache {
  std::string text;
  std::vector<DatePart> parts;
  bool valid = false;
  const std::vector<DatePart>& get(std::string_view pattern, std::vector<DatePart> (*parse)(std::string_view)) {
    if (!valid || pattern != text) {
      parts = parse(pattern);
      text.assign(pattern);
      valid = true;
    }
    return parts;
  }
};

std::string_view text_at(duckdb_string_t* texts, idx_t row) {
  return {duckdb_string_t_data(&texts[row]), duckdb_string_t_length(texts[row])};
}

// parse_datetime / date_parse: (text, pattern) -> TIMESTAMP.
template <std::vector<DatePart> (*kPattern)(std::string_view)>
void parse_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector text_vec = duckdb_data_chunk_get_vector(input, 0), pattern_vec = duckdb_data_chunk_get_vector(input, 1);
  auto* texts = static_cast<duckdb_string_t*>(duckdb_vector_get_data(text_vec));
  auto* patterns = static_cast<duckdb_string_t*>(duckdb_vector_get_data(pattern_vec));
  uint64_t* text_valid = duckdb_vector_get_validity(text_vec);
  uint64_t* pattern_valid = duckdb_vector_get_validity(pattern_vec);
  duckdb_vector_ensure_validity_writable(output);
  uint64_t* out_valid = duckdb_vector_get_validity(output);
  auto* out = static_cast<std::int64_t*>(duckdb_vector_get_data(output));
  PatternCache cache;
  for (idx_t row = 0; row < rows; ++row) {
    if (!duckdb_validity_row_is_valid(text_valid, row) || !duckdb_validity_row_is_valid(pattern_valid, row)) {
      duckdb_validity_set_row_invalid(out_valid, row);
      continue;
    }
    try {
      const std::string_view pattern = text_at(patterns, row);
      out[row] = parse_date(cache.get(pattern, kPattern), text_at(texts, row), pattern);
    } catch (const Error& e) {
      duckdb_scalar_function_set_error(info, e.what());
      return;
    }
  }
}

// date_format: (TIMESTAMP, pattern) -> VARCHAR.
void format_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector time_vec = duckdb_data_chunk_get_vector(input, 0), pattern_vec = duckdb_data_chunk_get_vector(input, 1);
  auto* times = static_cast<std::int64_t*>(duckdb_vector_get_data(time_vec));
  auto* patterns = static_cast<duckdb_string_t*>(duckdb_vector_get_data(pattern_vec));
  uint64_t* time_valid = duckdb_vector_get_validity(time_vec);
  uint64_t* pattern_valid = duckdb_vector_get_validity(pattern_vec);
  duckdb_vector_ensure_validity_writable(output);
  uint64_t* out_valid = duckdb_vector_get_validity(output);
  PatternCache cache;
  for (idx_t row = 0; row < rows; ++row) {
    const bool infinite = times[row] == std::numeric_limits<std::int64_t>::max() ||
                          times[row] == -std::numeric_limits<std::int64_t>::max();
    if (!duckdb_validity_row_is_valid(time_valid, row) || !duckdb_validity_row_is_valid(pattern_valid, row) ||
        infinite) {
      duckdb_validity_set_row_invalid(out_valid, row);
      continue;
    }
    try {
      const std::string text = format_date(cache.get(text_at(patterns, row), mysql_pattern), times[row]);
      duckdb_vector_assign_string_element_len(output, row, text.data(), text.size());
    } catch (const Error& e) {
      duckdb_scalar_function_set_error(info, e.what());
      return;
    }
  }
}

}  // namespace

std::vector<DatePart> joda_pattern(std::string_view pattern) {
  std::vector<DatePart> parts;
  for (std::size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    // Quoted text; '' is a quote, inside quotes or out. A quote left open runs to the end of the pattern, as
    // Joda-Time reads it: the Athena user guide's 'yyyy-MM-dd''T''HH:mm:ss''Z' is such a pattern.
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        add_literal(parts, '\'');
        i += 2;
        continue;
      }
      std::size_t j = i + 1;
      for (; j < pattern.size(); ++j) {
        if (pattern[j] != '\'') {
          add_literal(parts, pattern[j]);
        } else if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
          add_literal(parts, '\'');
          ++j;
        } else {
          break;
        }
      }
      i = j + 1;
      continue;
    }
    if (!ascii_letter(c)) {
      add_literal(parts, c);
      ++i;
      continue;
    }
    std::size_t n = 1;
    while (i + n < pattern.size() && pattern[i + n] == c) ++n;
    const int width = static_cast<int>(n);
    switch (c) {
      case 'y':
      case 'Y':
      case 'u':
        add(parts, n == 2 ? DatePart::kYear2Joda : DatePart::kYear, n == 2 ? 2 : width);
        break;
      case 'M':
        add(parts, n <= 2 ? DatePart::kMonth : n == 3 ? DatePart::kMonthAbbr : DatePart::kMonthName, width);
        break;
      case 'd':
        add(parts, DatePart::kDay, width);
        break;
      case 'D':
        add(parts, DatePart::kDayOfYear, width);
        break;
      case 'H':
        add(parts, DatePart::kHour24, width);
        break;
      case 'h':
        add(parts, DatePart::kHour12, width);
        break;
      case 'm':
        add(parts, DatePart::kMinute, width);
        break;
      case 's':
        add(parts, DatePart::kSecond, width);
        break;
      case 'S':
        add(parts, DatePart::kFraction, width);
        break;
      case 'a':
        add(parts, DatePart::kAmPm);
        break;
      case 'E':
        add(parts, n <= 3 ? DatePart::kWeekdayAbbr : DatePart::kWeekdayName);
        break;
      case 'Z':
        add(parts, DatePart::kOffset);
        break;
      case 'z':
        add(parts, DatePart::kZoneName);
        break;
      default:
        unsupported("Joda-Time pattern", pattern, fmt::format("the letter '{}'", c));
    }
    i += n;
  }
  return parts;
}

std::vector<DatePart> mysql_pattern(std::string_view format) {
  std::vector<DatePart> parts;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      add_literal(parts, format[i]);
      continue;
    }
    if (++i == format.size()) unsupported("date format", format, "a '%' at the end");
    switch (format[i]) {
      case 'Y':
        add(parts, DatePart::kYear, 4);
        break;
      case 'y':
        add(parts, DatePart::kYear2);
        break;
      case 'm':
        add(parts, DatePart::kMonth);
        break;
      case 'c':
        add(parts, DatePart::kMonth, 0);
        break;
      case 'd':
        add(parts, DatePart::kDay);
        break;
      case 'e':
        add(parts, DatePart::kDay, 0);
        break;
      case 'H':
        add(parts, DatePart::kHour24);
        break;
      case 'k':
        add(parts, DatePart::kHour24, 0);
        break;
      case 'h':
      case 'I':
        add(parts, DatePart::kHour12);
        break;
      case 'l':
        add(parts, DatePart::kHour12, 0);
        break;
      case 'i':
        add(parts, DatePart::kMinute);
        break;
      case 'S':
      case 's':
        add(parts, DatePart::kSecond);
        break;
      case 'f':
        add(parts, DatePart::kFraction, 6);
        break;
      case 'p':
        add(parts, DatePart::kAmPm);
        break;
      case 'T':
        add(parts, DatePart::kHour24);
        add_literal(parts, ':');
        add(parts, DatePart::kMinute);
        add_literal(parts, ':');
        add(parts, DatePart::kSecond);
        break;
      case 'r':
        add(parts, DatePart::kHour12);
        add_literal(parts, ':');
        add(parts, DatePart::kMinute);
        add_literal(parts, ':');
        add(parts, DatePart::kSecond);
        add_literal(parts, ' ');
        add(parts, DatePart::kAmPm);
        break;
      case 'M':
        add(parts, DatePart::kMonthName);
        break;
      case 'b':
        add(parts, DatePart::kMonthAbbr);
        break;
      case 'a':
        add(parts, DatePart::kWeekdayAbbr);
        break;
      case 'W':
        add(parts, DatePart::kWeekdayName);
        break;
      case 'j':
        add(parts, DatePart::kDayOfYear, 3);
        break;
      case 'w':
        add(parts, DatePart::kWeekdayNumber, 1);
        break;
      // Week numbers, weeks' years and English day suffixes, which Trino does not support either.
      case 'D':
      case 'U':
      case 'u':
      case 'V':
      case 'v':
      case 'X':
      case 'x':
        unsupported("date format", format, fmt::format("'%{}'", format[i]));
      default:  // MySQL: %x is x for any other character
        add_literal(parts, format[i]);
    }
  }
  return parts;
}

std::int64_t parse_date(const std::vector<DatePart>& parts, std::string_view text, std::string_view pattern) {
  std::int64_t year = 1970;
  int month = 1, day = 1, day_of_year = -1, hour = 0, minute = 0, second = 0, offset_minutes = 0;
  std::int64_t fraction_micros = 0;
  bool pm = false, twelve_hour = false;
  std::size_t at = 0;
  const auto mismatch = [&]() -> Error {
    return Error(ErrorCode::kQuery,
                 fmt::format("'{}' does not match the pattern '{}' at character {}", text, pattern, at + 1));
  };
  const auto number = [&](int max_digits, int exact = 0) {
    const auto v = read_number(text, at, max_digits, exact);
    if (!v) throw mismatch();
    return *v;
  };
  for (const DatePart& p : parts) {
    switch (p.kind) {
      case DatePart::kLiteral:
        if (text.substr(at, p.literal.size()) != p.literal) throw mismatch();
        at += p.literal.size();
        break;
      case DatePart::kYear:
        year = number(4);
        break;
      case DatePart::kYear2: {  // Trino's MySQL-style %y: 1970-2069
        const int yy = number(2, 2);
        year = yy < 70 ? 2000 + yy : 1900 + yy;
        break;
      }
      case DatePart::kYear2Joda: {  // Joda-Time's yy: the 100 years from 79 years ago to 20 ahead
        const int yy = number(2, 2);
        const std::int64_t low = joda_pivot_year() - 49;
        year = low + ((yy - low % 100) % 100 + 100) % 100;
        break;
      }
      case DatePart::kMonth:
        month = number(2);
        break;
      case DatePart::kMonthAbbr:
      case DatePart::kMonthName: {
        const auto m = read_name(text, at, kMonths, p.kind == DatePart::kMonthAbbr);
        if (!m) throw mismatch();
        month = *m + 1;
        break;
      }
      case DatePart::kDay:
        day = number(2);
        break;
      case DatePart::kDayOfYear:
        day_of_year = number(3);
        break;
      case DatePart::kHour24:
        hour = number(2);
        break;
      case DatePart::kHour12:
        hour = number(2);
        twelve_hour = true;
        break;
      case DatePart::kMinute:
        minute = number(2);
        break;
      case DatePart::kSecond:
        second = number(2);
        break;
      case DatePart::kFraction: {
        const std::size_t start = at;
        std::int64_t value = 0;
        while (at < text.size() && digit(text[at]) && at - start < 9) value = value * 10 + (text[at++] - '0');
        if (at == start) throw mismatch();
        for (std::size_t n = at - start; n < 9; ++n) value *= 10;
        fraction_micros = value / 1000;
        break;
      }
      case DatePart::kAmPm: {
        static constexpr std::array<std::string_view, 2> kHalves = {"AM", "PM"};
        const auto h = read_name(text, at, kHalves, false);
        if (!h) throw mismatch();
        pm = *h == 1;
        break;
      }
      case DatePart::kWeekdayAbbr:
      case DatePart::kWeekdayName:
        if (!read_name(text, at, kWeekdays, p.kind == DatePart::kWeekdayAbbr)) throw mismatch();
        break;
      case DatePart::kWeekdayNumber:
        (void)number(1);
        break;
      case DatePart::kOffset:
        if (at < text.size() && text[at] == 'Z') {
          ++at;
        } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
          const int sign = text[at++] == '-' ? -1 : 1;
          const int hh = number(2, 2);
          int mm = 0;
          if (at < text.size() && text[at] == ':') ++at;
          if (at < text.size() && digit(text[at])) mm = number(2, 2);
          offset_minutes = sign * (hh * 60 + mm);
        } else {
          throw mismatch();
        }
        break;
      case DatePart::kZoneName: {
        static constexpr std::array<std::string_view, 3> kUtc = {"UTC", "GMT", "Z"};
        if (!read_name(text, at, kUtc, false)) throw mismatch();
        break;
      }
    }
  }
  if (at != text.size()) throw mismatch();
  if (twelve_hour) {
    if (hour < 1 || hour > 12) throw Error(ErrorCode::kQuery, fmt::format("'{}': hour {} is not 1-12", text, hour));
    hour = hour % 12 + (pm ? 12 : 0);
  }
  std::int64_t days;
  if (day_of_year >= 0) {
    if (day_of_year < 1 || day_of_year > (leap(year) ? 366 : 365))
      throw Error(ErrorCode::kQuery, fmt::format("'{}': day {} is not in {}", text, day_of_year, year));
    days = days_from_civil(static_cast<int>(year), 1, 1) + day_of_year - 1;
  } else {
    if (month < 1 || month > 12 || day < 1 || static_cast<unsigned>(day) > days_in_month(year, month))
      throw Error(ErrorCode::kQuery,
                  fmt::format("'{}' is not a date (year {}, month {}, day {})", text, year, month, day));
    days = days_from_civil(static_cast<int>(year), static_cast<unsigned>(month), static_cast<unsigned>(day));
  }
  if (hour > 23 || minute > 59 || second > 59)
    throw Error(ErrorCode::kQuery, fmt::format("'{}' is not a time of day ({}:{}:{})", text, hour, minute, second));
  return days * kMicrosPerDay + ((hour * 60 + minute - offset_minutes) * 60 + second) * kMicrosPerSecond +
         fraction_micros;
}

std::string format_date(const std::vector<DatePart>& parts, std::int64_t micros) {
  std::int64_t days = micros / kMicrosPerDay;
  std::int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  const CivilTime c = civil_from_ms(days * 86'400'000);  // the date; the time of day comes from rest
  const int hour = static_cast<int>(rest / (3600 * kMicrosPerSecond));
  const int minute = static_cast<int>(rest / (60 * kMicrosPerSecond) % 60);
  const int second = static_cast<int>(rest / kMicrosPerSecond % 60);
  const int weekday = static_cast<int>(((days + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  const auto num = [](std::string& out, std::int64_t v, int digits) {
    out += digits > 0 ? fmt::format("{:0{}}", v, digits) : fmt::format("{}", v);
  };
  std::string out;
  for (const DatePart& p : parts) {
    switch (p.kind) {
      case DatePart::kLiteral:
        out += p.literal;
        break;
      case DatePart::kYear:
        num(out, c.year, std::max(p.digits, 4));
        break;
      case DatePart::kYear2:
      case DatePart::kYear2Joda:
        num(out, ((c.year % 100) + 100) % 100, 2);
        break;
      case DatePart::kMonth:
        num(out, c.month, p.digits);
        break;
      case DatePart::kMonthAbbr:
        out += kMonths[static_cast<std::size_t>(c.month - 1)].substr(0, 3);
        break;
      case DatePart::kMonthName:
        out += kMonths[static_cast<std::size_t>(c.month - 1)];
        break;
      case DatePart::kDay:
        num(out, c.day, p.digits);
        break;
      case DatePart::kDayOfYear:
        num(out, days - days_from_civil(c.year, 1, 1) + 1, p.digits);
        break;
      case DatePart::kHour24:
        num(out, hour, p.digits);
        break;
      case DatePart::kHour12:
        num(out, hour % 12 == 0 ? 12 : hour % 12, p.digits);
        break;
      case DatePart::kMinute:
        num(out, minute, p.digits);
        break;
      case DatePart::kSecond:
        num(out, second, p.digits);
        break;
      case DatePart::kFraction: {
        std::string f = fmt::format("{:06}", rest % kMicrosPerSecond);
        const auto width = static_cast<std::size_t>(std::max(p.digits, 1));
        out += width <= 6 ? f.substr(0, width) : f + std::string(width - 6, '0');
        break;
      }
      case DatePart::kAmPm:
        out += hour < 12 ? "AM" : "PM";
        break;
      case DatePart::kWeekdayAbbr:
        out += kWeekdays[weekday].substr(0, 3);
        break;
      case DatePart::kWeekdayName:
        out += kWeekdays[weekday];
        break;
      case DatePart::kWeekdayNumber:
        num(out, weekday, 1);
        break;
      case DatePart::kOffset:
        out += "+00:00";
        break;
      case DatePart::kZoneName:
        out += "UTC";
        break;
    }
  }
  return out;
}

void open_athena_catalog(DuckConnection& conn, const std::string& path, bool writable) {
  // The path goes into SQL text, which must be UTF-8: a path that is not would name another file.
  if (!storable_text(path)) {
    throw Error(
        ErrorCode::kUsage,
        fmt::format("the store path {} is not valid UTF-8: rename the file or reach it through a symlink", path));
  }
  try {
    conn.exec(fmt::format("ATTACH {} AS \"default\"{}", sql_quote(path), writable ? "" : " (READ_ONLY)"));
    conn.exec("USE \"default\"");
  } catch (const Error& e) {
    throw Error(ErrorCode::kIo, fmt::format("cannot open the DuckDB database {}: {}", path, e.what()));
  }
}

void add_athena_forms(DuckConnection& conn) {
  // Times WITH TIME ZONE (from_iso8601_timestamp, from_unixtime) compare with query_ts and the parsed
  // times in UTC, whatever the machine's zone, and print in UTC.
  conn.exec("SET TimeZone = 'UTC'");
  constexpr duckdb_type kText = DUCKDB_TYPE_VARCHAR;
  register_scalar_function(conn, "parse_datetime", {{kText, kText}}, DUCKDB_TYPE_TIMESTAMP,
                           parse_function<joda_pattern>);
  register_scalar_function(conn, "date_parse", {{kText, kText}}, DUCKDB_TYPE_TIMESTAMP, parse_function<mysql_pattern>);
  // TIMESTAMP and TIMESTAMP WITH TIME ZONE are both microseconds since 1970 UTC: one implementation.
  register_scalar_function(conn, "date_format", {{DUCKDB_TYPE_TIMESTAMP, kText}, {DUCKDB_TYPE_TIMESTAMP_TZ, kText}},
                           kText, format_function);
  static constexpr std::array<std::string_view, 7> kMacros = {
      "CREATE OR REPLACE TEMP MACRO cardinality(x) AS len(x)",
      "CREATE OR REPLACE TEMP MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)",
      "CREATE OR REPLACE TEMP MACRO from_unixtime(n) AS to_timestamp(n)",
      "CREATE OR REPLACE TEMP MACRO to_unixtime(t) AS epoch(t)",
      "CREATE OR REPLACE TEMP MACRO json_extract_scalar(j, p) AS CASE WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') "
      "THEN NULL ELSE json_extract_string(j, p) END",
      "CREATE OR REPLACE TEMP MACRO regexp_like(s, p) AS regexp_matches(s, p)",
      "CREATE OR REPLACE TEMP MACRO approx_distinct(x) AS approx_count_distinct(x)",
  };
  for (std::string_view sql : kMacros) conn.exec(sql);
  if (conn.query("SELECT 1 FROM duckdb_views() WHERE view_name = 'route53query' AND NOT temporary").rows() > 0)
    conn.exec("CREATE OR REPLACE TEMP VIEW r53_rlogs AS SELECT * FROM route53query");
}

}  // namespace dnslens
