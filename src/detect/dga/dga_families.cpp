#include "detect/dga/dga_families.hpp"

#include <array>

namespace dnslens {

std::string_view dga_family_name(DgaFamily f) {
  switch (f) {
    case DgaFamily::kNecurs:
      return "necurs";
    case DgaFamily::kRamnit:
      return "ramnit";
    case DgaFamily::kKraken:
      return "kraken";
    case DgaFamily::kBanjori:
      return "banjori";
    case DgaFamily::kWordPairs:
      return "suppobox-style";
  }
  return "?";
}

std::string_view dga_family_description(DgaFamily f) {
  switch (f) {
    case DgaFamily::kNecurs:
      return "7-21 letters from a date-seeded 64-bit mixing function, 43 TLDs";
    case DgaFamily::kRamnit:
      return "8-19 letters from a Park-Miller LCG, .com";
    case DgaFamily::kKraken:
      return "6-11 letters from an LCG, under dynamic-DNS suffixes";
    case DgaFamily::kBanjori:
      return "the first four letters of a long English-looking seed name mutated per step";
    case DgaFamily::kWordPairs:
      return "two dictionary words concatenated (Suppobox's scheme), .net";
  }
  return "";
}

namespace {

std::uint64_t necurs_mix(std::uint64_t value) {
  const std::uint64_t loops = (value & 0x7F) + 21;
  for (std::uint64_t i = 0; i < loops; ++i) value += ((value * 7) ^ (value << 15)) + 8 * i - (value >> 5);
  return value;
}

std::string necurs(std::uint64_t day, std::uint64_t seq) {
  static constexpr std::array<std::string_view, 43> kTlds = {
      "tj", "in", "jp", "tw", "ac", "cm", "la",  "mn",  "so",  "sh",  "sc",  "nu",  "nf", "mu", "ms",
      "mx", "ki", "im", "cx", "cc", "tv", "bz",  "me",  "eu",  "de",  "ru",  "co",  "su", "pw", "kz",
      "sx", "us", "ug", "ir", "to", "ga", "com", "net", "org", "biz", "xxx", "pro", "bit"};
  std::uint64_t year = 1970 + day / 365, month = 1 + day / 30 % 12, mday = 1 + day % 28;
  std::uint64_t n = necurs_mix(year);
  n = necurs_mix(n + month + 43690);
  n = necurs_mix(n + (mday >> 2));
  n = necurs_mix(n + seq);
  n = necurs_mix(n + 9);
  const std::uint64_t len = n % 15 + 7;
  std::string d;
  for (std::uint64_t i = 0; i < len; ++i) {
    n = necurs_mix(n + i);
    d.push_back(static_cast<char>('a' + n % 25));
    n += 0xABBEDF;
    n = necurs_mix(n);
  }
  d += '.';
  d += kTlds[n % 43];
  return d;
}

std::vector<std::string> ramnit(std::uint64_t seed, std::size_t count) {
  std::vector<std::string> out;
  std::uint64_t value = seed & 0xFFFFFFFFu;
  auto next = [&](std::uint64_t modulus) {
    std::uint64_t ix = value;
    ix = (16807 * (ix % 127773) - 2836 * (ix / 127773)) & 0xFFFFFFFFu;
    value = ix;
    return ix % modulus;
  };
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t seed_a = value;
    const std::uint64_t len = next(12) + 8;
    const std::uint64_t seed_b = value;
    std::string d;
    for (std::uint64_t j = 0; j < len; ++j) d.push_back(static_cast<char>('a' + next(25)));
    out.push_back(d + ".com");
    const std::uint64_t m = seed_a * seed_b;
    value = (m + (m >> 32)) & 0xFFFFFFFFu;
  }
  return out;
}

std::string kraken(std::uint64_t index, std::uint64_t seed, bool temp_file) {
  static constexpr std::array<std::string_view, 4> kSuffixes = {"dyndns.org", "yi.org", "dynserv.com", "mooo.com"};
  auto rand = [](std::int64_t r) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(1103515245ll * r + 12435));
  };
  auto crop = [](std::int64_t r) {
    std::int64_t q = r >= 0 ? r / 256 : -((-r + 255) / 256);  // floor division, as the original
    return ((q % 32768) + 32768) % 32768;
  };
  const std::int64_t nr = static_cast<std::int64_t>(index / 2) + 1000015;
  const std::int64_t ex = seed % 2 ? -0x1FCFBF87 : -0x0FCFBF88, nex = seed % 2 ? 0x7924542 : 0x8924541;
  std::int64_t r;
  if (temp_file) {
    std::int64_t x = static_cast<std::int32_t>(static_cast<std::uint32_t>(nr * (nr + 7) * (nr + 12))) / 9;
    r = static_cast<std::int32_t>(static_cast<std::uint32_t>(x + nr * (nr + 1) + ex));
  } else {
    std::int64_t x = static_cast<std::int32_t>(static_cast<std::uint32_t>((nr + 2) * (nr + 7) * nr)) / 9;
    r = static_cast<std::int32_t>(static_cast<std::uint32_t>(x + (nr * 3 + 1) * nr + nex));
  }
  std::int64_t rands[3];
  for (auto& v : rands) {
    r = rand(r);
    v = crop(r);
  }
  const std::int64_t len = ((rands[0] * rands[1] - rands[2]) % 6 + 6) % 6 + 6;
  std::string d;
  for (std::int64_t i = 0; i < len; ++i) {
    r = rand(r);
    d.push_back(static_cast<char>('a' + crop(r) % 26));
  }
  return d + "." + std::string(kSuffixes[static_cast<std::size_t>(nr % 4)]);
}

std::vector<std::string> banjori(std::size_t count) {
  auto wrap = [](int s) { return static_cast<char>('a' + ((s - 'a') % 26 + 26) % 26); };
  std::string d = "earnestnessbiophysicalohax.com";
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    d[0] = wrap(d[0] + d[3]);
    d[1] = wrap(d[0] + 2 * d[1]);
    d[2] = wrap(d[0] + d[2] - 1);
    d[3] = wrap(d[1] + d[2] + d[3]);
    out.push_back(d);
  }
  return out;
}

}  // namespace

std::vector<std::string> generate_dga_domains(DgaFamily family, std::uint64_t seed, std::size_t count,
                                              const std::vector<std::string>& words) {
  std::vector<std::string> out;
  switch (family) {
    case DgaFamily::kNecurs:
      for (std::size_t i = 0; i < count; ++i) out.push_back(necurs(seed, i));
      break;
    case DgaFamily::kRamnit:
      out = ramnit(seed * 2654435761u + 0xEF214BBF, count);
      break;
    case DgaFamily::kKraken:
      for (std::size_t i = 0; i < count; ++i) out.push_back(kraken(i * 2, seed, i % 2 == 0));
      break;
    case DgaFamily::kBanjori: {
      auto all = banjori(count + seed % 1000);
      out.assign(all.end() - static_cast<std::ptrdiff_t>(count), all.end());
      break;
    }
    case DgaFamily::kWordPairs: {
      if (words.size() < 2) break;
      std::uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
      for (std::size_t i = 0; i < count; ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const std::string& a = words[(s >> 33) % words.size()];
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const std::string& b = words[(s >> 33) % words.size()];
        out.push_back(a + b + ".net");
      }
      break;
    }
  }
  return out;
}

}  // namespace dnslens
