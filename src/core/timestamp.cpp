#include "core/timestamp.hpp"

#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace dnslens {

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

CivilTime civil_from_ms(std::int64_t ms) {
  std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t rem = secs - days * 86400;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int y = static_cast<int>(yoe) + static_cast<int>(era) * 400 + (m <= 2);
  return CivilTime{y,
                   static_cast<int>(m),
                   static_cast<int>(d),
                   static_cast<int>(rem / 3600),
                   static_cast<int>(rem % 3600 / 60),
                   static_cast<int>(rem % 60)};
}

bool write_iso8601_seconds(std::int64_t ms, char (&out)[20]) {
  const CivilTime t = civil_from_ms(ms);
  if (t.year < 0 || t.year > 9999) return false;
  static constexpr char kTemplate[] = "0000-00-00T00:00:00Z";
  std::memcpy(out, kTemplate, sizeof out);
  auto put = [&out](std::size_t end, int v) {  // v's digits, right-aligned, ending before out[end]
    for (std::size_t i = end; v > 0; v /= 10) out[--i] = static_cast<char>('0' + v % 10);
  };
  put(4, t.year);
  put(7, t.month);
  put(10, t.day);
  put(13, t.hour);
  put(16, t.minute);
  put(19, t.second);
  return true;
}

std::string iso8601_seconds(std::int64_t ms) {
  char buf[20];
  if (write_iso8601_seconds(ms, buf)) return std::string(buf, sizeof buf);
  const CivilTime t = civil_from_ms(ms);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", t.year, t.month, t.day, t.hour, t.minute, t.second);
}

namespace {
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}
}  // namespace

std::optional<std::int64_t> parse_iso8601_ms(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  static constexpr int kDaysIn[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDaysIn[mo - 1] || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int scale = 100;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int offset_minutes = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_minutes * 60;
  return secs * 1000 + millis;
}

std::optional<std::int64_t> TimestampParser::parse_ms(std::string_view s) {
  int h, mi, sec;
  const bool plain = s.size() == 20 && s[19] == 'Z' && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' && s[16] == ':' &&
                     digits(s, 11, 2, h) && digits(s, 14, 2, mi) && digits(s, 17, 2, sec);
  if (plain && have_date_ && std::memcmp(s.data(), date_, sizeof date_) == 0 && h <= 23 && mi <= 59 && sec <= 59) {
    return day_start_ms_ + (h * 3600 + mi * 60 + sec) * std::int64_t{1000};
  }
  auto ms = parse_iso8601_ms(s);
  // A leap second (":60") rolls into the next day, so its date is not remembered from it.
  if (ms && plain && sec <= 59) {
    std::memcpy(date_, s.data(), sizeof date_);
    day_start_ms_ = *ms - (h * 3600 + mi * 60 + sec) * std::int64_t{1000};
    have_date_ = true;
  }
  return ms;
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace dnslens
