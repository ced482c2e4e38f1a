#include "sinks/output_sink.hpp"

#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace dnslens {

namespace {

class FdWriter {
 public:
  FdWriter(const std::string& path, OpenMode mode) : path_(path) {
    if (path == "-") {
      fd_ = STDOUT_FILENO;
      owns_ = false;
      return;
    }
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == OpenMode::kAppend ? O_APPEND : O_TRUNC);
    fd_ = ::open(path.c_str(), flags, 0644);
    if (fd_ < 0) throw Error(ErrorCode::kIo, "cannot open " + path + " for writing: " + std::strerror(errno));
  }
  ~FdWriter() {
    if (owns_ && fd_ >= 0) ::close(fd_);
  }
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;

  void write_all(const char* p, std::size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw Error(ErrorCode::kIo, "cannot write " + path_ + ": " + std::strerror(errno));
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }
  void close() {
    if (owns_ && fd_ >= 0) {
      if (::close(fd_) != 0) throw Error(ErrorCode::kIo, "cannot close " + path_ + ": " + std::strerror(errno));
      fd_ = -1;
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool owns_ = true;
};

class PlainSink final : public OutputSink {
 public:
  PlainSink(const std::string& path, OpenMode mode) : fd_(path, mode) {}
  void write(std::string_view bytes) override { fd_.write_all(bytes.data(), bytes.size()); }
  void finish() override { fd_.close(); }

 private:
  FdWriter fd_;
};

class GzipSink final : public OutputSink {
 public:
  GzipSink(const std::string& path, OpenMode mode)
      : fd_(path, mode), level_buf_(ISAL_DEF_LVL1_DEFAULT), out_(1 << 20) {
    isal_deflate_init(&stream_);
    stream_.gzip_flag = IGZIP_GZIP;
    stream_.level = 1;
    stream_.level_buf = level_buf_.data();
    stream_.level_buf_size = static_cast<std::uint32_t>(level_buf_.size());
  }
  void write(std::string_view bytes) override { deflate(bytes, false); }
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
    } while (stream_.avail_in > 0 || stream_.avail_out == 0 ||
             (end && stream_.internal_state.state != ZSTATE_END));
  }

  FdWriter fd_;
  isal_zstream stream_{};
  std::vector<std::uint8_t> level_buf_;
  std::vector<std::uint8_t> out_;
  bool finished_ = false;
};

class ZstdSink final : public OutputSink {
 public:
  ZstdSink(const std::string& path, OpenMode mode) : fd_(path, mode), ctx_(ZSTD_createCCtx()), out_(ZSTD_CStreamOutSize()) {
    if (!ctx_) throw Error(ErrorCode::kInternal, "cannot allocate a zstd context");
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, 3);
  }
  ~ZstdSink() override { ZSTD_freeCCtx(ctx_); }
  ZstdSink(const ZstdSink&) = delete;
  ZstdSink& operator=(const ZstdSink&) = delete;
  void write(std::string_view bytes) override { compress(bytes, ZSTD_e_continue); }
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

  FdWriter fd_;
  ZSTD_CCtx* ctx_;
  std::vector<char> out_;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<OutputSink> make_file_sink(const std::string& path, Compression compression, OpenMode mode) {
  switch (compression) {
    case Compression::kGzip: return std::make_unique<GzipSink>(path, mode);
    case Compression::kZstd: return std::make_unique<ZstdSink>(path, mode);
    case Compression::kNone: break;
  }
  return std::make_unique<PlainSink>(path, mode);
}

Compression compression_for_path(std::string_view path) {
  if (path.ends_with(".gz")) return Compression::kGzip;
  if (path.ends_with(".zst")) return Compression::kZstd;
  return Compression::kNone;
}

}  // namespace dnslens
