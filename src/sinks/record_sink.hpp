#pragma once
// The contract every record sink keeps, in the spirit of DuckDB's local/global sink state: one sink
// per run, built from its validated config; one local state per worker that encodes each enriched
// record on the worker thread into the batch (a job's worth of records, owned by the job); the
// batches written in input order on the writer thread; finish() once every worker is done.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/enriched_record.hpp"
#include "core/query_record.hpp"
#include "sinks/dead_letters/dead_letter_entry.hpp"

namespace dnslens {

// One enriched record as a sink's local state sees it; everything is valid during add() only.
struct SinkRecord {
  std::string_view line;        // the record's bytes as read (no newline), inside the batch's input
  std::uint64_t line_in_batch;  // 0-based: its line's offset from the batch's first line
  const QueryRecord& record;
  const EnrichedRecord& enriched;

  // The record as a Route 53 line: the line itself, or the Route 53 record an OCSF event was read as.
  // The record's fields point into it.
  [[nodiscard]] std::string_view route53_line() const {
    return record.converted_line.empty() ? line : record.converted_line;
  }
};

// Where a batch's lines came from, known on the writer thread, which sees the batches in input order.
struct BatchOrigin {
  std::string_view input;        // the batch's lines (SinkRecord::line pointed into them)
  std::string_view source;       // the input's name; empty for a Firehose request
  std::uint64_t first_line = 1;  // 1-based number of the batch's first line in its input (file or decoded request)
  const std::vector<std::uint64_t>* envelopes = nullptr;  // line number - 1 -> 1-based envelope (record) number
  std::string_view firehose_request_id;                   // set for a Firehose request

  // The 1-based envelope (Firehose record) a line of the input came from; 0 for plain lines.
  [[nodiscard]] std::uint64_t envelope_of(std::uint64_t line) const {
    return envelopes != nullptr && line >= 1 && line <= envelopes->size() ? (*envelopes)[line - 1] : 0;
  }
};

// What a sink's local state encoded for one batch; the pipeline keeps one per sink in each job.
class SinkBatch {
 public:
  virtual ~SinkBatch() = default;
  virtual void clear() = 0;
};

// The input a run's job holds, unless a sink asks for more. Small batches keep a batch's output in the
// CPU's cache from the worker that writes it to the writer that sends it (OCSF events are about four
// times their lines: with 4 MiB jobs the batches in flight outgrew the cache, and writing the output
// cost an OCSF run a fifth of its time in stores that missed it).
inline constexpr std::size_t kDefaultBatchInputBytes = std::size_t{512} << 10;

// One worker's side of a sink.
class SinkLocal {
 public:
  virtual ~SinkLocal() = default;
  // input: the batch's lines, as read.
  virtual void begin_batch(SinkBatch& /*batch*/, std::string_view /*input*/) {}
  virtual void add(const SinkRecord& record, SinkBatch& batch) = 0;
  virtual void end_batch(SinkBatch& /*batch*/) {}
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // What the sink is, for the serial-stage measurement ("output", "detectors", "store", ...).
  [[nodiscard]] virtual std::string_view name() const = 0;
  // worker: 0-based; workers: how many there are (a sink may do better with one).
  [[nodiscard]] virtual std::unique_ptr<SinkLocal> make_local(unsigned worker, unsigned workers) = 0;
  [[nodiscard]] virtual std::unique_ptr<SinkBatch> make_batch() const = 0;
  // How much input one batch should hold; the run takes the largest its sinks ask for. A sink with a
  // cost per batch (a DuckDB append) asks for more than the default.
  [[nodiscard]] virtual std::size_t batch_input_bytes() const { return kDefaultBatchInputBytes; }
  // On the writer thread, the batches in input order (in serve: once the request is committed).
  virtual void write(SinkBatch& /*batch*/, const BatchOrigin& /*origin*/) {}
  // A record of the batch last written that could not be used, on the writer thread after that
  // batch's write(); the entry is valid during the call only. The dead-letter file has it anyway: a
  // sink that stores dead letters too takes it.
  virtual void dead_letter(const DeadLetterEntry& /*entry*/) {}
  // Input has paused (a live stream): what was written becomes visible.
  virtual void flush() {}
  // After the last batch and once every worker is done; may throw (the output could not be completed).
  virtual void finish() = 0;
  // Seconds the sink's writes spent in write system calls so far (the device's share of its time), for
  // the serial-stage measurement; 0 for a sink that writes no file.
  [[nodiscard]] virtual double seconds_in_writes() const { return 0; }
};

}  // namespace dnslens
