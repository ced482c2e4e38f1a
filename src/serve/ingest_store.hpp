#pragma once
// Where dnslens serve commits a Firehose request: the DuckDB store (one transaction) or ClickHouse
// (inserts acknowledged by the server). Either way a request is stored whole with its row in
// ingest_requests, by which a retry of it is recognised; only then is it acknowledged with 200.
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
  // The counts of a request stored before (a retry), or nullopt. Throws when the store cannot say.
  [[nodiscard]] virtual std::optional<StoredCounts> find(const std::string& request_id) = 0;
  // A new request (id and times known): its dead letters go to dead_letters() until commit or rollback.
  virtual void begin(const StoredRequest& request) = 0;
  [[nodiscard]] virtual DeadLetterTable& dead_letters() = 0;
  // Stores the pending request, its dead letters and its ingest_requests row; throws when it could not
  // be made sure of.
  virtual void commit(const StoredRequest& request) = 0;
  // Forgets the pending request.
  virtual void rollback() noexcept = 0;
  // The process's findings so far, replacing its earlier ones.
  virtual void replace_findings(const std::vector<Finding>& findings) = 0;
  // Retention: deletes what is older than cutoff_ms.
  virtual PruneStats prune(std::int64_t cutoff_ms) = 0;
};

// The DuckDB store: one transaction per request through one appender.
class DuckIngestStore final : public IngestStore {
 public:
  DuckIngestStore(StoreWriter& store, DeadLetterCaps caps);
  [[nodiscard]] RecordSink& records() override { return sink_; }
  [[nodiscard]] std::optional<StoredCounts> find(const std::string& request_id) override;
  void begin(const StoredRequest& request) override;
  [[nodiscard]] DeadLetterTable& dead_letters() override { return dead_; }
  void commit(const StoredRequest& request) override;
  void rollback() noexcept override;
  void replace_findings(const std::vector<Finding>& findings) override { store_.replace_findings(findings); }
  PruneStats prune(std::int64_t cutoff_ms) override;

 private:
  StoreWriter& store_;
  std::unique_ptr<StoreAppender> appender_;
  DuckDbSink sink_;
  DeadLetterTable dead_;
};

}  // namespace dnslens
