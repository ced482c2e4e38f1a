#include "serve/ingest_store.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/store_schema.hpp"

namespace dnslens {

DuckIngestStore::DuckIngestStore(StoreWriter& store, DeadLetterCaps caps)
    : store_(store),
      appender_(store.make_appender()),
      sink_(*appender_),
      dead_(*appender_, caps.max_kept, caps.max_raw_bytes) {}

std::optional<StoredCounts> DuckIngestStore::find(const std::string& request_id) {
  // Requests go in one at a time, so the check cannot race with a commit.
  DuckResult seen = appender_->connection().query(
      fmt::format("SELECT records, bad_records, dead_letters_dropped FROM {} WHERE request_id = {}",
                  kIngestRequestsTable, sql_quote(request_id)));
  if (seen.rows() == 0) return std::nullopt;
  return StoredCounts{.records = static_cast<std::uint64_t>(seen.int64(0, 0)),
                      .bad_records = static_cast<std::uint64_t>(seen.int64(1, 0)),
                      .dead_letters_dropped = static_cast<std::uint64_t>(seen.int64(2, 0))};
}

void DuckIngestStore::begin(const StoredRequest& request) {
  dead_.begin(request.received_ms);
  appender_->begin();
}

void DuckIngestStore::commit(const StoredRequest& r) {
  appender_->commit(
      fmt::format("INSERT INTO {} (request_id, received_at, source_arn, records, bad_records, dead_letters_dropped) "
                  "VALUES ({}, {}, {}, {}, {}, {})",
                  kIngestRequestsTable, sql_quote(r.request_id), sql_timestamp_ms(r.received_ms),
                  sql_quote_or_null(r.source_arn), r.records, r.bad_records, r.dead_letters_dropped));
}

void DuckIngestStore::rollback() noexcept {
  try {
    appender_->rollback();
  } catch (const std::exception&) {  // the transaction is gone with the failure
  }
}

PruneStats DuckIngestStore::prune(std::int64_t cutoff_ms) {
  return prune_store(store_.connection(), cutoff_ms, /*dry_run=*/false);
}

}  // namespace dnslens
