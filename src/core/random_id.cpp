#include "core/random_id.hpp"

#include <cstdint>
#include <random>

#include <fmt/format.h>

namespace dnslens {

std::string random_uuid() {
  std::random_device random;
  std::uint32_t w[4];
  for (auto& x : w) x = random();
  w[1] = (w[1] & 0xffff0fffu) | 0x00004000u;  // version 4
  w[2] = (w[2] & 0x3fffffffu) | 0x80000000u;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:04x}{:08x}", w[0], w[1] >> 16, w[1] & 0xffff, w[2] >> 16,
                     w[2] & 0xffff, w[3]);
}

}  // namespace dnslens
