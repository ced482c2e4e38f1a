#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "io/byte_source.hpp"
#include "io/decompress_limits.hpp"

namespace dnslens {

enum class Compression { kNone, kGzip, kZstd };

// Detects the codec from the first bytes, never from the file name.
[[nodiscard]] Compression sniff_compression(std::string_view head);
[[nodiscard]] std::string_view compression_name(Compression c);

// Streaming gzip (ISA-L), all members of a multi-member file. Errors name `label`.
std::unique_ptr<ByteSource> make_gzip_decoder(std::unique_ptr<ByteSource> inner, std::string label,
                                              const DecompressLimits& limits);
std::unique_ptr<ByteSource> make_zstd_decoder(std::unique_ptr<ByteSource> inner, std::string label,
                                              const DecompressLimits& limits);

// Opens path ("-" = stdin) and stacks the decoder its content calls for.
struct OpenedInput {
  std::unique_ptr<ByteSource> source;
  ByteSource* raw = nullptr;  // the file itself, for progress
  Compression compression = Compression::kNone;
};
[[nodiscard]] OpenedInput open_input(const std::string& path, const DecompressLimits& limits);
[[nodiscard]] OpenedInput wrap_decoded(std::unique_ptr<ByteSource> raw, std::string label,
                                       const DecompressLimits& limits);

// Whole-buffer helpers for envelopes (bounded by the same limits).
[[nodiscard]] std::string decompress_buffer(std::string_view data, std::string label, const DecompressLimits& limits);

}  // namespace dnslens
