#pragma once
// dnslens serve into ClickHouse: a Firehose request's records, its dead letters and its
// ingest_requests row are sent as three inserts once the request is enriched, and the request is
// acknowledged only after the server acknowledged all three (on a cluster, synchronously to every
// shard). A retry is recognised by its id in ingest_requests (replicated to every node, so any serve
// instance finds any other's). Two serve instances taking the same retried request at once write
// byte-identical blocks (every row derives from the request, its times from the request's own
// timestamp), which replicated tables store once; on a server that has insert_deduplication_token
// (22.2 and later) the request id is the token besides.
#include <string>

#include "serve/ingest_store.hpp"
#include "store/clickhouse/clickhouse_client.hpp"
#include "store/clickhouse/clickhouse_schema.hpp"

namespace dnslens {

struct ClickHouseIngestStats {
  std::uint64_t inserts = 0;
  std::uint64_t retries = 0;
};

class ClickHouseIngestStore final : public IngestStore, private DeadLetterRowSink {
 public:
  // Checks that the server has dnslens's tables (clickhouse init).
  ClickHouseIngestStore(ClickHouseConfig config, ClickHouseSchemaOptions schema, DeadLetterCaps caps);
  ~ClickHouseIngestStore() override;

  [[nodiscard]] RecordSink& records() override;
  [[nodiscard]] std::vector<std::optional<StoredCounts>> find(const std::vector<std::string_view>& ids) override;
  void begin(const StoredRequest& request) override;
  [[nodiscard]] DeadLetterTable& dead_letters() override { return dead_; }
  void end(const StoredRequest& request) override;
  void rollback() noexcept override;
  void replace_findings(const std::vector<Finding>& findings) override;
  // ClickHouse drops old rows by TTL (clickhouse init --retention-days): serve refuses --retention.
  PruneStats prune(std::int64_t cutoff_ms) override;

  [[nodiscard]] const std::string& run_id() const { return run_id_; }
  [[nodiscard]] ClickHouseIngestStats stats() const { return {inserts_, client_.retries()}; }

 private:
  class Records;
  void append_dead_letter(const DeadLetterRow& row) override;
  void insert(std::string_view table, const std::string& rows, std::string_view token);

  ClickHouseClient client_;
  ClickHouseSchemaOptions schema_;
  ClickHouseTableInfo tables_;
  bool dedup_token_ = false;
  std::string run_id_;
  std::unique_ptr<Records> records_;
  DeadLetterTable dead_;
  std::int64_t request_ms_ = 0;  // the pending request's time, for its dead letters
  std::string rows_, dead_rows_, request_row_;
  std::string last_findings_;  // the findings last stored, as rows without their time
  std::uint64_t inserts_ = 0;
};

}  // namespace dnslens
