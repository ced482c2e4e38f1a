#pragma once
// Enriched records into the DuckDB store (route53query). Each worker fills DuckDB data chunks for
// its batch and appends them through its own appender on the worker thread; at the end of a run the
// appenders commit side by side (flushing their last row groups is compression work). In serve the
// sink writes through the request's appender, whose owner commits once per request.
#include <memory>
#include <vector>

#include "sinks/record_sink.hpp"
#include "store/store_writer.hpp"

namespace dnslens {

class DuckDbSink final : public RecordSink {
 public:
  [[nodiscard]] std::string_view name() const override { return "duckdb store"; }
  // A run's sink: one appender per worker, committed by finish().
  explicit DuckDbSink(StoreWriter& store) : store_(&store) {}
  // Through one appender the caller owns and commits (serve: one transaction per request).
  explicit DuckDbSink(StoreAppender& appender) : shared_(&appender) {}

  [[nodiscard]] std::unique_ptr<SinkLocal> make_local(unsigned worker, unsigned workers) override;
  [[nodiscard]] std::unique_ptr<SinkBatch> make_batch() const override;
  // A batch is one append of its rows (vectors of 2,048): at 512 KiB of input, about 1,200 records,
  // a run's load took 15% longer than at 4 MiB.
  [[nodiscard]] std::size_t batch_input_bytes() const override { return std::size_t{4} << 20; }
  // Commits every worker's appender and adds their counts to the store's; throws when one fails.
  void finish() override;

 private:
  StoreWriter* store_ = nullptr;
  StoreAppender* shared_ = nullptr;
  std::vector<std::unique_ptr<StoreAppender>> appenders_;  // a run's, one per worker
};

}  // namespace dnslens
