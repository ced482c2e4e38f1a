#pragma once
// Where records that could not be used go, with where they came from and why: one writer, with a
// JSON-lines file (dnslens run) or the store's dead_letters table (dnslens serve, in the request's
// transaction) behind it. Written on the writer thread, in input order.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sinks/dead_letters/dead_letter_entry.hpp"
#include "io/output_sink.hpp"
#include "store/store_writer.hpp"

namespace dnslens {

class DeadLetterWriter {
 public:
  virtual ~DeadLetterWriter() = default;
  virtual void write(const DeadLetterEntry& entry) = 0;
  // Ends the output (a file's last bytes); the writer must not be written after this.
  virtual void finish() = 0;
  [[nodiscard]] std::uint64_t written() const { return written_; }

 protected:
  std::uint64_t written_ = 0;
};

// One JSON object per line: {"file","line","envelope"?,"reason","detail","raw"? (when UTF-8),
// "raw_base64","raw_bytes","raw_truncated"}. The file is created with the first dead letter, so a
// clean run leaves none behind; its compression follows the extension (.gz, .zst).
class DeadLetterFile final : public DeadLetterWriter {
 public:
  explicit DeadLetterFile(std::string path) : path_(std::move(path)) {}
  void write(const DeadLetterEntry& entry) override;
  void finish() override;
  // The file's path once something was written to it, else empty.
  [[nodiscard]] std::string_view created_path() const { return file_ ? std::string_view(path_) : std::string_view(); }

 private:
  std::string path_;
  std::unique_ptr<OutputSink> file_;
  std::string buf_;
};

// Rows of a dead_letters table through a row sink its owner commits (serve: with the request; the
// DuckDB store's appender or ClickHouse's pending request). A request keeps at most max_kept of them and max_raw_bytes
// of their raw bytes, all together; the rest are only counted (dropped()), so a flood of bad records costs little.
class DeadLetterTable final : public DeadLetterWriter {
 public:
  DeadLetterTable(DeadLetterRowSink& appender, std::size_t max_kept, std::size_t max_raw_bytes)
      : appender_(appender), max_kept_(max_kept), max_raw_bytes_(max_raw_bytes) {}
  // A new request, received at received_ms: the caps start over.
  void begin(std::int64_t received_ms);
  void write(const DeadLetterEntry& entry) override;
  void finish() override {}
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

 private:
  DeadLetterRowSink& appender_;
  std::size_t max_kept_, max_raw_bytes_;
  std::int64_t received_ms_ = 0;
  std::size_t kept_ = 0, raw_bytes_ = 0;
  std::uint64_t dropped_ = 0;
  std::string origin_;
};

}  // namespace dnslens
