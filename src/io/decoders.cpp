#include "io/decoders.hpp"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"

namespace dnslens {

namespace {

constexpr std::size_t kInputBufferSize = 256 * 1024;

class BombGuard {
 public:
  BombGuard(const DecompressLimits& limits, std::string label) : limits_(limits), label_(std::move(label)) {}
  // How many of the `produced` bytes that follow `before` may be served. Past a limit, the bytes up
  // to it are still served and `error` is set for the next read, so the records before the limit
  // are kept.
  std::size_t admit(std::uint64_t in, std::uint64_t before, std::size_t produced, std::optional<Error>& error) const {
    const std::uint64_t out = before + produced;
    if (limits_.max_output_bytes != 0 && out > limits_.max_output_bytes) {
      error.emplace(ErrorCode::kDecompressionBomb,
                    fmt::format("{}: decompressed size exceeds the limit of {} bytes; the rest of the input is not "
                                "decoded",
                                label_, limits_.max_output_bytes));
      return before >= limits_.max_output_bytes ? 0 : static_cast<std::size_t>(limits_.max_output_bytes - before);
    }
    if (limits_.max_ratio > 0 && out > limits_.ratio_grace_bytes && in > 0 &&
        static_cast<double>(out) > limits_.max_ratio * static_cast<double>(in)) {
      error.emplace(ErrorCode::kDecompressionBomb,
                    fmt::format("{}: compression ratio above {:.0f}:1 after {} bytes (decompression bomb?)", label_,
                                limits_.max_ratio, out));
      return produced;
    }
    return produced;
  }
  const std::string& label() const { return label_; }

 private:
  DecompressLimits limits_;
  std::string label_;
};

// A decoder that failed keeps failing: nothing after the damage or the limit is ever served.
[[noreturn]] void throw_pending(const std::optional<Error>& pending) { throw *pending; }

class GzipDecoder final : public ByteSource {
 public:
  GzipDecoder(std::unique_ptr<ByteSource> inner, std::string label, const DecompressLimits& limits)
      : inner_(std::move(inner)), guard_(limits, std::move(label)), in_(kInputBufferSize) {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
  }

  std::size_t read(char* dst, std::size_t capacity) override {
    if (pending_error_) throw_pending(pending_error_);
    if (done_) return 0;
    capacity = std::min<std::size_t>(capacity, 1u << 30);
    while (true) {
      if (state_.avail_in == 0 && !inner_eof_) refill();
      if (member_finished_) {
        if (!start_next_member()) {
          done_ = true;
          return 0;
        }
      }
      state_.next_out = reinterpret_cast<std::uint8_t*>(dst);
      state_.avail_out = static_cast<std::uint32_t>(capacity);
      int ret = isal_inflate(&state_);
      std::size_t produced = capacity - state_.avail_out;
      if (ret < 0) {
        // What decoded before the damage is served first (a bad CRC comes after the whole member).
        total_out_ += produced;
        Error error(ErrorCode::kDecompress,
                    fmt::format("{}: corrupt gzip data at compressed byte {} (isa-l error {}) after {} decompressed "
                                "bytes; the rest of the input is not decoded",
                                guard_.label(), inner_->raw_bytes_consumed() - state_.avail_in, ret, total_out_));
        if (produced == 0) throw error;
        pending_error_ = std::move(error);
        return produced;
      }
      produced = guard_.admit(inner_->raw_bytes_consumed(), total_out_, produced, pending_error_);
      total_out_ += produced;
      if (state_.block_state == ISAL_BLOCK_FINISH) {
        member_finished_ = true;
        ++members_;
      }
      if (produced > 0) return produced;
      if (pending_error_) throw_pending(pending_error_);  // 0 bytes would read as the end of the stream
      if (!member_finished_ && state_.avail_in == 0 && inner_eof_) {
        throw Error(ErrorCode::kDecompress,
                    fmt::format("{}: truncated gzip stream (member {} ended early after {} decompressed bytes)",
                                guard_.label(), members_ + 1, total_out_));
      }
    }
  }

  std::uint64_t raw_bytes_consumed() const override { return inner_->raw_bytes_consumed(); }

 private:
  void refill() {
    std::size_t n = inner_->read(in_.data(), in_.size());
    if (n == 0) inner_eof_ = true;
    state_.next_in = reinterpret_cast<std::uint8_t*>(in_.data());
    state_.avail_in = static_cast<std::uint32_t>(n);
  }

  // After a member: another member follows, or only zero padding up to the end.
  bool start_next_member() {
    while (true) {
      while (state_.avail_in > 0 && *state_.next_in == 0) {
        ++state_.next_in;
        --state_.avail_in;
        saw_padding_ = true;
      }
      if (state_.avail_in > 0) break;
      if (inner_eof_) return false;
      refill();
    }
    if (saw_padding_ || *state_.next_in != 0x1f) {
      throw Error(ErrorCode::kDecompress,
                  fmt::format("{}: unexpected bytes after gzip member {}", guard_.label(), members_));
    }
    std::uint8_t* next_in = state_.next_in;
    std::uint32_t avail_in = state_.avail_in;
    isal_inflate_reset(&state_);
    state_.crc_flag = ISAL_GZIP;
    state_.next_in = next_in;
    state_.avail_in = avail_in;
    member_finished_ = false;
    return true;
  }

  std::unique_ptr<ByteSource> inner_;
  BombGuard guard_;
  std::vector<char> in_;
  inflate_state state_{};
  std::uint64_t total_out_ = 0;
  std::uint64_t members_ = 0;
  bool inner_eof_ = false;
  bool member_finished_ = false;
  bool saw_padding_ = false;
  bool done_ = false;
  std::optional<Error> pending_error_;
};

class ZstdDecoder final : public ByteSource {
 public:
  ZstdDecoder(std::unique_ptr<ByteSource> inner, std::string label, const DecompressLimits& limits)
      : inner_(std::move(inner)), guard_(limits, std::move(label)), in_(kInputBufferSize), ctx_(ZSTD_createDCtx()) {
    if (!ctx_) throw Error(ErrorCode::kInternal, "cannot allocate a zstd context");
    input_ = {in_.data(), 0, 0};
  }
  ~ZstdDecoder() override { ZSTD_freeDCtx(ctx_); }
  ZstdDecoder(const ZstdDecoder&) = delete;
  ZstdDecoder& operator=(const ZstdDecoder&) = delete;

  std::size_t read(char* dst, std::size_t capacity) override {
    if (pending_error_) throw_pending(pending_error_);
    while (true) {
      if (input_.pos == input_.size && !inner_eof_) {
        std::size_t n = inner_->read(in_.data(), in_.size());
        if (n == 0) inner_eof_ = true;
        input_ = {in_.data(), n, 0};
      }
      if (input_.pos == input_.size && inner_eof_) {
        if (frame_open_) {
          throw Error(ErrorCode::kDecompress,
                      fmt::format("{}: truncated zstd stream after {} decompressed bytes", guard_.label(), total_out_));
        }
        return 0;
      }
      // An output buffer that holds a whole frame makes zstd decode it in one pass, and a damaged
      // frame then reports nothing of what decoded before the damage; 1 MiB slices keep it streaming.
      ZSTD_outBuffer out{dst, std::min<std::size_t>(capacity, 1u << 20), 0};
      std::size_t ret = ZSTD_decompressStream(ctx_, &out, &input_);
      if (ZSTD_isError(ret)) {
        total_out_ += out.pos;
        Error error(ErrorCode::kDecompress,
                    fmt::format("{}: corrupt zstd data at compressed byte {} ({}) after {} decompressed bytes; the "
                                "rest of the input is not decoded",
                                guard_.label(), inner_->raw_bytes_consumed() - (input_.size - input_.pos),
                                ZSTD_getErrorName(ret), total_out_));
        if (out.pos == 0) throw error;
        pending_error_ = std::move(error);
        return out.pos;
      }
      frame_open_ = ret != 0;
      const std::size_t produced = guard_.admit(inner_->raw_bytes_consumed(), total_out_, out.pos, pending_error_);
      total_out_ += produced;
      if (produced > 0) return produced;
      if (pending_error_) throw_pending(pending_error_);
    }
  }
  std::uint64_t raw_bytes_consumed() const override { return inner_->raw_bytes_consumed(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  BombGuard guard_;
  std::vector<char> in_;
  ZSTD_DCtx* ctx_;
  ZSTD_inBuffer input_;
  std::uint64_t total_out_ = 0;
  bool inner_eof_ = false;
  bool frame_open_ = false;
  std::optional<Error> pending_error_;
};

}  // namespace

Compression sniff_compression(std::string_view head) {
  if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b) {
    return Compression::kGzip;
  }
  if (head.size() >= 4 && static_cast<unsigned char>(head[0]) == 0x28 && static_cast<unsigned char>(head[1]) == 0xb5 &&
      static_cast<unsigned char>(head[2]) == 0x2f && static_cast<unsigned char>(head[3]) == 0xfd) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "none";
}

std::unique_ptr<ByteSource> make_gzip_decoder(std::unique_ptr<ByteSource> inner, std::string label,
                                              const DecompressLimits& limits) {
  return std::make_unique<GzipDecoder>(std::move(inner), std::move(label), limits);
}

std::unique_ptr<ByteSource> make_zstd_decoder(std::unique_ptr<ByteSource> inner, std::string label,
                                              const DecompressLimits& limits) {
  return std::make_unique<ZstdDecoder>(std::move(inner), std::move(label), limits);
}

OpenedInput wrap_decoded(std::unique_ptr<ByteSource> raw, std::string label, const DecompressLimits& limits) {
  OpenedInput opened;
  opened.raw = raw.get();
  auto peekable = std::make_unique<PeekableSource>(std::move(raw));
  opened.compression = sniff_compression(peekable->peek(4));
  switch (opened.compression) {
    case Compression::kGzip:
      opened.source = make_gzip_decoder(std::move(peekable), std::move(label), limits);
      break;
    case Compression::kZstd:
      opened.source = make_zstd_decoder(std::move(peekable), std::move(label), limits);
      break;
    case Compression::kNone:
      opened.source = std::move(peekable);
      break;
  }
  return opened;
}

OpenedInput open_input(const std::string& path, const DecompressLimits& limits) {
  return wrap_decoded(std::make_unique<FileByteSource>(path), path == "-" ? "<stdin>" : path, limits);
}

std::string decompress_buffer(std::string_view data, std::string label, const DecompressLimits& limits) {
  auto opened = wrap_decoded(std::make_unique<MemoryByteSource>(std::string(data)), std::move(label), limits);
  std::string out;
  std::size_t pos = 0;
  while (true) {
    out.resize(pos + 256 * 1024);
    std::size_t n = opened.source->read(out.data() + pos, out.size() - pos);
    if (n == 0) break;
    pos += n;
  }
  out.resize(pos);
  return out;
}

}  // namespace dnslens
