#include "io/gzip_compressor.hpp"

#include <isa-l/igzip_lib.h>

#include <cstring>

#include "core/error.hpp"

namespace dnslens {

std::string_view GzipCompressor::compress(std::string_view in) {
  if (in.size() > UINT32_MAX / 2) throw Error(ErrorCode::kInternal, "gzip: a buffer over 2 GiB");
  if (level_buf_.empty()) level_buf_.resize(ISAL_DEF_LVL1_DEFAULT);  // a client that never inserts has none
  isal_zstream stream{};
  isal_deflate_init(&stream);
  stream.gzip_flag = IGZIP_GZIP;
  stream.level = 1;
  stream.level_buf = level_buf_.data();
  stream.level_buf_size = static_cast<std::uint32_t>(level_buf_.size());
  stream.next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(in.data()));
  stream.avail_in = static_cast<std::uint32_t>(in.size());
  stream.end_of_stream = 1;
  stream.flush = NO_FLUSH;
  // Incompressible input grows by a few bytes per 64 KiB block, plus the header and trailer; the
  // loop grows the buffer should that ever be short.
  std::size_t want = in.size() + in.size() / 64 + 1024;
  if (first_output_ != 0 && capacity_ == 0) want = first_output_;
  if (capacity_ < want) {
    out_ = std::make_unique_for_overwrite<std::uint8_t[]>(want);
    capacity_ = want;
  }
  std::size_t written = 0;
  while (true) {
    stream.next_out = out_.get() + written;
    stream.avail_out = static_cast<std::uint32_t>(capacity_ - written);
    if (isal_deflate(&stream) != COMP_OK) throw Error(ErrorCode::kInternal, "gzip compression failed");
    written = capacity_ - stream.avail_out;
    if (stream.internal_state.state == ZSTATE_END) break;
    auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(capacity_ * 2);
    std::memcpy(bigger.get(), out_.get(), written);
    out_ = std::move(bigger);
    capacity_ *= 2;
  }
  return {reinterpret_cast<const char*>(out_.get()), written};
}

}  // namespace dnslens
