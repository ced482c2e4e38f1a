#pragma once
// Whole-buffer gzip (ISA-L, level 1: fast, for request bodies sent over a network), reusing its state
// and output buffer from one call to the next.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace dnslens {

class GzipCompressor {
 public:
  GzipCompressor();
  // One gzip member holding `in`; valid until the next call. Throws Error(kInternal) if ISA-L fails.
  [[nodiscard]] std::string_view compress(std::string_view in);

 private:
  std::vector<std::uint8_t> level_buf_;
  std::unique_ptr<std::uint8_t[]> out_;  // not zero-filled: the compressor writes what is read
  std::size_t capacity_ = 0;
};

}  // namespace dnslens
