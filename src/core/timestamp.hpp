#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnslens {

// ISO 8601 UTC as Route 53 writes it: "2021-02-04T17:51:55Z", optional fraction, "Z" or +hh:mm.
[[nodiscard]] std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

// parse_iso8601_ms for a stream of records: a log's timestamps share a few dates, so the parser
// remembers the last "YYYY-MM-DD" it saw in the plain "...THH:MM:SSZ" form and its day's start, and
// reads only the time of day while the date repeats. Same results as parse_iso8601_ms.
class TimestampParser {
 public:
  [[nodiscard]] std::optional<std::int64_t> parse_ms(std::string_view text);

 private:
  char date_[10] = {};
  std::int64_t day_start_ms_ = 0;
  bool have_date_ = false;
};

struct CivilTime {
  int year, month, day, hour, minute, second;
};
[[nodiscard]] CivilTime civil_from_ms(std::int64_t ms);
[[nodiscard]] std::int64_t days_from_civil(int y, unsigned m, unsigned d);
// ms as Route 53 writes timestamps, "YYYY-MM-DDTHH:MM:SSZ" (whole seconds). The array form writes
// nothing and returns false for years outside 0..9999; it allocates nothing (the store checks every
// record's logged text against it). The string form writes any year.
[[nodiscard]] bool write_iso8601_seconds(std::int64_t ms, char (&out)[20]);
[[nodiscard]] std::string iso8601_seconds(std::int64_t ms);
// The wall clock as Unix milliseconds.
[[nodiscard]] std::int64_t unix_now_ms();

}  // namespace dnslens
