// libFuzzer target: CloudWatch / Firehose envelope decoding (base64, gzip, JSON) on arbitrary bytes,
// both the whole-input decoder and serve's record-by-record Firehose request decoder.
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
    if (decoded.origin.size() !=
        static_cast<std::size_t>(std::count(decoded.records.begin(), decoded.records.end(), '\n'))) {
      __builtin_trap();
    }
  }
  // dnslens serve's per-record decoding of a Firehose request body: a problem record never takes
  // the others with it, and every decoded line still knows its record.
  try {
    auto request = dnslens::decode_firehose_request(text, "fuzz", limits);
    const auto& d = request.decoded;
    if (d.origin.size() != static_cast<std::size_t>(std::count(d.records.begin(), d.records.end(), '\n')))
      __builtin_trap();
    for (std::uint64_t origin : d.origin) {
      if (origin == 0 || origin > d.firehose_records) __builtin_trap();
    }
    if (d.problems.size() > d.firehose_records) __builtin_trap();
  } catch (const dnslens::Error&) {  // not a Firehose request as a whole: a 400
  }
  // With a small budget, as serve decodes: within it, or refused as a whole.
  const dnslens::EnvelopeBudget budget{.max_decoded_bytes = 4096, .max_lines = 16, .max_problems = 2};
  try {
    auto request = dnslens::decode_firehose_request(text, "fuzz", limits, budget);
    const auto& d = request.decoded;
    if (d.records.size() > budget.max_decoded_bytes || d.origin.size() > budget.max_lines) __builtin_trap();
    if (d.problems.size() > budget.max_problems) __builtin_trap();
    if (d.problems.size() + d.problems_dropped > d.firehose_records) __builtin_trap();
  } catch (const dnslens::Error&) {
  }
  return 0;
}
