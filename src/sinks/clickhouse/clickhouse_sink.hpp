#pragma once
// Enriched records into ClickHouse's route53query (see store/clickhouse/clickhouse_schema.hpp). Each
// worker encodes its batch as RowBinary rows on the worker thread; the writer thread gathers the
// batches in input order and sends them as one gzip-compressed INSERT every few MiB (memory stays
// bounded), when input pauses, and at the end. On a cluster the insert goes to the Distributed table
// synchronously (insert_distributed_sync): an insert that returns is on its shards.
#include <cstdint>
#include <memory>
#include <string>

#include "sinks/record_sink.hpp"
#include "store/clickhouse/clickhouse_client.hpp"
#include "store/clickhouse/clickhouse_schema.hpp"

namespace dnslens {

struct ClickHouseSinkStats {
  std::uint64_t rows = 0;
  std::uint64_t inserts = 0;
  std::uint64_t bytes = 0;  // RowBinary bytes sent, before gzip
  std::uint64_t retries = 0;
};

class ClickHouseSink final : public RecordSink {
 public:
  // Checks that the server has dnslens's tables (clickhouse init) and reads its dialect.
  ClickHouseSink(ClickHouseConfig config, ClickHouseSchemaOptions schema, std::size_t flush_bytes = 8u << 20);
  ~ClickHouseSink() override;

  [[nodiscard]] std::unique_ptr<SinkLocal> make_local(unsigned worker, unsigned workers) override;
  [[nodiscard]] std::unique_ptr<SinkBatch> make_batch() const override;
  void write(SinkBatch& batch, const BatchOrigin& origin) override;
  void flush() override;
  void finish() override;

  [[nodiscard]] const ClickHouseSinkStats& stats() const { return stats_; }

 private:
  void send();

  ClickHouseClient client_;
  ClickHouseSchemaOptions schema_;
  bool datetime64_ = false;  // the table's query_ts type
  std::size_t flush_bytes_;
  std::string statement_;
  std::string pending_;
  std::uint64_t pending_rows_ = 0;
  ClickHouseSinkStats stats_;
};

// One record as a RowBinary row of route53query (the columns of clickhouse_query_columns(dialect)).
void append_clickhouse_row(const SinkRecord& record, bool datetime64, std::string& out);

}  // namespace dnslens
