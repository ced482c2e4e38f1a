#include "enrich/threat_intel/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace dnslens {

IpAddress IpAddress::masked(int prefix) const {
  IpAddress out = *this;
  const int total = bits();
  for (int bit = prefix; bit < total; ++bit) out.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return out;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

namespace {

// Dotted-quad IPv4 as inet_pton accepts it (four decimal parts 0..255, no leading zeros beyond "0"),
// without the copy and strlen: answers' addresses are parsed for every record (by intel, and by the
// OCSF and ECS outputs).
bool parse_v4(std::string_view text, IpAddress& ip) {
  const char* p = text.data();
  const char* const end = p + text.size();
  for (int part = 0; part < 4; ++part) {
    if (p == end) return false;
    unsigned value = static_cast<unsigned char>(*p) - unsigned{'0'};
    if (value > 9) return false;
    ++p;
    if (value != 0) {  // up to two more digits; a part that starts with 0 is that 0 alone
      for (int more = 0; more < 2 && p != end; ++more, ++p) {
        const unsigned digit = static_cast<unsigned char>(*p) - unsigned{'0'};
        if (digit > 9) break;
        value = value * 10 + digit;
      }
      if (value > 255) return false;
    }
    ip.bytes[static_cast<std::size_t>(part)] = static_cast<std::uint8_t>(value);
    if (part < 3) {
      if (p == end || *p != '.') return false;
      ++p;
    }
  }
  return p == end;
}

// Colon-hex IPv6 exactly as glibc's inet_pton(AF_INET6) reads it (1 to 4 hex digits a group, one
// "::" for a run of zero groups, a dotted-quad tail as the last 32 bits), without the copy into a
// NUL-terminated buffer the C function needs: the OCSF and ECS outputs check every AAAA answer.
bool parse_v6(std::string_view text, IpAddress& ip) {
  const char* p = text.data();
  const char* const end = p + text.size();
  std::array<std::uint8_t, 16> bytes{};
  std::size_t filled = 0;         // bytes written so far
  std::size_t zeros_at = 16 + 1;  // where "::" stands, in bytes; none yet
  if (p == end) return false;
  if (*p == ':' && (++p == end || *p != ':')) return false;  // a leading colon only as "::"
  const char* group = p;                                     // where the current group began
  unsigned digits = 0;
  unsigned value = 0;
  while (p != end) {
    const char ch = *p++;
    unsigned digit;
    if (ch >= '0' && ch <= '9')
      digit = static_cast<unsigned>(ch - '0');
    else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
      digit = static_cast<unsigned>((ch | 0x20) - 'a' + 10);
    else
      digit = 16;
    if (digit < 16) {
      if (digits == 4) return false;
      value = value << 4 | digit;
      ++digits;
      continue;
    }
    if (ch == ':') {
      group = p;
      if (digits == 0) {
        if (zeros_at <= 16) return false;  // a second "::"
        zeros_at = filled;
        continue;
      }
      if (p == end || filled + 2 > 16) return false;  // a trailing single colon, or a ninth group
      bytes[filled++] = static_cast<std::uint8_t>(value >> 8);
      bytes[filled++] = static_cast<std::uint8_t>(value);
      digits = 0;
      value = 0;
      continue;
    }
    IpAddress tail;
    if (ch == '.' && filled + 4 <= 16 &&
        parse_v4(std::string_view(group, static_cast<std::size_t>(end - group)), tail)) {
      std::memcpy(&bytes[filled], tail.bytes.data(), 4);
      filled += 4;
      digits = 0;
      break;
    }
    return false;
  }
  if (digits > 0) {
    if (filled + 2 > 16) return false;
    bytes[filled++] = static_cast<std::uint8_t>(value >> 8);
    bytes[filled++] = static_cast<std::uint8_t>(value);
  }
  if (zeros_at <= 16) {
    if (filled == 16) return false;  // "::" standing for no group at all
    const std::size_t after = filled - zeros_at;
    std::memmove(&bytes[16 - after], &bytes[zeros_at], after);
    std::memset(&bytes[zeros_at], 0, 16 - after - zeros_at);
    filled = 16;
  }
  if (filled != 16) return false;
  ip.v6 = true;
  ip.bytes = bytes;
  return true;
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  IpAddress ip;  // an IPv4 address has no colon, an IPv6 address has one: IPv4 is tried first
  if (parse_v4(text, ip) || parse_v6(text, ip)) return ip;
  return std::nullopt;
}

bool is_ip_address(std::string_view text) {
  IpAddress ip;
  return parse_v4(text, ip) || parse_v6(text, ip);
}

std::optional<IpPrefix> parse_prefix(std::string_view text, bool* host_bits_set) {
  if (host_bits_set) *host_bits_set = false;
  const auto slash = text.find('/');
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return std::nullopt;
  IpPrefix p{*ip, ip->bits()};
  if (slash != std::string_view::npos) {
    std::string_view len = text.substr(slash + 1);
    int n = -1;
    auto [ptr, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
    if (ec != std::errc() || ptr != len.data() + len.size() || len.empty() || n < 0 || n > ip->bits()) {
      return std::nullopt;
    }
    p.length = n;
    p.address = ip->masked(n);
    if (!(p.address == *ip)) {
      if (host_bits_set) *host_bits_set = true;
      return std::nullopt;
    }
  }
  return p;
}

std::optional<IpAddress> address_from_reverse_name(std::string_view name) {
  constexpr std::string_view kV4 = ".in-addr.arpa";
  constexpr std::string_view kV6 = ".ip6.arpa";
  if (name.size() > kV4.size() && name.substr(name.size() - kV4.size()) == kV4) {
    std::string_view rest = name.substr(0, name.size() - kV4.size());
    IpAddress ip;
    int octet = 3;
    while (true) {
      const auto dot = rest.find('.');
      std::string_view part = rest.substr(0, dot);
      unsigned v = 0;
      auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
      if (ec != std::errc() || ptr != part.data() + part.size() || part.empty() || part.size() > 3 || v > 255 ||
          octet < 0) {
        return std::nullopt;
      }
      ip.bytes[static_cast<std::size_t>(octet--)] = static_cast<std::uint8_t>(v);
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    if (octet != -1) return std::nullopt;
    return ip;
  }
  if (name.size() == 64 + kV6.size() - 1 && name.substr(name.size() - kV6.size()) == kV6) {
    IpAddress ip;
    ip.v6 = true;
    for (int i = 0; i < 32; ++i) {
      const char c = name[static_cast<std::size_t>(i) * 2];
      if (name[static_cast<std::size_t>(i) * 2 + 1] != '.') return std::nullopt;
      int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (v < 0) return std::nullopt;
      const int nibble = 31 - i;  // the first label is the lowest nibble
      ip.bytes[static_cast<std::size_t>(nibble / 2)] |= static_cast<std::uint8_t>(nibble % 2 ? v : v << 4);
    }
    return ip;
  }
  return std::nullopt;
}

SpecialAddress special_address(const IpAddress& ip) {
  auto v4_kind = [](std::uint32_t a) {
    if (a == 0xa9fea9fe || a == 0xa9feaa02 || a == 0xa9feaa17)
      return SpecialAddress::kMetadata;  // .169.254, .170.2/.23
    if ((a >> 24) == 0 || (a >> 24) == 127) return SpecialAddress::kBlackhole;
    return SpecialAddress::kNone;
  };
  if (!ip.v6) return v4_kind(ip.v4());
  const auto& b = ip.bytes;
  auto zero = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i)
      if (b[i] != 0) return false;
    return true;
  };
  if (zero(0, 10) && b[10] == 0xff && b[11] == 0xff)  // ::ffff:a.b.c.d
    return v4_kind((std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) | (std::uint32_t{b[14]} << 8) | b[15]);
  // fd00:ec2::254 and fd00:ec2::23 (groups are hexadecimal: 0x0254 and 0x0023).
  if (b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x0e && b[3] == 0xc2 && zero(4, 14) &&
      ((b[14] == 0x02 && b[15] == 0x54) || (b[14] == 0x00 && b[15] == 0x23)))
    return SpecialAddress::kMetadata;
  if (zero(0, 15) && (b[15] == 0 || b[15] == 1)) return SpecialAddress::kBlackhole;   // :: and ::1
  if (b[0] == 0x01 && b[1] == 0x00 && zero(2, 8)) return SpecialAddress::kBlackhole;  // 100::/64
  return SpecialAddress::kNone;
}

}  // namespace dnslens
