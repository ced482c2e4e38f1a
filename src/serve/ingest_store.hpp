#pragma once
// Where dnslens serve commits a Firehose request: the DuckDB store (one transaction for the requests
// that arrived together) or ClickHouse (inserts acknowledged by the server). Either way a request is
// stored whole with its row in ingest_requests, by which a retry of it is recognised; only then is it
// acknowledged with 200.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/findings/finding.hpp"
#include "sinks/dead_letters/dead_letter_writer.hpp"
#include "sinks/duckdb/duckdb_sink.hpp"
#include "sinks/record_sink.hpp"
#include "store/store_export.hpp"
#include "store/store_writer.hpp"

namespace dnslens {

// A request as ingest_requests keeps it.
struct StoredRequest {
  std::string_view request_id;
  std::int64_t received_ms = 0;  // when serve took it in
  std::int64_t sent_ms = 0;      // the request's own timestamp (Firehose's), 0 when it has none
  std::string_view source_arn;
  std::uint64_t records = 0;
  std::uint64_t bad_records = 0;
  std::uint64_t dead_letters_dropped = 0;
};

// What serve's store holds of a request id: the counts of the request once stored under it. A query
// for several ids at once names each row's id.
struct StoredCounts {
  std::uint64_t records = 0;
  std::uint64_t bad_records = 0;
  std::uint64_t dead_letters_dropped = 0;
};

// Limits of what one request keeps of its bad records (the rest are counted).
struct DeadLetterCaps {
  std::size_t max_kept = 1000;
  std::size_t max_raw_bytes = 16u << 20;
};

class IngestStore {
 public:
  virtual ~IngestStore() = default;
  // The sink that writes a request's records into the pending request; it takes the store's place
  // among the pipeline's sinks.
  [[nodiscard]] virtual RecordSink& records() = 0;
  // For each request id, the counts of the request stored before under it (a retry), or nullopt; one
  // query for a group. Throws when the store cannot say.
  [[nodiscard]] virtual std::vector<std::optional<StoredCounts>> find(const std::vector<std::string_view>& ids) = 0;
  // A new request of the group (id and times known): its dead letters go to dead_letters() until
  // end(). A group is the requests that came in together; they are committed together.
  virtual void begin(const StoredRequest& request) = 0;
  [[nodiscard]] virtual DeadLetterTable& dead_letters() = 0;
  // The request's records and dead letters are all there: its ingest_requests row joins the group.
  // Throws when it could not be made sure of.
  virtual void end(const StoredRequest& request) = 0;
  // Stores the group's requests, their dead letters and their ingest_requests rows; throws when it could
  // not be made sure of. A store that stores each request at its end() has nothing left to do.
  virtual void commit() {}
  // Whether a group's requests are stored together at commit() (all or none); false when each request
  // is stored at its end(), so a group is stored request by request.
  [[nodiscard]] virtual bool stores_groups() const { return false; }
  // Forgets what of the group is not stored.
  virtual void rollback() noexcept = 0;
  // The process's findings so far, replacing its earlier ones.
  virtual void replace_findings(const std::vector<Finding>& findings) = 0;
  // Retention: deletes what is older than cutoff_ms.
  virtual PruneStats prune(std::int64_t cutoff_ms) = 0;
};

// DuckDB folds its write-ahead log into the file once the log passes this size. Its default (16 MB)
// checkpoints every 30-odd requests of 1,000 records, each checkpoint rewriting the table's open row
// groups: serve stores about 1.5x as many records per second with 64 MB, for about 0.1 GB less peak
// memory than 256 MB (bench/serve_ingest.sh); a crash leaves at most that much log to replay.
inline constexpr std::string_view kServeCheckpointThreshold = "64MB";

// The DuckDB store: one transaction per group of requests through one appender.
class DuckIngestStore final : public IngestStore {
 public:
  // Sets the store's checkpoint threshold for serve's many small commits (kServeCheckpointThreshold).
  DuckIngestStore(StoreWriter& store, DeadLetterCaps caps);
  [[nodiscard]] RecordSink& records() override { return sink_; }
  [[nodiscard]] std::vector<std::optional<StoredCounts>> find(const std::vector<std::string_view>& ids) override;
  void begin(const StoredRequest& request) override;
  [[nodiscard]] DeadLetterTable& dead_letters() override { return dead_; }
  void end(const StoredRequest& request) override;
  void commit() override;
  [[nodiscard]] bool stores_groups() const override { return true; }
  void rollback() noexcept override;
  void replace_findings(const std::vector<Finding>& findings) override { store_.replace_findings(findings); }
  PruneStats prune(std::int64_t cutoff_ms) override;

 private:
  StoreWriter& store_;
  std::unique_ptr<StoreAppender> appender_;
  DuckDbSink sink_;
  DeadLetterTable dead_;
  std::string requests_sql_;  // the group's ingest_requests rows, one INSERT at the commit
};

}  // namespace dnslens
