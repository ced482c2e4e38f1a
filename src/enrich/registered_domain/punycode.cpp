#include "enrich/registered_domain/punycode.hpp"

#include <cstdint>
#include <vector>

namespace dnslens {

namespace {

constexpr std::uint32_t kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700;
constexpr std::uint32_t kInitialBias = 72, kInitialN = 128;

std::uint32_t adapt(std::uint32_t delta, std::uint32_t num_points, bool first_time) {
  delta = first_time ? delta / kDamp : delta / 2;
  delta += delta / num_points;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTMin) * kTMax) / 2) {
    delta /= kBase - kTMin;
    k += kBase;
  }
  return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}

char encode_digit(std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); }

bool decode_utf8(std::string_view in, std::vector<std::uint32_t>& out) {
  for (std::size_t i = 0; i < in.size();) {
    auto b = static_cast<unsigned char>(in[i]);
    std::uint32_t cp;
    std::size_t extra;
    if (b < 0x80) {
      cp = b;
      extra = 0;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1F;
      extra = 1;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0F;
      extra = 2;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07;
      extra = 3;
    } else
      return false;
    if (i + extra >= in.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto c = static_cast<unsigned char>(in[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    out.push_back(cp);
    i += extra + 1;
  }
  return true;
}

}  // namespace

std::optional<std::string> label_to_ascii(std::string_view label) {
  bool ascii = true;
  for (char c : label) ascii &= static_cast<unsigned char>(c) < 0x80;
  if (ascii) return std::string(label);
  std::vector<std::uint32_t> cps;
  if (!decode_utf8(label, cps)) return std::nullopt;
  std::string out = "xn--";
  std::uint32_t basic = 0;
  for (auto cp : cps) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
      ++basic;
    }
  }
  std::uint32_t handled = basic;
  if (basic > 0) out.push_back('-');
  std::uint32_t n = kInitialN, delta = 0, bias = kInitialBias;
  while (handled < cps.size()) {
    std::uint32_t m = UINT32_MAX;
    for (auto cp : cps)
      if (cp >= n && cp < m) m = cp;
    delta += (m - n) * (handled + 1);
    n = m;
    for (auto cp : cps) {
      if (cp < n) ++delta;
      if (cp == n) {
        std::uint32_t q = delta;
        for (std::uint32_t k = kBase;; k += kBase) {
          std::uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
          if (q < t) break;
          out.push_back(encode_digit(t + (q - t) % (kBase - t)));
          q = (q - t) / (kBase - t);
        }
        out.push_back(encode_digit(q));
        bias = adapt(delta, handled + 1, handled == basic);
        delta = 0;
        ++handled;
      }
    }
    ++delta;
    ++n;
  }
  return out;
}

std::optional<std::string> domain_to_ascii(std::string_view domain) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = domain.find('.', start);
    auto label = label_to_ascii(domain.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (!label) return std::nullopt;
    out += *label;
    if (dot == std::string_view::npos) break;
    out.push_back('.');
    start = dot + 1;
  }
  return out;
}

}  // namespace dnslens
