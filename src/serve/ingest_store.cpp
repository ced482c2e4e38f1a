#include "serve/ingest_store.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/store_schema.hpp"

namespace dnslens {

DuckIngestStore::DuckIngestStore(StoreWriter& store, DeadLetterCaps caps)
    : store_(store),
      appender_(store.make_appender()),
      sink_(*appender_),
      dead_(*appender_, caps.max_kept, caps.max_raw_bytes) {
  store.connection().exec(fmt::format("SET checkpoint_threshold = '{}'", kServeCheckpointThreshold));
}

std::vector<std::optional<StoredCounts>> DuckIngestStore::find(const std::vector<std::string_view>& ids) {
  std::vector<std::optional<StoredCounts>> found(ids.size());
  if (ids.empty()) return found;
  // Groups go in one at a time, so the check cannot race with a commit; a request's twin within its
  // group is the group's to recognise.
  std::string in;
  for (std::string_view id : ids) {
    if (!in.empty()) in += ", ";
    in += sql_quote(id);
  }
  DuckResult seen = appender_->connection().query(
      fmt::format("SELECT request_id, records, bad_records, dead_letters_dropped FROM {} WHERE request_id IN ({})",
                  kIngestRequestsTable, in));
  for (std::size_t row = 0; row < seen.rows(); ++row) {
    const std::optional<std::string> id = seen.text(0, row);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (id && ids[i] == *id) {
        found[i] = StoredCounts{.records = static_cast<std::uint64_t>(seen.int64(1, row)),
                                .bad_records = static_cast<std::uint64_t>(seen.int64(2, row)),
                                .dead_letters_dropped = static_cast<std::uint64_t>(seen.int64(3, row))};
      }
    }
  }
  return found;
}

void DuckIngestStore::begin(const StoredRequest& request) {
  dead_.begin(request.received_ms);
  appender_->begin();
}

void DuckIngestStore::end(const StoredRequest& r) {
  requests_sql_ += requests_sql_.empty()
                       ? fmt::format(
                             "INSERT INTO {} (request_id, received_at, source_arn, records, bad_records, "
                             "dead_letters_dropped) VALUES ",
                             kIngestRequestsTable)
                       : ", ";
  requests_sql_ += fmt::format("({}, {}, {}, {}, {}, {})", sql_quote(r.request_id), sql_timestamp_ms(r.received_ms),
                               sql_quote_or_null(r.source_arn), r.records, r.bad_records, r.dead_letters_dropped);
}

void DuckIngestStore::commit() {
  const std::string sql = std::move(requests_sql_);
  requests_sql_.clear();
  appender_->commit(sql);
}

void DuckIngestStore::rollback() noexcept {
  requests_sql_.clear();
  try {
    appender_->rollback();
  } catch (const std::exception&) {  // the transaction is gone with the failure
  }
}

PruneStats DuckIngestStore::prune(std::int64_t cutoff_ms) {
  return prune_store(store_.connection(), cutoff_ms, /*dry_run=*/false);
}

}  // namespace dnslens
