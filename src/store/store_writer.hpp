#pragma once
// Writes a run into the embedded DuckDB store: records (appended chunk by chunk on the writer
// thread, in input order) and, at the end, the findings. Opening creates the tables when missing
// and refuses a file whose schema version is newer than this build's.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "detect/findings/finding.hpp"
#include "store/duckdb_api.hpp"
#include "store/record_chunks.hpp"

namespace dnslens {

struct StoreStats {
  std::uint64_t rows = 0;
  std::uint64_t chunks = 0;
  std::uint64_t findings = 0;
  std::uint64_t repaired_strings = 0;
  double append_seconds = 0;      // time spent in DuckDB's appenders (summed over workers)
  double checkpoint_seconds = 0;  // the final flush and CHECKPOINT
};

// A record that could not be used, as dead_letters keeps it.
struct DeadLetterRow {
  std::int64_t received_ms = 0;
  std::string_view origin;               // where it came from ("firehose <request id> record <n>")
  std::uint64_t line = 0;                // 1-based line in the decoded request; 0 when not about one line (NULL)
  std::string_view reason, detail, raw;  // detail: empty is NULL
  std::uint64_t raw_bytes = 0;           // the record's full length (raw may be cut short)
};

// Where a request's dead-letter rows go: the store's appender, or ClickHouse's pending request.
class DeadLetterRowSink {
 public:
  virtual ~DeadLetterRowSink() = default;
  virtual void append_dead_letter(const DeadLetterRow& row) = 0;
};

// One worker's connection into the store: its own transaction and appender, so workers load their
// records in parallel (DuckDB writes each transaction's row groups independently and merges them at
// commit). Records are not in input order in the table; query_ts orders them.
// Batches: append() opens a transaction when none is open; commit() ends it, so one appender can
// load a whole run or commit batch after batch (dnslens serve: one transaction per request).
class StoreAppender final : public DeadLetterRowSink {
 public:
  explicit StoreAppender(DuckDatabase& db);
  ~StoreAppender() override;  // rolls back what was not committed
  StoreAppender(const StoreAppender&) = delete;
  StoreAppender& operator=(const StoreAppender&) = delete;

  void begin();                     // opens the transaction (append() does it when needed)
  void append(RecordChunks& rows);  // then clears rows
  // Into dead_letters, in the same transaction as the records (through DuckDB's appender: a request
  // full of bad lines must not cost a statement, or a parsed VALUES list, per line).
  void append_dead_letter(const DeadLetterRow& row) override;
  // Flushes, runs also_sql in the same transaction (bookkeeping that must land with the records or
  // not at all) and commits: the rows become visible. On failure everything is rolled back and the
  // error is thrown.
  void commit(std::string_view also_sql = {});
  void rollback();
  [[nodiscard]] DuckConnection& connection() { return conn_; }
  [[nodiscard]] const StoreStats& stats() const { return stats_; }

 private:
  DuckConnection conn_;
  std::unique_ptr<DuckAppender> appender_;  // null once committed
  std::unique_ptr<DuckAppender> dead_;      // dead_letters; made on the first dead letter of a batch
  StoreStats stats_;
};

class StoreWriter {
 public:
  // duckdb_threads: DuckDB's own worker threads (0: one per core). A batch load whose workers already
  // keep every core busy passes 1: each appender then compresses its row groups on its own worker,
  // and no DuckDB thread spins waiting for tasks beside them.
  explicit StoreWriter(const std::string& path, unsigned duckdb_threads = 0);
  ~StoreWriter();

  // A worker's appender; commit each before finish().
  [[nodiscard]] std::unique_ptr<StoreAppender> make_appender() { return std::make_unique<StoreAppender>(db_); }
  // Adds a committed appender's counts to stats().
  void absorb(const StoreStats& s);
  void add_findings(const std::vector<Finding>& findings);
  // Replaces the findings this writer stored before with these (one transaction): a live run
  // rewrites its findings as they grow.
  void replace_findings(const std::vector<Finding>& findings);
  [[nodiscard]] const std::string& run_id() const { return run_id_; }
  [[nodiscard]] DuckDatabase& database() { return db_; }
  void finish();  // CHECKPOINT, so the database file holds everything
  [[nodiscard]] const StoreStats& stats() const { return stats_; }
  [[nodiscard]] DuckConnection& connection() { return conn_; }

 private:
  DuckDatabase db_;
  DuckConnection conn_;
  StoreStats stats_;
  std::string run_id_;  // tags this writer's findings
};

[[nodiscard]] std::string findings_insert_sql(const std::vector<Finding>& findings, std::string_view run_id);

// Opens (creating when missing) a store file and makes sure its tables exist.
void ensure_store_schema(DuckConnection& conn);

}  // namespace dnslens
