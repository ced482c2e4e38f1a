// libFuzzer target: gzip / zstd stream decoding with bomb limits; only dnslens::Error may escape.
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "io/decoders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dnslens::DecompressLimits limits;
  limits.max_output_bytes = 16 << 20;
  limits.ratio_grace_bytes = 1 << 20;
  try {
    (void)dnslens::decompress_buffer(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", limits);
  } catch (const dnslens::Error&) {
  }
  return 0;
}
