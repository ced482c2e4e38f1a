// Group B of the DGA family catalogue: pushdo, pykspa (precursor), qadars, qakbot, ranbyus (September
// 2015 "reloaded" variant), reconyc, shiotob, simda, sisron, symmi and tinba, each reimplemented from its
// published reverse-engineered algorithm with the family's published seed or configuration.
#include "detect/dga/dga_family_catalog.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "detect/dga/dga_generator_support.hpp"

namespace dnslens {

namespace {

using dga_support::Date;
using dga_support::floor_div;
using dga_support::floor_mod;
using dga_support::md5;
using dga_support::to_date;

// Appends names from `batch` to `out` until `out` holds `count`.
void take(std::vector<std::string>& out, std::vector<std::string>&& batch, std::size_t count) {
  for (auto& name : batch) {
    if (out.size() >= count) return;
    out.push_back(std::move(name));
  }
}

// Runs a generator of one batch of names per "period" from `start` on, asking `next_start` for the
// first day of the following period, until count names are made.
template <typename BatchFn, typename NextFn>
std::vector<std::string> over_periods(std::int64_t start, std::size_t count, BatchFn&& batch, NextFn&& next_start) {
  std::vector<std::string> out;
  out.reserve(count);
  for (std::int64_t d = start; out.size() < count; d = next_start(d)) take(out, batch(d), count);
  return out;
}

std::uint32_t load_le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
std::uint32_t crc32(std::string_view text) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : text) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// --- pushdo -------------------------------------------------------------------------------------------
// The "kz_v1" configuration: an MD5 chain over a day counter, 30 names per counter value; each MD5
// byte picks a syllable.

// Pushdo's own day count: the month-length sum is taken over the current month down to February
// (not the preceding months), and years weigh 365 or 366 days by year/4 - reproduced as is.
std::uint32_t pushdo_day_count(const Date& date) {
  std::array<unsigned, 12> month_days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (date.year % 4 == 0) month_days[1] = 29;
  std::int64_t t = 0;
  for (unsigned m = date.month - 1; m > 0; --m) t += month_days[m];
  const std::int64_t year = date.year;
  return static_cast<std::uint32_t>(date.day + t + 365 * (year - year / 4) + 366 * (year / 4));
}

std::string pushdo_syllable(unsigned r) {
  static constexpr std::string_view kConsoA = "bcdfghjklmnpqrstvwx";
  static constexpr std::string_view kConsoB = "zxtsrqpnmlkgfdc";
  static constexpr std::string_view kVowelsA = "aeiou";
  static constexpr std::string_view kVowelsB = "aio";
  std::string s;
  s += kConsoA[r % kConsoA.size()];
  s += kVowelsA[((r + 1) & 0xFF) % 5];
  const unsigned rp2 = r + 2;
  if (s[1] == 'e' && (rp2 & 7) != 0) {
    s += kVowelsB[rp2 % 3];
  } else if ((rp2 & 1) != 0) {
    s += kConsoB[(r + 3) % 15];
  }
  return s;
}

std::vector<std::string> pushdo_for_counter(std::int64_t counter) {
  std::uint32_t r = static_cast<std::uint32_t>(counter);
  std::vector<std::string> out;
  for (int i = 0; i < 30; ++i) {
    const unsigned char le[4] = {static_cast<unsigned char>(r), static_cast<unsigned char>(r >> 8),
                                 static_cast<unsigned char>(r >> 16), static_cast<unsigned char>(r >> 24)};
    const auto digest = md5(std::span<const unsigned char>(le, sizeof le));
    r = load_le32(digest.data());
    const std::size_t length = (r & 3) + 9;
    std::string label;
    for (std::size_t k = 0; k < digest.size() && label.size() < length; ++k) label += pushdo_syllable(digest[k]);
    label.resize(length);
    out.push_back(label + ".kz");
    ++r;
  }
  return out;
}

std::vector<std::string> pushdo(std::int64_t day, std::size_t count) {
  // Like the malware, later names come from the following counter values (the counter skips a value or
  // two at some month ends, so these are not always the next calendar day's names).
  return over_periods(pushdo_day_count(to_date(day)), count, pushdo_for_counter, [](std::int64_t c) { return c + 1; });
}

// --- pykspa (precursor) -------------------------------------------------------------------------------
// Seeded with the two-day period number (Unix time / 172800); 5000 names per seed.

std::string pykspa_label(std::uint32_t length, std::uint32_t r) {
  std::uint32_t a = length * length;
  std::string label;
  for (std::uint32_t i = 0; i < length; ++i) {
    const std::uint32_t x = i * (r % 4567 + r % 19);
    const std::uint32_t y = r % 123456;
    const std::uint32_t z = r % 5;
    const std::uint32_t p = r * (z + y + x);
    label += static_cast<char>('a' + (a + p) % 26);
    r += i;
    r >>= (i * i & 0xFF) & 31;
    a += length;
  }
  return label;
}

std::vector<std::string> pykspa_for_seed(std::int64_t seed) {
  static constexpr std::array<std::string_view, 6> kTlds = {"biz", "com", "net", "org", "info", "cc"};
  std::uint32_t r = static_cast<std::uint32_t>(seed);
  std::vector<std::string> out;
  for (std::uint32_t n = 0; n < 5000; ++n) {
    r = static_cast<std::uint32_t>(static_cast<std::uint64_t>(r) * r) + n;
    std::string name = pykspa_label(r % 10 + 6, r);
    name += '.';
    name += kTlds[r % 6];
    out.push_back(std::move(name));
  }
  return out;
}

std::vector<std::string> pykspa_precursor(std::int64_t day, std::size_t count) {
  return over_periods(floor_div(day, 2), count, pykspa_for_seed, [](std::int64_t s) { return s + 1; });
}

// --- qadars -------------------------------------------------------------------------------------------
// An LCG seeded with the Monday 00:00 UTC opening the week; 200 names per week. Seed 0x89F5 with
// .com/.org/.net is the configuration of the sample the published example names come from.

std::vector<std::string> qadars_for_week(std::int64_t day) {
  static constexpr std::string_view kCharset = "abcdefghijklmnopqrstuvwxyz0123456789";
  static constexpr std::array<std::string_view, 3> kTlds = {".com", ".org", ".net"};
  constexpr std::uint32_t kSeed = 0x89F5;
  const std::int64_t unix_seconds = day * 86400;
  std::uint32_t r = static_cast<std::uint32_t>(unix_seconds - floor_mod(unix_seconds - 4 * 86400, 7 * 86400));
  auto next = [&r] { return r = (kSeed - 1043968403u * r) & 0x7FFFFFFFu; };
  std::vector<std::string> out;
  for (int i = 0; i < 200; ++i) {
    std::string name;
    for (int k = 0; k < 12; ++k) name += kCharset[next() % kCharset.size()];
    name += kTlds[next() % 3];
    out.push_back(std::move(name));
  }
  return out;
}

std::vector<std::string> qadars(std::int64_t day, std::size_t count) {
  // The week holding `day` starts on the Monday on or before it (1970-01-05 was a Monday).
  return over_periods(day, count, qadars_for_week, [](std::int64_t d) { return d - floor_mod(d - 4, 7) + 7; });
}

// --- qakbot -------------------------------------------------------------------------------------------
// A Mersenne Twister seeded with the CRC-32 of "<third of month>.<mon>.<year>.00000000"; 5000 names.

std::uint32_t qakbot_seed(const Date& date) {
  static constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                               "jul", "aug", "sep", "oct", "nov", "dec"};
  const unsigned third = std::min((date.day - 1) / 10, 2u);
  std::string text = std::to_string(third) + "." + std::string(kMonths[date.month - 1]) + "." +
                     std::to_string(date.year) + ".00000000";
  return crc32(text);
}

std::vector<std::string> qakbot_for_day(std::int64_t day) {
  static constexpr std::array<std::string_view, 6> kTlds = {"com", "net", "org", "info", "biz", "org"};
  std::mt19937 mt(qakbot_seed(to_date(day)));
  auto rand_int = [&mt](int lower, int upper) {
    const std::uint32_t r = static_cast<std::uint32_t>(mt()) & 0xFFFFFFFu;
    return static_cast<int>(lower + static_cast<double>(r) / 268435456.0 * (upper - lower + 1));
  };
  std::vector<std::string> out;
  for (int i = 0; i < 5000; ++i) {
    const int tld = rand_int(0, static_cast<int>(kTlds.size()) - 1);
    const int length = rand_int(8, 25);
    std::string name;
    for (int k = 0; k < length; ++k) name += static_cast<char>('a' + rand_int(0, 25));
    name += '.';
    name += kTlds[tld];
    out.push_back(std::move(name));
  }
  return out;
}

std::vector<std::string> qakbot(std::int64_t day, std::size_t count) {
  return over_periods(day, count, qakbot_for_day, [](std::int64_t d) {
    const std::uint32_t seed = qakbot_seed(to_date(d));
    while (qakbot_seed(to_date(d)) == seed) ++d;
    return d;
  });
}

// --- ranbyus (September 2015) -------------------------------------------------------------------------
// A PCG-style 64-bit generator seeded with day*month*year ^ 0x0F0D5BFA; 40 names of 17 letters a day.

std::vector<std::string> ranbyus_for_day(std::int64_t day) {
  static constexpr std::array<std::string_view, 9> kTlds = {"in", "me", "cc", "su", "tw", "net", "com", "pw", "org"};
  constexpr std::uint64_t kAlpha = 0x5851F42D4C957F2Dull;
  constexpr std::uint64_t kInc = 0x14057B7EF767814Full;
  constexpr std::uint64_t kSeed = 0x0F0D5BFA;
  const Date date = to_date(day);
  std::uint64_t x = (static_cast<std::uint64_t>(date.day) * date.month * static_cast<std::uint64_t>(date.year)) ^ kSeed;
  // One generator step yields 16 bytes; a name needs 17, so two steps are taken per name.
  auto step = [&x](std::array<unsigned char, 16>& bytes) {
    const std::uint64_t s1 = kAlpha * x + kInc;
    const std::uint64_t s2 = kAlpha * s1 + kInc;
    const std::uint64_t s3 = kAlpha * s2 + kInc;
    const std::uint64_t tmp = ((s3 >> 24) & 0xFFFFFF00u) | ((s3 & 0xFFFFFFFFu) >> 24);
    const std::uint32_t words[4] = {
        static_cast<std::uint32_t>(((tmp ^ s2) & 0xFFFFFu) ^ s2), static_cast<std::uint32_t>(s2 >> 32),
        static_cast<std::uint32_t>((s1 & 0xFFF00000u) | ((s3 >> 32) >> 12)), static_cast<std::uint32_t>(s1 >> 32)};
    for (int w = 0; w < 4; ++w) {
      for (int b = 0; b < 4; ++b) bytes[4 * w + b] = static_cast<unsigned char>(words[w] >> (8 * b));
    }
    x = s3;
  };
  std::vector<std::string> out;
  for (unsigned i = 0; i < 40; ++i) {
    std::array<unsigned char, 16> first{}, second{};
    step(first);
    step(second);
    std::string name;
    for (unsigned char b : first) name += static_cast<char>('a' + b % 25);
    name += static_cast<char>('a' + second[0] % 25);
    name += '.';
    name += kTlds[(date.day + i) % (kTlds.size() - 1)];
    out.push_back(std::move(name));
  }
  return out;
}

std::vector<std::string> ranbyus(std::int64_t day, std::size_t count) {
  return over_periods(day, count, ranbyus_for_day, [](std::int64_t d) { return d + 1; });
}

// --- reconyc ------------------------------------------------------------------------------------------
// 10 characters from a 62-character alphabet drawn with a Mersenne Twister (whose twist skips the last
// state word) seeded with a tick count. Not date based; the seed is 434921, the one behind the
// published example names. Names are lower-cased (the malware mixes case).

class ReconycTwister {
 public:
  explicit ReconycTwister(std::uint32_t seed) {
    mt_[0] = seed;
    for (std::uint32_t i = 1; i < kN; ++i) mt_[i] = 1812433253u * ((mt_[i - 1] >> 30) ^ mt_[i - 1]) + i;
  }

  std::uint32_t next() {
    if (index_ >= kN) twist();
    std::uint32_t y = mt_[index_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9D2C5680u;
    y ^= (y << 15) & 0xEFC60000u;
    y ^= y >> 18;
    return y;
  }

 private:
  static constexpr std::uint32_t kN = 624;

  void twist() {
    for (std::uint32_t i = 0; i + 1 < kN; ++i) {
      const std::uint32_t x = (mt_[i] & 0x80000000u) + (mt_[i + 1] & 0x7FFFFFFFu);
      std::uint32_t xa = x >> 1;
      if (x & 1u) xa ^= 0x9908B0DFu;
      mt_[i] = mt_[(i + 397) % kN] ^ xa;
    }
    index_ = 0;
  }

  std::array<std::uint32_t, kN> mt_{};
  std::uint32_t index_ = kN;
};

std::vector<std::string> reconyc(std::int64_t /*day*/, std::size_t count) {
  static constexpr std::string_view kCharset = "ihryg79zjxagw1cf5k0d3vzobhalx6stubnjoimpe2yvupr4sl8dqmqtkecwnf";
  ReconycTwister mt(434921);
  std::vector<std::string> out;
  out.reserve(count);
  while (out.size() < count) {
    std::string name;
    for (int k = 0; k < 10; ++k) name += kCharset[(kCharset.size() * static_cast<std::uint64_t>(mt.next())) >> 32];
    out.push_back(name + ".com");
  }
  return out;
}

// --- shiotob ------------------------------------------------------------------------------------------
// Each name is a byte-mixing hash of the previous one mapped onto a keyboard-order alphabet, .net and
// .com alternating; not date based, the chain starts at the published seed name wtipubctwiekhir.net.

std::string shiotob_next(const std::string& name) {
  static constexpr std::string_view kAlphabet = "qwertyuiopasdfghjklzxcvbnm123945678";
  unsigned sum = 0;
  for (std::size_t i = 0; i + 3 < name.size(); ++i) sum += static_cast<unsigned char>(name[i]);
  std::array<unsigned, 166> codes{};
  for (std::size_t i = 0; i < name.size() && i < codes.size(); ++i) codes[i] = static_cast<unsigned char>(name[i]);
  const unsigned old_length = static_cast<unsigned>(name.size() - 4);
  for (unsigned i = 0; i < 66; ++i) {
    for (unsigned j = 0; j + i < 65; ++j) codes[j + i] = ((old_length * codes[j]) ^ codes[j + i] ^ sum) & 0xFF;
  }
  unsigned length = (((codes[2] * old_length) ^ codes[0]) & 0xFF) / 16;
  if (length < 10) length = old_length;
  std::string next;
  for (unsigned i = 0; i < length; ++i) next += kAlphabet[codes[i] / 8];
  const bool was_net = name.size() >= 4 && name.compare(name.size() - 4, 4, ".net") == 0;
  return next + (was_net ? ".com" : ".net");
}

std::vector<std::string> shiotob(std::int64_t /*day*/, std::size_t count) {
  std::vector<std::string> out;
  out.reserve(count);
  std::string name = "wtipubctwiekhir.net";
  while (out.size() < count) {
    out.push_back(name);
    name = shiotob_next(name);
  }
  return out;
}

// --- simda --------------------------------------------------------------------------------------------
// 7 letters alternating consonant and vowel, picked by a counter stepped by a key's character sum; not
// date based.

std::vector<std::string> simda(std::int64_t /*day*/, std::size_t count) {
  static constexpr std::string_view kConsonants = "qwrtpsdfghjklzxcvbnm";
  static constexpr std::string_view kVowels = "eyuioa";
  static constexpr std::string_view kKey = "1676d5775e05c50b46baa5579d4fc7";
  std::uint64_t step = 0;
  for (char c : kKey) step += static_cast<unsigned char>(c);
  std::uint64_t base = 0x45AE94B2;
  std::vector<std::string> out;
  out.reserve(count);
  while (out.size() < count) {
    base += step;
    std::string name;
    for (std::uint64_t i = 0; i < 7; ++i) {
      const std::uint64_t index = base / (3 + 2 * i);
      name += i % 2 == 0 ? kConsonants[index % 20] : kVowels[index % 6];
    }
    out.push_back(name + ".com");
  }
  return out;
}

// --- sisron -------------------------------------------------------------------------------------------
// The base64 of the date as DDMMYYYY, lower-cased with '=' as 'a', for the day and the nine before it,
// under .com, .org, .net and .info (40 names a day).

std::string base64(std::string_view data) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    std::uint32_t chunk = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) chunk |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) chunk |= static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

std::string sisron_label(std::int64_t day) {
  const Date date = to_date(day);
  const std::string text = (date.day < 10 ? "0" : "") + std::to_string(date.day) + (date.month < 10 ? "0" : "") +
                           std::to_string(date.month) + std::to_string(date.year);
  std::string label = base64(text);
  for (char& c : label) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '=') c = 'a';
  }
  return label;
}

std::vector<std::string> sisron_for_day(std::int64_t day) {
  static constexpr std::array<std::string_view, 4> kTlds = {".com", ".org", ".net", ".info"};
  std::vector<std::string> out;
  for (std::string_view tld : kTlds) {
    for (std::int64_t back = 0; back < 10; ++back) out.push_back(sisron_label(day - back) + std::string(tld));
  }
  return out;
}

std::vector<std::string> sisron(std::int64_t day, std::size_t count) {
  // A day's names cover it and the nine days before, so the next fresh batch is ten days on.
  return over_periods(day, count, sisron_for_day, [](std::int64_t d) { return d + 10; });
}

// --- symmi --------------------------------------------------------------------------------------------
// 8-15 alternating vowels and consonants from the MSVC rand() LCG seeded per half month, under
// ddns.net (64 names per half month).

std::uint32_t symmi_seed(const Date& date) {
  return 10000u * ((date.day / 16) * 100 + date.month) + static_cast<std::uint32_t>(date.year) + 42;
}

std::vector<std::string> symmi_for_day(std::int64_t day) {
  static constexpr std::array<std::string_view, 2> kLetters = {"aeiouy", "bcdfghklmnpqrstvwxz"};
  std::uint32_t state = symmi_seed(to_date(day));
  auto rand = [&state] {
    state = state * 214013u + 2531011u;
    return (state >> 16) & 0x7FFFu;
  };
  std::vector<std::string> out;
  for (int n = 0; n < 64; ++n) {
    const unsigned length = 8 + rand() % 8;
    std::string name;
    unsigned first = 0;
    for (unsigned i = 0; i < length; ++i) {
      if (i % 2 == 0) first = (rand() & 0x100) == 0 ? 0 : 1;
      const unsigned s = rand();
      const std::string_view symbols = kLetters[(first + i) % 2];
      name += symbols[s % (symbols.size() - 1)];
    }
    out.push_back(name + ".ddns.net");
  }
  return out;
}

std::vector<std::string> symmi(std::int64_t day, std::size_t count) {
  return over_periods(day, count, symmi_for_day, [](std::int64_t d) {
    const std::uint32_t seed = symmi_seed(to_date(d));
    while (symmi_seed(to_date(d)) == seed) ++d;
    return d;
  });
}

// --- tinba --------------------------------------------------------------------------------------------
// 12 letters derived from the previous name and a fixed 16-character key, each under .com, .net, .in
// and .ru; not date based, the chain starts at blackfreeqazyio.cc (the "jc74FlUna852Ji9o" variant).

std::vector<std::string> tinba(std::int64_t /*day*/, std::size_t count) {
  static constexpr std::string_view kKey = "jc74FlUna852Ji9o";
  static constexpr std::array<std::string_view, 4> kTlds = {"com", "net", "in", "ru"};
  unsigned key_sum = 0;
  for (char c : kKey) key_sum += static_cast<unsigned char>(c);
  std::vector<std::string> out;
  out.reserve(count);
  std::string previous = "blackfreeqazyio.cc";
  out.push_back(previous);
  while (out.size() < count) {
    unsigned sum = key_sum;
    unsigned tmp = static_cast<unsigned char>(kKey[15]);
    std::string label;
    for (std::size_t i = 0; i < 12; ++i) {
      for (;;) {
        tmp += static_cast<unsigned char>(previous[i]);
        tmp ^= sum & 0xFF;
        tmp += static_cast<unsigned char>(previous[i + 1]);
        tmp &= 0xFF;
        if (tmp > 0x61 && tmp < 0x7A) break;
        ++sum;
      }
      label += static_cast<char>(tmp);
    }
    for (std::string_view tld : kTlds) {
      previous = label + "." + std::string(tld);
      if (out.size() < count) out.push_back(previous);
    }
  }
  out.resize(count);
  return out;
}

constexpr std::array<DgaFamilyInfo, 11> kFamilies = {{
    {"pushdo", "9-12 letters of syllables picked by an MD5 chain over a day count, .kz", DgaKind::kCharacter, &pushdo},
    {"pykspa", "6-15 letters from a squaring generator seeded per two days, 6 TLDs (precursor variant)",
     DgaKind::kCharacter, &pykspa_precursor},
    {"qadars", "12 of [a-z0-9] from a week-seeded LCG, .com/.org/.net", DgaKind::kCharacter, &qadars},
    {"qakbot", "8-25 letters from a Mersenne Twister seeded with a CRC-32 of the month third, 5 TLDs",
     DgaKind::kCharacter, &qakbot},
    {"ranbyus", "17 letters from a date-seeded 64-bit PCG-style generator, 8 TLDs (September 2015 variant)",
     DgaKind::kCharacter, &ranbyus},
    {"reconyc", "10 of [a-z0-9] from a tick-count-seeded Mersenne Twister, .com", DgaKind::kCharacter, &reconyc},
    {"shiotob", "10-15 of [a-z0-9] hashed from the previous name, .net/.com alternating", DgaKind::kCharacter,
     &shiotob},
    {"simda", "7 letters alternating consonant and vowel from a key-stepped counter, .com", DgaKind::kCharacter,
     &simda},
    {"sisron", "base64 of the date as DDMMYYYY lower-cased, .com/.org/.net/.info", DgaKind::kCharacter, &sisron},
    {"symmi", "8-15 alternating vowels and consonants from a half-month-seeded LCG, under ddns.net",
     DgaKind::kCharacter, &symmi},
    {"tinba", "12 letters derived from the previous name and a fixed key, .com/.net/.in/.ru", DgaKind::kCharacter,
     &tinba},
}};

}  // namespace

std::span<const DgaFamilyInfo> dga_families_group_b() { return kFamilies; }

}  // namespace dnslens
