#pragma once
// Byte sinks for enriched records and dead letters. Compression wraps a file descriptor; each sink
// writes whole buffers (one call per batch, never per record).
#include <memory>
#include <string>
#include <string_view>

#include "io/decoders.hpp"
#include "io/file_writer.hpp"

namespace dnslens {

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual void write(std::string_view bytes) = 0;
  // Makes what the sink has written so far visible in its file. A compressed stream still holds back
  // what its compressor has not emitted yet.
  virtual void flush() = 0;
  // Writes `size` bytes at `bytes`. The `headroom` bytes in front of them are the caller's scratch and
  // may be overwritten: a plain file written directly uses them to write in place
  // (FileWriter::write_in_place); other sinks just write.
  virtual void write_with_headroom(char* bytes, std::size_t size, std::size_t /*headroom*/) { write({bytes, size}); }
  // Flushes and ends the compressed stream; the sink must not be written after this.
  virtual void finish() = 0;
  // Seconds spent in write system calls (FileWriter::seconds_in_writes).
  [[nodiscard]] virtual double seconds_in_writes() const = 0;
};

// path "-" writes to stdout. Throws Error(kIo) when the file cannot be opened.
std::unique_ptr<OutputSink> make_file_sink(const std::string& path, Compression compression,
                                           OpenMode mode = OpenMode::kTruncate, WriteHint hint = WriteHint::kSmall);
// Chooses the compression from the path's extension (.gz, .zst), else none.
[[nodiscard]] Compression compression_for_path(std::string_view path);

}  // namespace dnslens
