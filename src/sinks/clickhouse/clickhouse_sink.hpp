#pragma once
// Enriched records into ClickHouse's route53query (see store/clickhouse/clickhouse_schema.hpp). Each
// worker encodes its batch as RowBinary rows on the worker thread; the writer thread gathers the
// batches in input order into one gzip-compressed INSERT every few MiB, when input pauses, and at the
// end, and hands it to the sender threads (config.insert_threads, each with its own connection), so
// that many inserts are in flight while the next is gathered; memory stays bounded (the hand-over
// waits while every sender is busy and one insert waits). On a cluster the insert goes to the
// Distributed table synchronously (insert_distributed_sync): an insert that returns is on its shards.
// The first failed insert is reported at the next hand-over, or by finish().
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/bounded_queue.hpp"
#include "core/spare_pool.hpp"

#include "detect/findings/finding.hpp"
#include "sinks/record_sink.hpp"
#include "store/clickhouse/clickhouse_client.hpp"
#include "store/clickhouse/clickhouse_schema.hpp"
#include "store/store_writer.hpp"

namespace dnslens {

struct ClickHouseSinkStats {
  std::uint64_t rows = 0;
  std::uint64_t dead_letters = 0;
  std::uint64_t findings = 0;
  std::uint64_t inserts = 0;
  std::uint64_t bytes = 0;  // RowBinary bytes sent, before gzip
  std::uint64_t retries = 0;
};

class ClickHouseSink final : public RecordSink {
 public:
  [[nodiscard]] std::string_view name() const override { return "clickhouse"; }
  // Checks that the server has dnslens's tables (clickhouse init) and reads its dialect.
  ClickHouseSink(ClickHouseConfig config, ClickHouseSchemaOptions schema);
  ~ClickHouseSink() override;

  [[nodiscard]] std::unique_ptr<SinkLocal> make_local(unsigned worker, unsigned workers) override;
  [[nodiscard]] std::unique_ptr<SinkBatch> make_batch() const override;
  void write(SinkBatch& batch, const BatchOrigin& origin) override;
  void dead_letter(const DeadLetterEntry& entry) override;
  void flush() override;
  void finish() override;

  // The run's findings into findings, under this sink's run id (after finish(), or any time between
  // batches); a finding stored again replaces itself.
  void add_findings(const std::vector<Finding>& findings);
  // A random UUID, made with the sink: tags its findings.
  [[nodiscard]] const std::string& run_id() const { return run_id_; }
  // Another run id: findings stored again under it replace the earlier ones (detect over one window).
  void set_run_id(std::string id) { run_id_ = std::move(id); }

  // Complete once finish() returned (the senders write it while inserts are in flight).
  [[nodiscard]] const ClickHouseSinkStats& stats() const { return stats_; }

 private:
  // One insert for the senders: rows of `table`, counted as records or dead letters.
  struct Insert {
    std::string table;
    std::string rows;
    std::uint64_t count = 0;
  };
  void send();
  void hand_over(Insert insert);
  void sender();
  void stop_senders();
  void rethrow_failure();
  void insert(ClickHouseClient& client, std::string_view table, const std::string& rows);
  // An insert's buffer once sent, kept for the next (memory mapped afresh for each 8 MiB insert
  // faults in a page at a time).
  void recycle(std::string rows) noexcept;

  ClickHouseConfig config_;
  ClickHouseClient client_;  // the checks, the findings
  ClickHouseSchemaOptions schema_;
  ClickHouseTableInfo tables_;
  bool dedup_views_ = false;  // the server takes deduplicate_blocks_in_dependent_materialized_views
  std::string run_id_;
  std::size_t flush_bytes_;
  std::string pending_;
  std::uint64_t pending_rows_ = 0;
  std::string pending_dead_;  // dead_letters rows, handed over after the records they came with
  std::uint64_t pending_dead_rows_ = 0;
  SparePool<std::string> spare_rows_;  // sent buffers: one per sender, the queued one and the two pending
  std::string origin_;
  BoundedQueue<Insert> inserts_;
  std::vector<std::thread> senders_;
  std::mutex mutex_;            // stats_ and failure_, written by the senders
  std::exception_ptr failure_;  // the first failed insert's error
  ClickHouseSinkStats stats_;
};

// One record as a RowBinary row of route53query (the columns of clickhouse_query_columns(dialect)).
void append_clickhouse_row(const SinkRecord& record, bool datetime64, std::string& out);
// One row of dead_letters (line 0 and an empty detail are NULL, as in the DuckDB store).
void append_dead_letter_row(const DeadLetterRow& row, bool datetime64, std::string& out);
// One row of findings.
void append_finding_row(const Finding& finding, std::string_view run_id, std::int64_t recorded_ms, bool datetime64,
                        std::string& out);

}  // namespace dnslens
