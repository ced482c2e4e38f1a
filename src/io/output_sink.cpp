#include "io/output_sink.hpp"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <vector>

#include "core/error.hpp"
#include "io/file_writer.hpp"

namespace dnslens {

namespace {

class PlainSink final : public OutputSink {
 public:
  PlainSink(const std::string& path, OpenMode mode, WriteHint hint) : fd_(path, mode, hint) {}
  void write(std::string_view bytes) override { fd_.write_all(bytes.data(), bytes.size()); }
  void write_with_headroom(char* bytes, std::size_t size, std::size_t headroom) override {
    fd_.write_in_place(bytes, size, headroom);
  }
  void flush() override { fd_.flush(); }
  void finish() override { fd_.close(); }
  [[nodiscard]] double seconds_in_writes() const override { return fd_.seconds_in_writes(); }

 private:
  FileWriter fd_;
};

class GzipSink final : public OutputSink {
 public:
  GzipSink(const std::string& path, OpenMode mode, WriteHint hint)
      : fd_(path, mode, hint), level_buf_(ISAL_DEF_LVL1_DEFAULT), out_(1 << 20) {
    isal_deflate_init(&stream_);
    stream_.gzip_flag = IGZIP_GZIP;
    stream_.level = 1;
    stream_.level_buf = level_buf_.data();
    stream_.level_buf_size = static_cast<std::uint32_t>(level_buf_.size());
  }
  void write(std::string_view bytes) override { deflate(bytes, false); }
  [[nodiscard]] double seconds_in_writes() const override { return fd_.seconds_in_writes(); }
  void flush() override { fd_.flush(); }
  void finish() override {
    if (finished_) return;
    deflate({}, true);
    finished_ = true;
    fd_.close();
  }

 private:
  void deflate(std::string_view bytes, bool end) {
    stream_.next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(bytes.data()));
    stream_.avail_in = static_cast<std::uint32_t>(bytes.size());
    stream_.end_of_stream = end ? 1 : 0;
    stream_.flush = NO_FLUSH;
    do {
      stream_.next_out = out_.data();
      stream_.avail_out = static_cast<std::uint32_t>(out_.size());
      if (isal_deflate(&stream_) != COMP_OK) throw Error(ErrorCode::kInternal, "gzip compression failed");
      fd_.write_all(reinterpret_cast<const char*>(out_.data()), out_.size() - stream_.avail_out);
    } while (stream_.avail_in > 0 || stream_.avail_out == 0 || (end && stream_.internal_state.state != ZSTATE_END));
  }

  FileWriter fd_;
  isal_zstream stream_{};
  std::vector<std::uint8_t> level_buf_;
  std::vector<std::uint8_t> out_;
  bool finished_ = false;
};

class ZstdSink final : public OutputSink {
 public:
  ZstdSink(const std::string& path, OpenMode mode, WriteHint hint)
      : fd_(path, mode, hint), ctx_(ZSTD_createCCtx()), out_(ZSTD_CStreamOutSize()) {
    if (!ctx_) throw Error(ErrorCode::kInternal, "cannot allocate a zstd context");
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, 3);
  }
  ~ZstdSink() override { ZSTD_freeCCtx(ctx_); }
  ZstdSink(const ZstdSink&) = delete;
  ZstdSink& operator=(const ZstdSink&) = delete;
  void write(std::string_view bytes) override { compress(bytes, ZSTD_e_continue); }
  [[nodiscard]] double seconds_in_writes() const override { return fd_.seconds_in_writes(); }
  void flush() override { fd_.flush(); }
  void finish() override {
    if (finished_) return;
    compress({}, ZSTD_e_end);
    finished_ = true;
    fd_.close();
  }

 private:
  void compress(std::string_view bytes, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    while (true) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      std::size_t remaining = ZSTD_compressStream2(ctx_, &out, &in, mode);
      if (ZSTD_isError(remaining)) throw Error(ErrorCode::kInternal, "zstd compression failed");
      fd_.write_all(out_.data(), out.pos);
      if (mode == ZSTD_e_end ? remaining == 0 : in.pos == in.size) break;
    }
  }

  FileWriter fd_;
  ZSTD_CCtx* ctx_;
  std::vector<char> out_;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<OutputSink> make_file_sink(const std::string& path, Compression compression, OpenMode mode,
                                           WriteHint hint) {
  switch (compression) {
    case Compression::kGzip:
      return std::make_unique<GzipSink>(path, mode, hint);
    case Compression::kZstd:
      return std::make_unique<ZstdSink>(path, mode, hint);
    case Compression::kNone:
      break;
  }
  return std::make_unique<PlainSink>(path, mode, hint);
}

Compression compression_for_path(std::string_view path) {
  if (path.ends_with(".gz")) return Compression::kGzip;
  if (path.ends_with(".zst")) return Compression::kZstd;
  return Compression::kNone;
}

}  // namespace dnslens
