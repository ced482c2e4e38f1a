#pragma once
// The unit of work: a chunk of whole lines in; each sink's batch (enriched lines, store rows, match
// notifications, detection events) and the dead letters out.
// Jobs are pooled and reused, so the steady state allocates nothing.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/bad_reason.hpp"
#include "sinks/dead_letters/dead_letter_writer.hpp"
#include "sinks/record_sink.hpp"

namespace dnslens {

struct RunCounters {
  std::uint64_t records = 0;       // parsed and enriched
  std::uint64_t record_bytes = 0;  // bytes of the lines of those records
  std::uint64_t blank_lines = 0;
  std::uint64_t matches = 0;  // isMatchedDomain = Y
  std::uint64_t invalid_tld = 0;
  std::uint64_t threat_hits = 0;     // records with a threat-intel match
  std::uint64_t firewall_drift = 0;  // records whose simulated firewall outcome differs from the logged one
  std::uint64_t benign_noise = 0;    // records on the known-benign noise list
  std::array<std::uint64_t, kBadReasonCount> bad{};  // bad_envelope included

  [[nodiscard]] std::uint64_t bad_total() const {
    std::uint64_t total = 0;
    for (auto n : bad) total += n;
    return total;
  }
  void add(const RunCounters& o) {
    records += o.records;
    record_bytes += o.record_bytes;
    blank_lines += o.blank_lines;
    matches += o.matches;
    invalid_tld += o.invalid_tld;
    threat_hits += o.threat_hits;
    firewall_drift += o.firewall_drift;
    benign_noise += o.benign_noise;
    for (std::size_t i = 0; i < bad.size(); ++i) bad[i] += o.bad[i];
  }
};

// Line numbers inside a job are offsets from the job's first line: only the writer, which sees
// the jobs in order, knows where a job starts, so nobody has to count newlines ahead of the workers.
inline constexpr std::uint64_t kNoLine = ~std::uint64_t{0};  // not about one line (an envelope)
inline constexpr std::uint64_t kAfterJob = kNoLine - 1;      // the line after the job's last line

struct DeadLetter {
  std::uint64_t line = kNoLine;  // 0-based offset from the job's first line; the writer makes it 1-based absolute
  std::uint64_t envelope = 0;    // 1-based envelope number, 0 when the input is plain lines
  BadReason reason = BadReason::kMalformedJson;
  std::string detail;
  std::string raw;              // up to kDeadLetterRawBytes of the line
  std::uint64_t raw_total = 0;  // the line's full length
};

inline constexpr std::size_t kDeadLetterRawBytes = 64 * 1024;

// A job's dead letter as the writer sees it, with the batch's origin: its absolute line number (0 when
// it is not about one line), the envelope it came from, and the input's name or the request's id.
[[nodiscard]] inline DeadLetterEntry dead_letter_entry(const DeadLetter& d, const BatchOrigin& origin,
                                                       std::uint64_t line_count) {
  std::uint64_t line = 0;
  if (d.line != kNoLine) line = origin.first_line + (d.line == kAfterJob ? line_count : d.line);
  return DeadLetterEntry{.source = origin.source,
                         .firehose_request_id = origin.firehose_request_id,
                         .line = line,
                         .envelope = d.envelope != 0 ? d.envelope : origin.envelope_of(line),
                         .reason = d.reason,
                         .detail = d.detail,
                         .raw = d.raw,
                         .raw_total = d.raw_total};
}

struct PlainFile;  // pipeline/chunk_reader.hpp

struct Job {
  // kRange: a byte range of a plain file that the worker reads itself (ChunkReader::read_range),
  // after which the job is kLines.
  enum class Kind { kLines, kPassThrough, kRange };
  Kind kind = Kind::kLines;
  std::uint64_t seq = 0;
  std::uint32_t source_index = 0;
  std::uint64_t line_count = 0;  // lines in the job (set by whoever consumes the input)
  std::vector<char> input;       // whole lines, followed by simdjson padding
  std::size_t size = 0;
  std::shared_ptr<const std::vector<std::uint64_t>> origin;  // line -> envelope, for envelope input
  std::shared_ptr<PlainFile> file;                           // kRange: the file, held until the job is written
  std::uint64_t range_begin = 0;                             // kRange: the lines that start in [begin, end)
  std::uint64_t range_end = 0;
  bool read_failed = false;  // reading the range failed: the file's later jobs are dropped

  std::vector<std::unique_ptr<SinkBatch>> sink_batches;  // one per sink of the run, in the run's order
  std::vector<DeadLetter> dead;
  std::vector<std::string> file_errors;
  RunCounters counters;

  void reset_results() {
    for (auto& b : sink_batches) {
      if (b) b->clear();
    }
    dead.clear();
    line_count = 0;
    file_errors.clear();
    counters = RunCounters{};
    origin.reset();
    file.reset();
    read_failed = false;
    kind = Kind::kLines;
    size = 0;
  }
};

}  // namespace dnslens
