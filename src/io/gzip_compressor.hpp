#pragma once
// Whole-buffer gzip (ISA-L level 1: fast, for request bodies sent over a network), keeping its level
// buffer and output buffer from one call to the next.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace dnslens {

class GzipCompressor {
 public:
  // first_output: the output buffer's first size when not 0 (tests: a small one makes it grow);
  // otherwise the input's size plus room for incompressible input.
  explicit GzipCompressor(std::size_t first_output = 0) : first_output_(first_output) {}
  // One gzip member holding `in`; valid until the next call. Throws Error(kInternal) if ISA-L fails.
  [[nodiscard]] std::string_view compress(std::string_view in);

 private:
  std::size_t first_output_;
  std::vector<std::uint8_t> level_buf_;  // allocated by the first compress()
  std::unique_ptr<std::uint8_t[]> out_;  // not zero-filled: the compressor writes what is read
  std::size_t capacity_ = 0;
};

}  // namespace dnslens
