// libFuzzer target: CloudWatch / Firehose envelope decoding (base64, gzip, JSON) on arbitrary bytes.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "sources/envelope_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  dnslens::DecompressLimits limits;
  limits.max_output_bytes = 8 << 20;
  for (auto format : {dnslens::InputFormat::kCloudWatch, dnslens::InputFormat::kFirehose}) {
    auto decoded = dnslens::decode_envelopes(text, format, "fuzz", limits);
    if (decoded.origin.size() != static_cast<std::size_t>(std::count(decoded.records.begin(), decoded.records.end(), '\n'))) {
      __builtin_trap();
    }
  }
  return 0;
}
