// Group A of the DGA family catalogue: chinad, corebot, dircrypt, fobber, locky, murofet (two variants),
// newgoz, padcrypt and proslikefan, each reimplemented from its published reverse-engineered algorithm
// with the family's published seed or configuration.
#include "detect/dga/dga_family_catalog.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "detect/dga/dga_generator_support.hpp"

namespace dnslens {

namespace {

using dga_support::Date;
using dga_support::md5;
using dga_support::sha1;
using dga_support::sha256;
using dga_support::to_date;

// Runs a per-day generator (appending at most `limit` names for one date) over day, day+1, ... until
// count names are made.
template <typename DayFn>
std::vector<std::string> over_days(std::int64_t day, std::size_t count, DayFn&& one_day) {
  std::vector<std::string> out;
  out.reserve(count);
  for (std::int64_t d = day; out.size() < count; ++d) one_day(to_date(d), count - out.size(), out);
  return out;
}

constexpr std::uint32_t ror32(std::uint32_t v, unsigned n) { return n == 0 ? v : (v >> n) | (v << (32 - n)); }
constexpr std::uint32_t rol32(std::uint32_t v, unsigned n) { return n == 0 ? v : (v << n) | (v >> (32 - n)); }

void put_le32(std::vector<unsigned char>& buf, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) buf.push_back(static_cast<unsigned char>(v >> (8 * i)));
}
void put_le16(std::vector<unsigned char>& buf, std::uint32_t v) {
  buf.push_back(static_cast<unsigned char>(v));
  buf.push_back(static_cast<unsigned char>(v >> 8));
}

// --- chinad: 256 names a day; SHA-1 of (year % 100, month, day, index, 12 zero bytes), read as
// little-endian words; 16 characters of [a-z0-9] and a TLD from the digest.
std::vector<std::string> chinad(std::int64_t day, std::size_t count) {
  static constexpr std::string_view kChars = "abcdefghijklmnopqrstuvwxyz0123456789";
  static constexpr std::array<std::string_view, 7> kTlds = {"com", "org", "net", "biz", "info", "ru", "cn"};
  return over_days(day, count, [](const Date& date, std::size_t limit, std::vector<std::string>& out) {
    for (unsigned nr = 0; nr < 256 && limit > 0; ++nr, --limit) {
      std::array<unsigned char, 16> data{};
      data[0] = static_cast<unsigned char>(date.year % 100);
      data[1] = static_cast<unsigned char>(date.month);
      data[2] = static_cast<unsigned char>(date.day);
      data[3] = static_cast<unsigned char>(nr);
      const auto h = sha1(data);
      std::array<unsigned char, 20> words{};  // each 4-byte word byte-reversed
      for (std::size_t i = 0; i < 20; ++i) words[i] = h[(i / 4) * 4 + 3 - i % 4];
      std::string name;
      for (std::size_t i = 0; i < 16; ++i) name += kChars[words[i] % kChars.size()];
      name += '.';
      name += kTlds[words[16] % kTlds.size()];
      out.push_back(std::move(name));
    }
  });
}

// --- corebot: 40 names a day from a 32-bit LCG seeded with the hardcoded seed plus the date; 12-23
// characters of a 34-character set (no 'z' nor '9'), under ddns.net.
std::vector<std::string> corebot(std::int64_t day, std::size_t count) {
  // The seed of the analysed sample (whose malwr report gave the published example domains).
  static constexpr std::uint32_t kSeed = 0x1DB98930;
  static constexpr std::string_view kChars = "abcdefghijklmnopqrstuvwxy012345678";
  return over_days(day, count, [](const Date& date, std::size_t limit, std::vector<std::string>& out) {
    std::uint32_t r = kSeed + static_cast<std::uint32_t>(date.year) + (((1u << 16) + (date.month << 8)) | date.day);
    const auto next = [&r] { return r = 1664525u * r + 1013904223u; };
    for (int i = 0; i < 40 && limit > 0; ++i, --limit) {
      const std::uint32_t len = 12 + next() % 12;
      std::string name;
      for (std::uint32_t k = 0; k < len; ++k) name += kChars[next() % kChars.size()];
      out.push_back(name + ".ddns.net");
    }
  });
}

// --- dircrypt: time independent; 8-20 letters per name from a Park-Miller style generator (without
// its modulus correction) started at the sample's hardcoded seed, .com. The malware uses the first 30.
std::vector<std::string> dircrypt(std::int64_t /*day*/, std::size_t count) {
  std::uint32_t seed = 0xF2113C2A;
  const auto rand_mod = [&seed](std::uint32_t modulus) {
    const std::int64_t ix = seed;
    seed = static_cast<std::uint32_t>((16807 * (ix % 127773) - 2836 * (ix / 127773)) & 0xFFFFFFFF);
    return seed % modulus;
  };
  std::vector<std::string> out;
  out.reserve(count);
  while (out.size() < count) {
    const std::uint32_t len = rand_mod(13) + 8;
    std::string name;
    for (std::uint32_t i = 0; i < len; ++i) name += static_cast<char>('a' + rand_mod(26));
    out.push_back(name + ".com");
  }
  return out;
}

// --- fobber (version 1): time independent; 17 letters per name from a multiply-add-rotate generator
// with hardcoded start and increment, .net. The malware cycles through the first 300.
std::vector<std::string> fobber(std::int64_t /*day*/, std::size_t count) {
  std::uint32_t r = 0xC87C8A78;
  static constexpr std::uint32_t kIncrement = static_cast<std::uint32_t>(-1719405398);
  std::vector<std::string> out;
  out.reserve(count);
  while (out.size() < count) {
    std::string name;
    for (int i = 0; i < 17; ++i) {
      r = ror32(321167u * r + kIncrement, 16);
      name += static_cast<char>('a' + (r & 0x17FF) % 26);
    }
    out.push_back(name + ".net");
  }
  return out;
}

// --- locky (DGA v2, seed 62): 8 names a day (changing every second day); a hash of year, seed, day / 2,
// month and index built from multiply-rotate steps gives 5-15 letters (a-y) and one of 14 TLDs.
std::vector<std::string> locky(std::int64_t day, std::size_t count) {
  static constexpr std::uint32_t kSeed = 62;
  static constexpr unsigned kShift = 7;
  static constexpr std::uint32_t kMul = 0xB11924E1;
  static constexpr std::uint32_t kAdd = 0x27100001;
  static constexpr std::array<std::string_view, 14> kTlds = {"ru", "pw", "eu", "in", "yt", "pm", "us",
                                                             "fr", "de", "it", "be", "uk", "nl", "tf"};
  return over_days(day, count, [](const Date& date, std::size_t limit, std::vector<std::string>& out) {
    std::uint32_t t = ror32(kMul * (static_cast<std::uint32_t>(date.year) + 0x1BF5), kShift);
    t = ror32(kMul * (t + kSeed + kAdd), kShift);
    t = ror32(kMul * (t + date.day / 2 + kAdd), kShift);
    t = ror32(kMul * (t + date.month + 0x2709A354), kShift);
    for (std::uint32_t nr = 0; nr < 8 && limit > 0; ++nr, --limit) {
      std::uint32_t r = ror32(kMul * (rol32(nr % 8, 21) + t + rol32(kSeed, 17) + kAdd), kShift) + kAdd;
      const std::uint32_t len = r % 11 + 5;
      std::string name;
      for (std::uint32_t i = 0; i < len; ++i) {
        r = ror32(kMul * rol32(r, i), kShift) + kAdd;
        name += static_cast<char>('a' + r % 25);
      }
      r = ror32(r * kMul, kShift);
      name += '.';
      name += kTlds[(r + kAdd) % kTlds.size()];
      out.push_back(std::move(name));
    }
  });
}

// Murofet's TLD choice: the first TLD whose position from the end divides the index.
template <std::size_t N>
std::string_view murofet_tld(const std::array<std::string_view, N>& tlds, std::uint32_t index) {
  for (std::size_t i = 0; i < N; ++i)
    if (index % (N - i) == 0) return tlds[i];
  return tlds[N - 1];
}

// --- murofet v1: 1020 names a week; MD5 of (year + 0x30, month, day rounded down to 7, index as
// 32-bit little endian); each digest byte gives up to two letters; .ru/.biz/.info/.org/.net/.com.
std::vector<std::string> murofet_v1(std::int64_t day, std::size_t count) {
  static constexpr std::array<std::string_view, 6> kTlds = {"ru", "biz", "info", "org", "net", "com"};
  return over_days(day, count, [](const Date& date, std::size_t limit, std::vector<std::string>& out) {
    for (std::uint32_t index = 0; index < 1020 && limit > 0; ++index, --limit) {
      std::vector<unsigned char> seed = {static_cast<unsigned char>((date.year & 0xFF) + 0x30),
                                         static_cast<unsigned char>(date.month),
                                         static_cast<unsigned char>(date.day / 7 * 7)};
      put_le32(seed, index);
      std::string name;
      for (const unsigned char m : md5(seed)) {
        const int d = (m & 0x1F) + 'a';
        const int c = (m >> 3) + 'a';
        if (d == c) continue;
        if (d <= 'z') name += static_cast<char>(d);
        if (c <= 'z') name += static_cast<char>(c);
      }
      name += '.';
      name += murofet_tld(kTlds, index);
      out.push_back(std::move(name));
    }
  });
}

// --- murofet v2 (no key): 1020 names a day, pairs sharing a label; MD5 of (year + 0x30, month, day, 0,
// index rounded down to even as 32-bit little endian); each byte's nibble sum is a letter if <= 'z'.
std::vector<std::string> murofet_v2(std::int64_t day, std::size_t count) {
  static constexpr std::array<std::string_view, 5> kTlds = {"biz", "info", "org", "net", "com"};
  return over_days(day, count, [](const Date& date, std::size_t limit, std::vector<std::string>& out) {
    for (std::uint32_t index = 0; index < 1020 && limit > 0; ++index, --limit) {
      std::vector<unsigned char> seed = {static_cast<unsigned char>((date.year & 0xFF) + 0x30),
                                         static_cast<unsigned char>(date.month), static_cast<unsigned char>(date.day),
                                         0};
      put_le32(seed, index & ~1u);
      std::string name;
      for (const unsigned char m : md5(seed)) {
        const int ch = (m & 0xF) + (m >> 4) + 'a';
        if (ch <= 'z') name += static_cast<char>(ch);
      }
      name += '.';
      name += murofet_tld(kTlds, index);
      out.push_back(std::move(name));
    }
  });
}

// --- newgoz (GameOver Zeus, peer-to-peer): 1000 names a day; MD5 of index, year, month and day
// interleaved with a 4-byte key; four little-endian words of the digest written in base 36 (up to 7
// digits each); .com/.org/.biz/.net by index.
std::vector<std::string> newgoz(std::int64_t day, std::size_t count) {
  static constexpr std::array<unsigned char, 4> kKey = {0x01, 0x05, 0x19, 0x35};
  static constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  return over_days(day, count, [](const Date& date, std::size_t limit, std::vector<std::string>& out) {
    for (std::uint32_t seq = 0; seq < 1000 && limit > 0; ++seq, --limit) {
      std::vector<unsigned char> data;
      put_le32(data, seq);
      put_le16(data, static_cast<std::uint32_t>(date.year));
      data.insert(data.end(), kKey.begin(), kKey.end());
      put_le16(data, date.month);
      data.insert(data.end(), kKey.begin(), kKey.end());
      put_le16(data, date.day);
      data.insert(data.end(), kKey.begin(), kKey.end());
      const auto h = md5(data);
      std::string name;
      for (std::size_t w = 0; w < 16; w += 4) {
        std::uint32_t v = static_cast<std::uint32_t>(h[w]) | static_cast<std::uint32_t>(h[w + 1]) << 8 |
                          static_cast<std::uint32_t>(h[w + 2]) << 16 | static_cast<std::uint32_t>(h[w + 3]) << 24;
        std::string part;
        for (int i = 0; i < 7; ++i) {
          part.insert(part.begin(), kDigits[v % 36]);
          v /= 36;
          if (v == 0) break;
        }
        name += part;
      }
      name += seq % 4 == 0 ? ".com" : seq % 3 == 0 ? ".org" : seq % 2 == 0 ? ".biz" : ".net";
      out.push_back(std::move(name));
    }
  });
}

// --- padcrypt (2.2.86.1): 24 names a day; SHA-256 (hex) of "day-month-year:index", 16 hex characters
// with digits mapped to letters, and a TLD from the last hex digit.
std::vector<std::string> padcrypt(std::int64_t day, std::size_t count) {
  static constexpr std::string_view kDigitMap = "abcdnfolmk";
  static constexpr std::string_view kHex = "0123456789abcdef";
  static constexpr std::array<std::string_view, 11> kTlds = {"com",  "co.uk",  "de", "org", "net",    "eu",
                                                             "info", "online", "co", "cc",  "website"};
  return over_days(day, count, [](const Date& date, std::size_t limit, std::vector<std::string>& out) {
    for (int i = 0; i < 24 && limit > 0; ++i, --limit) {
      const std::string seed = std::to_string(date.day) + "-" + std::to_string(date.month) + "-" +
                               std::to_string(date.year) + ":" + std::to_string(i);
      std::string hex;
      for (const unsigned char b : sha256(seed)) {
        hex += kHex[b >> 4];
        hex += kHex[b & 0xF];
      }
      std::string name;
      for (std::size_t k = 3; k < 19; ++k) name += hex[k] <= '9' ? kDigitMap[hex[k] - '0'] : hex[k];
      std::size_t tld = static_cast<std::size_t>(kHex.find(hex.back()));
      if (tld >= kTlds.size()) tld = 0;
      name += '.';
      name += kTlds[tld];
      out.push_back(std::move(name));
    }
  });
}

// Java-style 32-bit string hash (h = 31 * h + c, wrapping), as a signed value.
std::int32_t java_hash(std::string_view s) {
  std::uint32_t h = 0;
  for (const char c : s) h = h * 31 + static_cast<unsigned char>(c);
  return static_cast<std::int32_t>(h);
}

// --- proslikefan (magic "prospect"): 100 names a day, ten per TLD; a string hash of magic, date and TLD
// seeds 6-12 letters, each from the hash of the name so far and the previous value.
std::vector<std::string> proslikefan(std::int64_t day, std::size_t count) {
  static constexpr std::string_view kMagic = "prospect";
  static constexpr std::array<std::string_view, 10> kTlds = {"eu",  "biz", "se", "info", "com",
                                                             "net", "org", "ru", "in",   "name"};
  return over_days(day, count, [](const Date& date, std::size_t limit, std::vector<std::string>& out) {
    const auto abs_hash = [](std::string_view s) { return std::llabs(static_cast<long long>(java_hash(s))); };
    for (int i = 0; i < 10; ++i) {
      for (const std::string_view tld : kTlds) {
        if (limit == 0) return;
        --limit;
        const std::string seed = std::string(kMagic) + "." + std::to_string(date.month) + "." +
                                 std::to_string(date.day) + "." + std::to_string(date.year) + "." + std::string(tld);
        long long r = abs_hash(seed) + i;
        std::string name;
        for (long long k = 0; k < r % 7 + 6; ++k) {
          r = abs_hash(name + std::to_string(r));
          name += static_cast<char>('a' + r % 26);
        }
        name += '.';
        name += tld;
        out.push_back(std::move(name));
      }
    }
  });
}

constexpr std::array<DgaFamilyInfo, 10> kFamilies = {{
    {"chinad", "16 of [a-z0-9] from a SHA-1 of the date and an index, 7 TLDs", DgaKind::kCharacter, &chinad},
    {"corebot", "12-23 of [a-y0-8] from a date-seeded LCG, under ddns.net", DgaKind::kCharacter, &corebot},
    {"dircrypt", "8-20 letters from a fixed-seed Park-Miller-style generator, .com", DgaKind::kCharacter, &dircrypt},
    {"fobber", "17 letters from a fixed-seed multiply-rotate generator, .net", DgaKind::kCharacter, &fobber},
    {"locky", "5-15 letters from a multiply-rotate hash of the date, 14 TLDs", DgaKind::kCharacter, &locky},
    {"murofet-v1", "letters from bit fields of an MD5 of the date (day rounded down to 7) and an index, 6 TLDs",
     DgaKind::kCharacter, &murofet_v1},
    {"murofet-v2", "letters from nibble sums of an MD5 of the date and an index, 5 TLDs", DgaKind::kCharacter,
     &murofet_v2},
    {"newgoz", "four base-36 numbers from an MD5 of the date and an index, .com/.org/.biz/.net", DgaKind::kCharacter,
     &newgoz},
    {"padcrypt", "16 hex characters (digits mapped to letters) of a SHA-256 of the date, 11 TLDs", DgaKind::kCharacter,
     &padcrypt},
    {"proslikefan", "6-12 letters from chained 32-bit string hashes of the date and TLD, 10 TLDs", DgaKind::kCharacter,
     &proslikefan},
}};

}  // namespace

std::span<const DgaFamilyInfo> dga_families_group_a() { return kFamilies; }

}  // namespace dnslens
