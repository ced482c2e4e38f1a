#pragma once
// The contract every record sink keeps, in the spirit of DuckDB's local/global sink state: one sink
// per run, built from its validated config; one local state per worker that encodes each enriched
// record on the worker thread into the batch (a job's worth of records, owned by the job); the
// batches written in input order on the writer thread; finish() once every worker is done.
#include <memory>
#include <string_view>

#include "core/enriched_record.hpp"
#include "core/query_record.hpp"

namespace dnslens {

// What a sink's local state encoded for one batch; the pipeline keeps one per sink in each job.
class SinkBatch {
 public:
  virtual ~SinkBatch() = default;
  virtual void clear() = 0;
};

// One worker's side of a sink.
class SinkLocal {
 public:
  virtual ~SinkLocal() = default;
  // input_size: the bytes of lines the batch holds (a size hint).
  virtual void begin_batch(SinkBatch& /*batch*/, std::size_t /*input_size*/) {}
  // line: the record's bytes as read (no newline); valid while the batch is being filled.
  virtual void add(std::string_view line, const QueryRecord& record, const EnrichedRecord& enriched, SinkBatch& batch) = 0;
  virtual void end_batch(SinkBatch& /*batch*/) {}
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // worker: 0-based; workers: how many there are (a sink may do better with one).
  [[nodiscard]] virtual std::unique_ptr<SinkLocal> make_local(unsigned worker, unsigned workers) = 0;
  [[nodiscard]] virtual std::unique_ptr<SinkBatch> make_batch() const = 0;
  // On the writer thread, the batches in input order.
  virtual void write(SinkBatch& /*batch*/) {}
  // Input has paused (a live stream): what was written becomes visible.
  virtual void flush() {}
  // After the last batch and once every worker is done; may throw (the output could not be completed).
  virtual void finish() = 0;
};

}  // namespace dnslens
