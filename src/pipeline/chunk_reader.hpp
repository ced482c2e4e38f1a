#pragma once
// Turns the run's inputs into jobs of whole lines. Handles, per input: codec detection, envelope
// decoding, lines longer than the largest chunk (dead-lettered, skipped to the next newline), a stream that
// fails midway (the lines before it go through, its partial last line is dead-lettered as
// truncated) and inputs that cannot be opened (reported, the run goes on).
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

class ChunkReader {
 public:
  // problems: one per source; a non-empty one is reported as that input's failure without opening it.
  // batch_bytes: the input a job holds (whole lines up to it); a job grows past it only while one line
  // does not fit, up to config.max_chunk_bytes(batch_bytes).
  ChunkReader(const SourceConfig& config, std::size_t batch_bytes, const std::vector<std::string>& sources,
              const std::vector<std::string>& problems, ReaderProgress& progress);
  ~ChunkReader();
  // Fills job with the next unit of work; false when every input is done.
  [[nodiscard]] bool next(Job& job);

 private:
  bool open_next_source(Job& job);
  void finish_source(bool ok);
  void emit_truncated_tail(Job& job, std::string_view reason);
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
  std::size_t chunk_bytes_;      // a job's input
  std::size_t max_chunk_bytes_;  // ... grown to hold one long line
};

}  // namespace dnslens
