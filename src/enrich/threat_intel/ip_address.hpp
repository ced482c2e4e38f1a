#pragma once
// IPv4 / IPv6 addresses and CIDR prefixes as fixed-size values, parsed without allocating
// (answers' Rdata and srcaddr are parsed for every record when intel is on).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnslens {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

  [[nodiscard]] std::uint32_t v4() const {
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
           bytes[3];
  }
  [[nodiscard]] int bits() const { return v6 ? 128 : 32; }
  // The address with every bit past `prefix` cleared.
  [[nodiscard]] IpAddress masked(int prefix) const;
  [[nodiscard]] std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
};

struct IpPrefix {
  IpAddress address;  // already masked
  int length = 0;     // 0..32 or 0..128
};

// An IPv4 or IPv6 address in the text form inet_pton reads (the same strings accepted, the same bytes).
[[nodiscard]] std::optional<IpAddress> parse_ip(std::string_view text);
// Whether parse_ip would accept the text, without building the value.
[[nodiscard]] bool is_ip_address(std::string_view text);
// "a.b.c.d/n", "x::/n", or a bare address (a full-length prefix). Host bits set below the prefix
// are an error (nullopt with *host_bits_set = true) so a typo in a feed is reported, not widened.
[[nodiscard]] std::optional<IpPrefix> parse_prefix(std::string_view text, bool* host_bits_set = nullptr);
// The address a reverse-DNS name asks about: "4.3.2.1.in-addr.arpa" -> 1.2.3.4, and the 32-nibble
// ip6.arpa form. Names for partial ranges give nullopt.
[[nodiscard]] std::optional<IpAddress> address_from_reverse_name(std::string_view normalized_name);

// Addresses a public name has no business resolving to. kMetadata: the instance metadata service
// and the other link-local credential endpoints of EC2 (169.254.169.254, fd00:ec2::254; ECS task
// credentials 169.254.170.2; EKS Pod Identity 169.254.170.23, fd00:ec2::23; and their IPv4-mapped
// forms). kBlackhole: addresses where traffic goes nowhere: 0.0.0.0/8, loopback 127.0.0.0/8, ::,
// ::1, and the IPv6 discard prefix 100::/64.
enum class SpecialAddress : std::uint8_t { kNone, kMetadata, kBlackhole };
[[nodiscard]] SpecialAddress special_address(const IpAddress& ip);

}  // namespace dnslens
