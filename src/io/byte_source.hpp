#pragma once
// A pull-based byte stream: one virtual call per refill, never per byte. Decoders wrap another
// source. read() returns 0 only at the end of the stream and throws Error on failure.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace dnslens {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  [[nodiscard]] virtual std::size_t read(char* dst, std::size_t capacity) = 0;
  // Bytes consumed from the underlying file so far (compressed bytes for decoders).
  [[nodiscard]] virtual std::uint64_t raw_bytes_consumed() const = 0;
};

// Reads a file descriptor it owns (or stdin when path is "-"). A pipe or socket ends early (read
// returns 0) once a stop signal came (core/stop_signal.hpp).
class FileByteSource final : public ByteSource {
 public:
  explicit FileByteSource(const std::string& path);
  ~FileByteSource() override;
  FileByteSource(const FileByteSource&) = delete;
  FileByteSource& operator=(const FileByteSource&) = delete;
  std::size_t read(char* dst, std::size_t capacity) override;
  std::uint64_t raw_bytes_consumed() const override { return consumed_; }

 private:
  int fd_ = -1;
  bool owns_fd_ = true;
  bool regular_ = false;  // a regular file never blocks; anything else is polled (see read)
  std::string path_;
  std::uint64_t consumed_ = 0;
};

// Serves an in-memory buffer (envelope payloads, tests).
class MemoryByteSource final : public ByteSource {
 public:
  explicit MemoryByteSource(std::string data) : data_(std::move(data)) {}
  std::size_t read(char* dst, std::size_t capacity) override;
  std::uint64_t raw_bytes_consumed() const override { return pos_; }

 private:
  std::string data_;
  std::size_t pos_ = 0;
};

// Lets a caller look at the first bytes (to detect the codec) and then read them again. A stream
// that fails while being peeked at still serves the bytes it gave before the failure; the error
// comes from the read after them.
class PeekableSource final : public ByteSource {
 public:
  explicit PeekableSource(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)) {}
  [[nodiscard]] std::string_view peek(std::size_t n, bool until_newline = false);
  // Consumes up to n peeked bytes without reading them out (a byte-order mark, say).
  void skip_peeked(std::size_t n);
  std::size_t read(char* dst, std::size_t capacity) override;
  std::uint64_t raw_bytes_consumed() const override { return inner_->raw_bytes_consumed(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string head_;
  std::size_t head_pos_ = 0;
  bool inner_eof_ = false;
  std::optional<Error> pending_error_;
};

}  // namespace dnslens
