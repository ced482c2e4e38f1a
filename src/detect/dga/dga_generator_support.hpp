#pragma once
// What the DGA family generators (dga_families_group_*.cpp) share: the calendar as the algorithms
// read it, Python's rounding of // and %, and the hashes they seed from (OpenSSL's).
#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "core/error.hpp"

namespace dnslens::dga_support {

// A calendar date (UTC) as the algorithms read it.
struct Date {
  int year;
  unsigned month;    // 1..12
  unsigned day;      // 1..31
  unsigned weekday;  // 0 = Sunday .. 6 = Saturday
};

inline Date to_date(std::int64_t day) {
  const std::chrono::sys_days sd{std::chrono::days{day}};
  const std::chrono::year_month_day ymd{sd};
  return Date{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
              std::chrono::weekday{sd}.c_encoding()};
}

// Days since 1970-01-01 of a date.
inline std::int64_t to_day(int year, unsigned month, unsigned day) {
  const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

// Python's // and % (rounding towards negative infinity).
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

template <std::size_t N>
std::array<unsigned char, N> digest(const EVP_MD* md, const void* data, std::size_t size) {
  std::array<unsigned char, N> out{};
  unsigned int len = 0;
  if (EVP_Digest(data, size, out.data(), &len, md, nullptr) != 1 || len != N) {
    throw Error(ErrorCode::kInternal, "OpenSSL digest failed");
  }
  return out;
}

inline std::array<unsigned char, 16> md5(std::span<const unsigned char> data) {
  return digest<16>(EVP_md5(), data.data(), data.size());
}
inline std::array<unsigned char, 16> md5(std::string_view data) {
  return digest<16>(EVP_md5(), data.data(), data.size());
}
inline std::array<unsigned char, 20> sha1(std::span<const unsigned char> data) {
  return digest<20>(EVP_sha1(), data.data(), data.size());
}
inline std::array<unsigned char, 20> sha1(std::string_view data) {
  return digest<20>(EVP_sha1(), data.data(), data.size());
}
inline std::array<unsigned char, 32> sha256(std::string_view data) {
  return digest<32>(EVP_sha256(), data.data(), data.size());
}

template <std::size_t N>
std::string to_hex(const std::array<unsigned char, N>& bytes) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string s;
  s.reserve(2 * N);
  for (unsigned char b : bytes) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 0xF]);
  }
  return s;
}

}  // namespace dnslens::dga_support
