// Group C of the DGA family catalogue: gozi (its GPL word-list variant), bazarbackdoor, dmsniff, dnschanger,
// mydoom, ngioweb, nymaim, pitou, qsnatch, sharkbot, tempedreve, tufik, monerodownloader and zloader, each
// reimplemented from its published reverse-engineered algorithm with the family's published seed or
// configuration.
#include "detect/dga/dga_family_catalog.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <openssl/evp.h>

#include "detect/dga/dga_generator_support.hpp"

namespace dnslens {

namespace {

using dga_support::Date;
using dga_support::floor_div;
using dga_support::md5;
using dga_support::sha1;
using dga_support::to_date;
using dga_support::to_day;
using dga_support::to_hex;

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers

// ISO 8601 week number (1..53) of a day.
unsigned iso_week(std::int64_t day) {
  const Date d = to_date(day);
  const unsigned iso_weekday = d.weekday == 0 ? 7 : d.weekday;  // Monday = 1 .. Sunday = 7
  const std::int64_t thursday = day - iso_weekday + 4;
  const int iso_year = to_date(thursday).year;
  return static_cast<unsigned>((thursday - to_day(iso_year, 1, 1)) / 7 + 1);
}

// Runs a generator of one period's names over day, day+1, ...; days whose period key equals the previous
// day's make the same names and are skipped. key(day) gives the period, names(key, out) appends its names.
template <typename KeyFn, typename NamesFn>
std::vector<std::string> over_periods(std::int64_t day, std::size_t count, KeyFn&& key, NamesFn&& names) {
  std::vector<std::string> out;
  out.reserve(count);
  std::optional<decltype(key(day))> previous;
  for (std::int64_t d = day; out.size() < count; ++d) {
    const auto k = key(d);
    if (previous && *previous == k) continue;
    previous = k;
    names(k, out);
  }
  out.resize(count);
  return out;
}

// Standard base64 (RFC 4648 alphabet) with '=' padding.
std::string base64(std::span<const unsigned char> data) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, data.size() - i);
    std::uint32_t v = static_cast<std::uint32_t>(data[i]) << 16;
    if (n > 1) v |= static_cast<std::uint32_t>(data[i + 1]) << 8;
    if (n > 2) v |= data[i + 2];
    s.push_back(kAlphabet[(v >> 18) & 63]);
    s.push_back(kAlphabet[(v >> 12) & 63]);
    s.push_back(n > 1 ? kAlphabet[(v >> 6) & 63] : '=');
    s.push_back(n > 2 ? kAlphabet[v & 63] : '=');
  }
  return s;
}

std::string to_lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// gozi, GPL variant: 12 names per 5-day period, each 12-24 characters of whole or halved words of the GPL text.

constexpr std::string_view kGplPath = "/usr/share/common-licenses/GPL-3";

// The word list: the GNU GPL version 3 as the original 2007 text has it (Debian's copy has since switched its
// four URLs to https and the why-not-lgpl page from /philosophy/ to /licenses/; those are put back), lower
// cased, cut into runs of ASCII letters, keeping runs of three or more letters in order, repeats included.
std::vector<std::string> load_gpl_words() {
  std::ifstream in{std::string(kGplPath), std::ios::binary};
  if (!in)
    throw Error(ErrorCode::kConfig,
                "gozi DGA: cannot read the GPL text " + std::string(kGplPath) + " (Debian package base-files)");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto replace_all = [&text](std::string_view from, std::string_view to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
      text.replace(pos, from.size(), to);
    }
  };
  replace_all("https://", "http://");
  replace_all("www.gnu.org/licenses/why-not-lgpl", "www.gnu.org/philosophy/why-not-lgpl");
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (word.size() >= 3) words.push_back(word);
    word.clear();
  };
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c >= 'a' && c <= 'z') {
      word.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  if (words.empty()) throw Error(ErrorCode::kConfig, "gozi DGA: no words in " + std::string(kGplPath));
  return words;
}

const std::vector<std::string>& gpl_words() {
  static const std::vector<std::string> words = load_gpl_words();
  return words;
}

std::vector<std::string> gozi_gpl(std::int64_t day, std::size_t count) {
  const std::vector<std::string>& words = gpl_words();
  const std::int64_t epoch_2015 = to_day(2015, 1, 1);
  return over_periods(
      day, count, [&](std::int64_t d) { return floor_div(d - epoch_2015, 5); },
      [&](std::int64_t period, std::vector<std::string>& out) {
        std::uint32_t r = static_cast<std::uint32_t>((std::int64_t{1} << 16) + period - 306607824);
        auto rand = [&r] { return r = 1664525u * r + 1013904223u; };
        for (int i = 0; i < 12; ++i) {
          rand();
          const std::size_t length = rand() % 12 + 12;
          std::string name;
          while (name.size() < length) {
            const std::string& word = words[rand() % words.size()];
            std::size_t take = word.size();
            if (rand() % 3 == 0) take >>= 1;
            if (name.size() + take <= 24) name.append(word, 0, take);
          }
          out.push_back(name + ".ru");
        }
      });
}

// ---------------------------------------------------------------------------------------------------------------
// bazarbackdoor (2020-2021 version): per month, four two-letter syllables picked from a table at indices set by
// the month's and year's digits, .bazar.

std::vector<std::string> bazarbackdoor(std::int64_t day, std::size_t count) {
  static constexpr std::string_view kPool =
      "qeewcaacywemomedekwyuhidontoibeludsocuexvuuftyliaqydhuizuctuiqow"
      "agypetehfubitiaziceblaogolryykosuptaymodisahfiybyxcoleafkudarapu"
      "qoawyluxqagenanyoxcygyqugiutlyvegahepovyigqyqibaeqynyfkiobpeepby"
      "xaciyvusocaripfyoftesaysozureginalifkazaadytwuubzuvoothymivazyyz"
      "hoevmeburedeviihiravygkemywaerdonoyryqloammoseweesuvfopiriboikuz"
      "orruzemuulimyhceukoqiwfexuefgoycwiokitnuneroxepyanbekyixxiuqsias"
      "xoapaxmaohezwoildifaluzihipanizoecxyopguakdudyovhaumunuwsusyenko"
      "atugabiv";
  struct Part {
    unsigned mul, span, digit;  // indices mul*digit .. mul*digit+span-1 of the seed "MMYYYY"'s digit
  };
  static constexpr std::array<Part, 4> kParts = {{{19, 19, 0}, {19, 19, 1}, {6, 6, 4}, {6, 6, 5}}};
  return over_periods(
      day, count,
      [](std::int64_t d) {
        const Date date = to_date(d);
        return date.year * 12 + static_cast<int>(date.month) - 1;
      },
      [](int month_index, std::vector<std::string>& out) {
        const int year = static_cast<int>(floor_div(month_index, 12));
        const int month = month_index - year * 12 + 1;
        const std::array<unsigned, 6> digits = {
            static_cast<unsigned>(month / 10),       static_cast<unsigned>(month % 10),
            static_cast<unsigned>(year / 1000 % 10), static_cast<unsigned>(year / 100 % 10),
            static_cast<unsigned>(year / 10 % 10),   static_cast<unsigned>(year % 10)};
        std::array<unsigned, 4> lower{};
        for (std::size_t p = 0; p < 4; ++p) lower[p] = kParts[p].mul * digits[kParts[p].digit];
        auto syllable = [](unsigned index) { return kPool.substr(2 * index, 2); };
        for (unsigned a = 0; a < kParts[0].span; ++a) {
          for (unsigned b = 0; b < kParts[1].span; ++b) {
            for (unsigned c = 0; c < kParts[2].span; ++c) {
              for (unsigned e = 0; e < kParts[3].span; ++e) {
                std::string name;
                name += syllable(lower[0] + a);
                name += syllable(lower[1] + b);
                name += syllable(lower[2] + c);
                name += syllable(lower[3] + e);
                out.push_back(name + ".bazar");
              }
            }
          }
        }
      });
}

// ---------------------------------------------------------------------------------------------------------------
// dmsniff: a fixed list of 50 names for each of its two prefixes ("sn" and "al"); not date dependent.

std::vector<std::string> dmsniff(std::int64_t /*day*/, std::size_t count) {
  static constexpr std::array<std::string_view, 5> kTlds = {".com", ".org", ".net", ".ru", ".in"};
  static constexpr std::array<unsigned, 6> kSnMultipliers = {1, 7, 3, 5, 11, 13};
  static constexpr std::array<unsigned, 6> kAlMultipliers = {1, 3, 5, 7, 11, 13};
  auto halve = [](unsigned n) {
    while (n > 24) n >>= 1;
    return n;
  };
  std::vector<std::string> all;
  for (const auto& [prefix, multipliers] :
       {std::pair{std::string_view("sn"), kSnMultipliers}, std::pair{std::string_view("al"), kAlMultipliers}}) {
    for (unsigned n = 1; n <= 50; ++n) {
      std::string name(prefix);
      for (unsigned m : multipliers) name.push_back(static_cast<char>('a' + halve(m * n)));
      name += kTlds[halve(n) / 5];
      all.push_back(name);
    }
  }
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(all[i % all.size()]);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// dnschanger: 10 letters from the MSVC rand() LCG, .com; seeded with 87373, the seed of the published examples
// (the malware seeds at run time, not by date).

std::vector<std::string> dnschanger(std::int64_t /*day*/, std::size_t count) {
  std::uint32_t r = 87373;
  auto rand = [&r] {
    r = 214013u * r + 2531011u;
    return (r >> 16) & 0x7FFF;
  };
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string name;
    for (int j = 0; j < 10; ++j) name.push_back(static_cast<char>('a' + rand() % 26));
    out.push_back(name + ".com");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// mydoom: 99 names a day, the ten decimal digits of an LCG output mapped to ten letters; the last digit picks
// the TLD. Seeded with year+month+day+0xFA8, reseeded with 0xFA8 for the 51st name.

std::vector<std::string> mydoom(std::int64_t day, std::size_t count) {
  static constexpr std::string_view kLetters = "asnhreqwpm";
  static constexpr std::array<std::string_view, 7> kTlds = {".com", ".biz", ".us", ".net", ".org", ".ws", ".info"};
  constexpr std::uint32_t kMagic = 0xFA8;
  return over_periods(
      day, count, [](std::int64_t d) { return d; },
      [&](std::int64_t d, std::vector<std::string>& out) {
        const Date date = to_date(d);
        std::uint32_t r = static_cast<std::uint32_t>(date.year) + date.month + date.day + kMagic;
        for (int i = 1; i < 100; ++i) {
          if (i == 0x33) r = kMagic;
          r = r * 1664525u + 1013904223u;
          std::uint32_t v = r;
          std::string name;
          unsigned first_digit = v % 10;
          for (int j = 0; j < 10; ++j) {
            name.push_back(kLetters[v % 10]);
            v /= 10;
          }
          name += first_digit < kTlds.size() ? kTlds[first_digit] : std::string_view(".in");
          out.push_back(name);
        }
      });
}

// ---------------------------------------------------------------------------------------------------------------
// ngioweb: one to three hyphen-joined parts, each an English prefix, 4-6 alternating consonants and vowels and a
// suffix; an LCG stream from seed 0x56EDC15 (not date dependent).

std::vector<std::string> ngioweb(std::int64_t /*day*/, std::size_t count) {
  static constexpr std::string_view kVowels = "aeiou";
  static constexpr std::string_view kConsonants = "bcdfghklmnprstvxz";
  static constexpr std::array<std::string_view, 30> kPrefixes = {
      "un",  "under", "re",  "in",    "im",    "il",    "ir",   "en",    "em",   "over",
      "mis", "dis",   "pre", "post",  "anti",  "inter", "sub",  "ultra", "non",  "de",
      "pro", "trans", "ex",  "macro", "micro", "mini",  "mono", "multi", "semi", "co"};
  static constexpr std::array<std::string_view, 35> kVowelSuffixes = {
      "able", "ant", "ate",  "age",  "ance", "ancy", "an",  "ary", "al",  "en",  "ency", "er",
      "etn",  "ed",  "ese",  "ern",  "ize",  "ify",  "ing", "ish", "ity", "ion", "ian",  "ism",
      "ist",  "ic",  "ical", "ible", "ive",  "ite",  "ish", "ian", "or",  "ous", "ure"};
  static constexpr std::array<std::string_view, 16> kConsonantSuffixes = {
      "dom",  "hood", "less",  "like", "ly", "fy", "ful",  "ness",
      "ment", "sion", "ssion", "ship", "ty", "th", "tion", "ward"};
  static constexpr std::array<std::string_view, 6> kTlds = {".net", ".info", ".com", ".biz", ".org", ".name"};
  std::uint32_t r = 0x56EDC15;
  auto rand = [&r](std::size_t mod) {
    r = 1103515245u * r + 12345u;
    return r % mod;
  };
  auto ends_in_consonant = [](const std::string& s) { return kVowels.find(s.back()) == std::string_view::npos; };
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t n = 0; n < count; ++n) {
    std::string name;
    const std::size_t parts = rand(3) + 1;
    for (std::size_t i = 0; i < parts; ++i) {
      name += kPrefixes[rand(kPrefixes.size())];
      bool vowel = ends_in_consonant(name);
      for (std::size_t j = 0, letters = rand(3) + 4; j < letters; ++j) {
        const std::string_view set = vowel ? kVowels : kConsonants;
        name.push_back(set[rand(set.size())]);
        vowel = !vowel;
      }
      if (ends_in_consonant(name)) {
        name += kVowelSuffixes[rand(kVowelSuffixes.size())];
      } else {
        name += kConsonantSuffixes[rand(kConsonantSuffixes.size())];
      }
      if (i + 1 < parts) name.push_back('-');
    }
    name += kTlds[rand(kTlds.size())];
    out.push_back(name);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// nymaim (v1): 128 names a day of 6-11 letters from a xorshift-like generator seeded by the date; the
// second-to-last letter picks the TLD.

std::vector<std::string> nymaim(std::int64_t day, std::size_t count) {
  return over_periods(
      day, count, [](std::int64_t d) { return d; },
      [](std::int64_t d, std::vector<std::string>& out) {
        const Date date = to_date(d);
        const std::uint64_t s =
            static_cast<std::uint64_t>(date.year) + (date.month << 16) + date.weekday + (date.day << 16);
        std::array<std::uint32_t, 4> st = {
            static_cast<std::uint32_t>(s + 0x52455641),
            s + 0x49484F4C <= 0xFFFFFFFFu ? static_cast<std::uint32_t>(s + 0x49484F4C) : 0u,
            static_cast<std::uint32_t>(s + 0x59554820), static_cast<std::uint32_t>(s + 0x4D415620)};
        auto rand = [&st](std::uint32_t mod) {
          std::uint32_t t0 = (st[0] << 11) ^ st[0];
          std::uint32_t t3 = ((st[3] >> 19) ^ st[3]) ^ t0;
          t0 >>= 8;
          t3 ^= t0;
          const std::uint32_t c = st[2];
          for (int i = 0; i < 3; ++i) st[i] += st[i + 1];
          st[3] = t3;
          return (c + t3) / 100 % mod;
        };
        for (int i = 0; i < 128; ++i) {
          const std::uint32_t length = rand(6) + 6;
          std::string name;
          for (std::uint32_t j = 0; j < length; ++j) name.push_back(static_cast<char>('a' + rand(26) % 26));
          const int t = name[name.size() - 2] - 'a';
          name += t < 9 ? ".com" : t < 13 ? ".org" : t < 17 ? ".biz" : t < 21 ? ".net" : ".info";
          out.push_back(name);
        }
      });
}

// ---------------------------------------------------------------------------------------------------------------
// pitou: 20 names a day of 8-9 alternating consonants and vowels from bytes mixed from the date (shifted a month
// ahead) and the magic 0xDAFE02C. A 9-letter name's last letter comes from memory past the malware's buffer; it
// is taken here from the byte 0xE0, as the published script does (the real one is one of 21 consonants or 5
// vowels).

std::vector<std::string> pitou(std::int64_t day, std::size_t count) {
  constexpr std::uint32_t kMagic = 0xDAFE02C;
  static constexpr std::string_view kVowels = "aeiou";
  static constexpr std::string_view kConsonants = "bcdfghjklmnpqrstvwxyz";
  static constexpr std::array<std::string_view, 9> kTlds = {"com",  "org", "biz",  "net", "info",
                                                            "mobi", "us",  "name", "me"};
  return over_periods(
      day, count, [](std::int64_t d) { return d; },
      [&](std::int64_t d, std::vector<std::string>& out) {
        const Date date = to_date(d);
        int year = date.year;
        unsigned month = date.month + 1, mday = date.day;
        if (month > 12) {
          month -= 12;
          ++year;
        }
        const unsigned month_days = static_cast<unsigned>(
            std::chrono::year_month_day_last{std::chrono::year{year} / std::chrono::month{month} / std::chrono::last}
                .day());
        if (mday > month_days) {
          ++month;
          mday -= month_days;
        }
        if (month > 12) {
          month -= 12;
          ++year;
        }
        const std::int64_t seed = to_day(year, month, mday);
        const std::int64_t year_since = date.year - 1900;
        for (std::int64_t counter = 0; counter < 20; ++counter) {
          const std::int64_t seed_value = 10 * floor_div(counter / 3 + seed, 10);
          const std::int64_t a = kMagic >> counter;
          const std::int64_t b = (counter - 1) & 0xFF;
          const std::int64_t e = ((a * b) & 0xFF) * seed_value;
          const std::size_t length = 8 + static_cast<std::size_t>(e & 1);
          std::array<unsigned, 9> bytes{};
          const std::int64_t b1 = (seed_value >> 8) & 0xFF, b0 = seed_value & 0xFF;
          for (int i = 0; i < 8; ++i) {
            const int imod = i % 4, idiv = i / 4;
            const std::int64_t magic_byte = (kMagic >> (idiv * 8)) & 0xFF;
            std::int64_t m = 0, f = 0;
            switch (imod) {
              case 0:
                m = magic_byte >> 4;
                f = year_since >> idiv;
                break;
              case 1:
                m = magic_byte & 0xF;
                f = year_since << idiv;
                break;
              case 2:
                m = magic_byte >> 4;
                f = (b1 << idiv) ^ (b0 >> idiv);
                break;
              default:
                m = magic_byte & 0xF;
                f = (b0 << idiv) ^ (b1 >> idiv);
                break;
            }
            bytes[i] = static_cast<unsigned>((((m * f) & 0xFF) * (counter + 1)) & 0xFF);
          }
          bytes[8] = 0xE0;
          std::size_t next = 0;
          std::string name;
          while (true) {
            unsigned x = bytes[next++];
            if (x & 0x80) {
              name.push_back(kConsonants[x % kConsonants.size()]);
              if (name.size() >= length) break;
              x = bytes[next++];
              name.push_back(kVowels[x % kVowels.size()]);
              if (name.size() >= length) break;
              x = bytes[next];
              if (x & 0x40) {
                ++next;
                name.push_back(kVowels[x % kVowels.size()]);
                if (name.size() >= length) break;
              }
            } else {
              name.push_back(kVowels[x % kVowels.size()]);
              x = bytes[next++];
              name.push_back(kConsonants[x % kConsonants.size()]);
              if (name.size() >= length) break;
            }
          }
          const std::uint32_t q = static_cast<std::uint32_t>(counter) ^ static_cast<std::uint32_t>(seed_value) ^ kMagic;
          out.push_back(name + "." + std::string(kTlds[q % kTlds.size()]));
        }
      });
}

// ---------------------------------------------------------------------------------------------------------------
// qsnatch (second version): per 15-day period and each of 30 TLDs, the first 6..10 characters of the lower-cased
// base64 of SHA1("<period><seed><tld>\n").

std::vector<std::string> qsnatch(std::int64_t day, std::size_t count) {
  static constexpr std::array<std::string_view, 30> kTlds = {
      "cf", "tk", "ml",   "ga",  "gq",  "com",   "biz", "org", "de",   "rocks", "mx", "cn",     "top", "nl", "men",
      "ws", "se", "info", "xyz", "net", "today", "ru",  "fi",  "name", "to",    "in", "com.ua", "vg",  "vn", "cd"};
  return over_periods(
      day, count, [](std::int64_t d) { return floor_div(d, 15); },
      [](std::int64_t period, std::vector<std::string>& out) {
        for (std::string_view tld : kTlds) {
          const std::string key = std::to_string(period) + "IbjGOEgnuD" + std::string(tld) + "\n";
          const auto hash = sha1(key);
          std::string b64 = to_lower(base64(std::span<const unsigned char>(hash)));
          while (!b64.empty() && b64.back() == '=') b64.pop_back();
          for (char& c : b64) {
            if (c == '+') c = 'b';
            if (c == '/') c = 'c';
          }
          for (std::size_t len = 6; len <= 10; ++len) out.push_back(b64.substr(0, len) + "." + std::string(tld));
        }
      });
}

// ---------------------------------------------------------------------------------------------------------------
// sharkbot (v2.8): per ISO week, for each of 7 TLDs the first 16 hex digits of MD5("<tld><week><year>").

std::vector<std::string> sharkbot(std::int64_t day, std::size_t count) {
  static constexpr std::array<std::string_view, 7> kTlds = {".xyz", ".live", ".com", ".store", ".info", ".top", ".net"};
  return over_periods(
      day, count,
      [](std::int64_t d) {
        return std::pair{iso_week(d), to_date(d).year};
      },
      [](const std::pair<unsigned, int>& week_year, std::vector<std::string>& out) {
        for (std::string_view tld : kTlds) {
          const std::string key = std::string(tld) + std::to_string(week_year.first) + std::to_string(week_year.second);
          out.push_back(to_hex(md5(key)).substr(0, 16) + std::string(tld));
        }
      });
}

// ---------------------------------------------------------------------------------------------------------------
// tempedreve (time-dependent): one 7-11 letter name a day from an alphabet shuffled by an LCG of the day number;
// the malware tries the day's name, then each earlier day's back to 2015-03-23.

std::string tempedreve_name(std::int64_t day) {
  static constexpr std::array<std::string_view, 4> kTlds = {".com", ".net", ".org", ".info"};
  auto step = [](std::uint32_t r) { return 16843009u * r + 65805u; };
  const std::uint32_t seed = 1664525u * static_cast<std::uint32_t>(day) + 1013904223u;
  std::string letters = "abcdefghijklmnopqrstuvwxyz";
  std::uint32_t r = seed;
  for (std::size_t j = 0; j < letters.size(); ++j) {
    const std::size_t i = r % letters.size();
    r = step(r);
    std::swap(letters[j], letters[i]);
  }
  std::string name;
  r = seed;
  for (std::uint32_t i = 0, length = seed % 5 + 7; i < length; ++i) {
    name.push_back(letters[r % letters.size()]);
    r = step(r);
  }
  return name + std::string(kTlds[seed & 3]);
}

std::vector<std::string> tempedreve(std::int64_t day, std::size_t count) {
  const std::int64_t first_day = to_day(2015, 3, 23);
  std::vector<std::string> out;
  out.reserve(count);
  // The malware's order for the day: the day's name, then earlier days' down to first_day.
  for (std::int64_t d = day; d >= first_day && out.size() < count; --d) out.push_back(tempedreve_name(d));
  // Then later days' names, which are new.
  for (std::int64_t d = day < first_day ? day : day + 1; out.size() < count; ++d) out.push_back(tempedreve_name(d));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// tufik: 1020 names a day (510 pairs sharing a label), letters from the nibble sums of MD5 over the date and
// the index XORed with the key 0x997722ED; the index picks the TLD.

std::vector<std::string> tufik(std::int64_t day, std::size_t count) {
  constexpr std::uint32_t kKey = 0x997722ED;
  return over_periods(
      day, count, [](std::int64_t d) { return d; },
      [](std::int64_t d, std::vector<std::string>& out) {
        const Date date = to_date(d);
        for (std::uint32_t idx = 0; idx < 1020; ++idx) {
          std::array<unsigned char, 8> data = {static_cast<unsigned char>((date.year + 48) & 0xFF),
                                               static_cast<unsigned char>(date.month),
                                               static_cast<unsigned char>(date.day),
                                               0,
                                               0,
                                               0,
                                               0,
                                               0};
          const std::uint32_t even = idx & 0xFFFFFFFEu;
          for (int i = 0; i < 4; ++i) data[4 + i] = static_cast<unsigned char>(even >> (8 * i));
          for (std::size_t i = 0; i < data.size(); ++i) data[i] ^= static_cast<unsigned char>(kKey >> (8 * (i % 4)));
          const auto hash = md5(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
          std::string name;
          for (unsigned char h : hash) {
            const unsigned sum = (h & 0x0F) + (h >> 4);
            if (sum < 26) name.push_back(static_cast<char>('a' + sum));
          }
          const char* tld = idx % 5 == 0   ? ".biz"
                            : idx % 4 == 0 ? ".info"
                            : idx % 3 == 0 ? ".org"
                            : idx % 2 == 0 ? ".net"
                                           : ".com";
          out.push_back(name + tld);
        }
      });
}

// ---------------------------------------------------------------------------------------------------------------
// monerodownloader: 2500 names a day, the first 13 hex digits of MD5("<magic>-<day>-<n>") under 5 TLDs (a fixed
// label for n = 0).

std::vector<std::string> monerodownloader(std::int64_t day, std::size_t count) {
  static constexpr std::array<std::string_view, 5> kTlds = {".org", ".tickets", ".blackfriday", ".hosting",
                                                            ".feedback"};
  return over_periods(
      day, count, [](std::int64_t d) { return d; },
      [](std::int64_t d, std::vector<std::string>& out) {
        for (int n = 0; n < 500; ++n) {
          const std::string label =
              n == 0 ? std::string("31b4bd31fg1x2")
                     : to_hex(md5("jkhhksugrhtijys78g46-" + std::to_string(d) + "-" + std::to_string(n))).substr(0, 13);
          for (std::string_view tld : kTlds) out.push_back(label + std::string(tld));
        }
      });
}

// ---------------------------------------------------------------------------------------------------------------
// zloader: 32 names a day of 20 letters, each from the previous letter and a seed: the day's midnight timestamp
// RC4-encrypted with the key "q23Cud3xsNf3".

std::vector<std::string> zloader(std::int64_t day, std::size_t count) {
  static constexpr std::string_view kRc4Key = "q23Cud3xsNf3";
  return over_periods(
      day, count, [](std::int64_t d) { return d; },
      [](std::int64_t d, std::vector<std::string>& out) {
        std::array<unsigned char, 256> s{};
        for (unsigned i = 0; i < 256; ++i) s[i] = static_cast<unsigned char>(i);
        for (unsigned i = 0, j = 0; i < 256; ++i) {
          j = (j + s[i] + static_cast<unsigned char>(kRc4Key[i % kRc4Key.size()])) & 0xFF;
          std::swap(s[i], s[j]);
        }
        const std::uint32_t timestamp = static_cast<std::uint32_t>(d * 86400);
        std::uint32_t seed = 0;
        for (unsigned k = 0, i = 0, j = 0; k < 4; ++k) {
          i = (i + 1) & 0xFF;
          j = (j + s[i]) & 0xFF;
          std::swap(s[i], s[j]);
          const unsigned char key_byte = s[(s[i] + s[j]) & 0xFF];
          seed |= static_cast<std::uint32_t>(((timestamp >> (8 * k)) & 0xFF) ^ key_byte) << (8 * k);
        }
        std::uint32_t r = seed;
        for (int n = 0; n < 32; ++n) {
          std::string name;
          for (int j = 0; j < 20; ++j) {
            const std::uint32_t letter = 'a' + r % 25;
            name.push_back(static_cast<char>(letter));
            r = seed ^ (r + letter);
          }
          out.push_back(name + ".com");
        }
      });
}

constexpr std::array<DgaFamilyInfo, 14> kFamilies = {{
    {"gozi", "12-24 characters of whole or halved words of the GNU GPL text, 12 a 5-day period, .ru",
     DgaKind::kDictionary, gozi_gpl},
    {"bazarbackdoor", "four two-letter syllables from a table, indexed by the month's and year's digits, .bazar",
     DgaKind::kCharacter, bazarbackdoor},
    {"dmsniff", "a fixed prefix (sn or al) and six letters from multiples of the name's index, 100 fixed names",
     DgaKind::kCharacter, dmsniff},
    {"dnschanger", "10 letters from the MSVC rand() LCG with a fixed seed, .com", DgaKind::kCharacter, dnschanger},
    {"mydoom", "10 letters from the decimal digits of a date-seeded LCG, 99 a day", DgaKind::kCharacter, mydoom},
    {"ngioweb", "1-3 hyphenated parts: prefix, alternating consonants and vowels, suffix; fixed-seed LCG",
     DgaKind::kCharacter, ngioweb},
    {"nymaim", "6-11 letters from a date-seeded xorshift-like generator, 128 a day", DgaKind::kCharacter, nymaim},
    {"pitou", "8-9 alternating consonants and vowels from date and magic bytes, 20 a day", DgaKind::kCharacter, pitou},
    {"qsnatch", "6-10 characters of the base64 of a SHA1 of the 15-day period and TLD, 30 TLDs", DgaKind::kCharacter,
     qsnatch},
    {"sharkbot", "16 hex digits of the MD5 of TLD, ISO week and year, 7 a week", DgaKind::kCharacter, sharkbot},
    {"tempedreve", "7-11 letters from an alphabet shuffled by an LCG of the day number, one a day", DgaKind::kCharacter,
     tempedreve},
    {"tufik", "letters from the nibble sums of an MD5 of the keyed date and index, 1020 a day", DgaKind::kCharacter,
     tufik},
    {"monerodownloader", "13 hex digits of an MD5 of a magic string, day and index, 2500 a day", DgaKind::kCharacter,
     monerodownloader},
    {"zloader", "20 letters chained from an RC4-encrypted midnight timestamp, 32 a day", DgaKind::kCharacter, zloader},
}};

}  // namespace

std::span<const DgaFamilyInfo> dga_families_group_c() { return kFamilies; }

}  // namespace dnslens
