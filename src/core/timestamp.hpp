#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace dnslens {

// ISO 8601 UTC as Route 53 writes it: "2021-02-04T17:51:55Z", optional fraction, "Z" or +hh:mm.
[[nodiscard]] std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

struct CivilTime {
  int year, month, day, hour, minute, second;
};
[[nodiscard]] CivilTime civil_from_ms(std::int64_t ms);
[[nodiscard]] std::int64_t days_from_civil(int y, unsigned m, unsigned d);
// The wall clock as Unix milliseconds.
[[nodiscard]] std::int64_t unix_now_ms();

}  // namespace dnslens
