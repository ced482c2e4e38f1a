#pragma once
// Turns the run's inputs into jobs of whole lines. Handles, per input: codec detection, envelope
// decoding, lines longer than the largest chunk (dead-lettered, skipped to the next newline), a stream that
// fails midway (the lines before it go through, its partial last line is dead-lettered as
// truncated) and inputs that cannot be opened (reported, the run goes on).
//
// A plain file (a regular file, neither compressed nor envelopes) is not read here: its jobs are byte
// ranges, and each worker reads its own (read_range), so no one thread copies every byte of the run.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "io/byte_source.hpp"
#include "pipeline/job.hpp"
#include "pipeline/pipeline_config.hpp"

namespace dnslens {

struct ReaderProgress {
  std::atomic<std::uint64_t> raw_bytes_done{0};     // fully consumed inputs
  std::atomic<std::uint64_t> raw_bytes_current{0};  // consumed of the current input
  std::atomic<std::uint64_t> files_ok{0};
  std::atomic<std::uint64_t> files_failed{0};
};

// A plain file read in ranges by the workers. Shared by its range jobs; when the last is written and
// released, the file is closed and counted as ok or failed in the reader's progress.
struct PlainFile {
  PlainFile(int fd, std::string label, std::uint64_t start, std::uint64_t size, std::size_t line_limit,
            ReaderProgress& progress)
      : fd(fd), label(std::move(label)), start(start), size(size), line_limit(line_limit), progress(progress) {}
  ~PlainFile();
  PlainFile(const PlainFile&) = delete;
  PlainFile& operator=(const PlainFile&) = delete;

  const int fd;
  const std::string label;
  const std::uint64_t start;     // the first line's offset (past a byte-order mark)
  const std::uint64_t size;      // as opened: the ranges cover [start, size)
  const std::size_t line_limit;  // a line whose newline is not within this many bytes of its start is too long
  ReaderProgress& progress;
  std::atomic<bool> failed{false};  // a read failed: the file counts as failed
  bool ended = false;               // the reader handed out its last range (set before it lets go)
};

class ChunkReader {
 public:
  // problems: one per source; a non-empty one is reported as that input's failure without opening it.
  // batch_bytes: the input a job holds (whole lines up to it); a job grows past it only while one line
  // does not fit, up to config.max_chunk_bytes(batch_bytes).
  // plain_in_ranges: plain files come as ranges for the workers to read (with one worker, the
  // reader's own thread reading ahead of it is faster).
  ChunkReader(const SourceConfig& config, std::size_t batch_bytes, const std::vector<std::string>& sources,
              const std::vector<std::string>& problems, ReaderProgress& progress, bool plain_in_ranges = false);
  ~ChunkReader();
  // Fills job with the next unit of work; false when every input is done. A Job::Kind::kRange job must
  // go through read_range before it is processed.
  [[nodiscard]] bool next(Job& job);

  // A range job becomes a lines job: its whole lines, which are those that start in the range (the one
  // it starts inside belongs to the range before; its last runs on past the range to its newline). A
  // last line too long for the reader's largest chunk is dead-lettered and skipped as the reader does; a
  // read error is the file's failure: the job keeps the whole lines read before it, its partial line is
  // dead-lettered as truncated, and it is marked read_failed. Thread-safe
  // (workers call it side by side); does nothing to other jobs.
  static void read_range(Job& job, const SourceConfig& config);

 private:
  bool open_next_source(Job& job);
  bool open_plain_file(const std::string& path, std::uint64_t start);
  void finish_source(bool ok);
  std::size_t read_some(char* dst, std::size_t cap);

  const SourceConfig& config_;
  const std::vector<std::string>& sources_;
  const std::vector<std::string>& problems_;
  ReaderProgress& progress_;
  std::size_t next_source_ = 0;
  std::uint32_t current_index_ = 0;
  std::unique_ptr<ByteSource> source_;
  ByteSource* raw_ = nullptr;
  std::shared_ptr<const std::vector<std::uint64_t>> origin_;
  std::vector<char> leftover_;
  std::uint64_t seq_ = 0;
  bool source_eof_ = false;
  bool live_ = false;  // stdin is a pipe or socket: hand over whole lines as they arrive, not per batch
  std::string pending_error_;
  bool plain_in_ranges_;
  std::shared_ptr<PlainFile> plain_;  // the plain file being handed out in ranges
  std::uint64_t plain_next_ = 0;      // ... from this offset on
  std::size_t chunk_bytes_;           // a job's input
  std::size_t max_chunk_bytes_;       // ... grown to hold one long line
};

}  // namespace dnslens
