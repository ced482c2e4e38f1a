#include "serve/clickhouse_ingest_store.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/random_id.hpp"
#include "core/timestamp.hpp"
#include "sinks/clickhouse/clickhouse_sink.hpp"
#include "store/clickhouse/row_binary.hpp"

namespace dnslens {

namespace {

struct NoBatch final : SinkBatch {
  void clear() override {}
};

}  // namespace

// The request's records, encoded straight into the pending request's rows (serve enriches a request
// on one thread, under its lock).
class ClickHouseIngestStore::Records final : public RecordSink {
 public:
  Records(std::string& rows, bool datetime64) : rows_(rows), datetime64_(datetime64) {}
  [[nodiscard]] std::string_view name() const override { return "clickhouse request"; }
  [[nodiscard]] std::unique_ptr<SinkLocal> make_local(unsigned /*worker*/, unsigned /*workers*/) override {
    return std::make_unique<Local>(rows_, datetime64_);
  }
  [[nodiscard]] std::unique_ptr<SinkBatch> make_batch() const override { return std::make_unique<NoBatch>(); }
  void finish() override {}

 private:
  class Local final : public SinkLocal {
   public:
    Local(std::string& rows, bool datetime64) : rows_(rows), datetime64_(datetime64) {}
    void add(const SinkRecord& record, SinkBatch& /*batch*/) override {
      append_clickhouse_row(record, datetime64_, rows_);
    }

   private:
    std::string& rows_;
    bool datetime64_;
  };
  std::string& rows_;
  bool datetime64_;
};

ClickHouseIngestStore::ClickHouseIngestStore(ClickHouseConfig config, ClickHouseSchemaOptions schema,
                                             DeadLetterCaps caps)
    : client_(std::move(config)), schema_(std::move(schema)), dead_(*this, caps.max_kept, caps.max_raw_bytes) {
  tables_ = clickhouse_table_info(client_, schema_);
  dedup_token_ = clickhouse_dialect(client_.version()).dedup_token;
  run_id_ = random_uuid();
  records_ = std::make_unique<Records>(rows_, tables_.datetime64);
}

ClickHouseIngestStore::~ClickHouseIngestStore() = default;

RecordSink& ClickHouseIngestStore::records() { return *records_; }

std::vector<std::optional<StoredCounts>> ClickHouseIngestStore::find(const std::vector<std::string_view>& ids) {
  std::vector<std::optional<StoredCounts>> found(ids.size());
  if (ids.empty()) return found;
  std::string in;
  for (std::string_view id : ids) {
    if (!in.empty()) in += ", ";
    in += clickhouse_quote(id);
  }
  // Each row says which id it is by its position among the ids (an id may hold what TabSeparated escapes).
  const std::string rows = client_.query(fmt::format(
      "SELECT indexOf([{0}], request_id), any(records), any(bad_records), any(dead_letters_dropped) FROM {1} FINAL "
      "WHERE request_id IN ({0}) GROUP BY request_id FORMAT TabSeparated",
      in, clickhouse_insert_table(schema_, "ingest_requests")));
  char* at = const_cast<char*>(rows.c_str());
  while (*at != '\0') {
    char* next = nullptr;
    const unsigned long long index = std::strtoull(at, &next, 10);
    if (next == at) break;
    at = next;
    StoredCounts c;
    c.records = std::strtoull(at, &at, 10);
    c.bad_records = std::strtoull(at, &at, 10);
    c.dead_letters_dropped = std::strtoull(at, &at, 10);
    if (index >= 1 && index <= ids.size()) found[index - 1] = c;
    while (*at == '\n') ++at;
  }
  return found;
}

void ClickHouseIngestStore::begin(const StoredRequest& request) {
  rows_.clear();
  dead_rows_.clear();
  // Its dead letters carry the request's own time, so a retry's rows are the same bytes.
  request_ms_ = request.sent_ms > 0 ? request.sent_ms : request.received_ms;
  dead_.begin(request_ms_);
}

void ClickHouseIngestStore::append_dead_letter(const DeadLetterRow& row) {
  DeadLetterRow r = row;
  r.received_ms = request_ms_;
  append_dead_letter_row(r, tables_.dead_letters_datetime64, dead_rows_);
}

void ClickHouseIngestStore::insert(std::string_view table, const std::string& rows, std::string_view token) {
  clickhouse_insert_rows(client_, schema_, table, rows, dedup_token_, token);
  ++inserts_;
}

void ClickHouseIngestStore::end(const StoredRequest& r) {
  using namespace row_binary;
  const std::string token = std::string(r.request_id);
  // The request's row last: a request is stored once its row is there, and a request that failed
  // half-way is sent again whole. Replicated tables drop the blocks they already have; one server's
  // plain MergeTree keeps them, so there a request that failed between its inserts is stored twice
  // once retried (docs/CLICKHOUSE.md).
  if (!rows_.empty()) insert("route53query", rows_, token + "/route53query");
  if (!dead_rows_.empty()) insert("dead_letters", dead_rows_, token + "/dead_letters");
  request_row_.clear();
  string(request_row_, r.request_id);
  timestamp(request_row_, tables_.requests_datetime64, r.sent_ms > 0 ? r.sent_ms : r.received_ms);
  text(request_row_, r.source_arn);
  fixed<std::int64_t>(request_row_, static_cast<std::int64_t>(r.records));
  fixed<std::int64_t>(request_row_, static_cast<std::int64_t>(r.bad_records));
  fixed<std::int64_t>(request_row_, static_cast<std::int64_t>(r.dead_letters_dropped));
  insert("ingest_requests", request_row_, token + "/ingest_requests");
  rows_.clear();
  dead_rows_.clear();
}

void ClickHouseIngestStore::rollback() noexcept {
  rows_.clear();
  dead_rows_.clear();
}

void ClickHouseIngestStore::replace_findings(const std::vector<Finding>& findings) {
  if (findings.empty()) return;
  // Every few seconds serve hands over all its findings: only a change is worth an insert (each one
  // is a part on the server).
  std::string rows;
  for (const Finding& f : findings) append_finding_row(f, run_id_, 0, tables_.findings_datetime64, rows);
  if (rows == last_findings_) return;
  std::string timed;
  const std::int64_t now = unix_now_ms();
  for (const Finding& f : findings) append_finding_row(f, run_id_, now, tables_.findings_datetime64, timed);
  insert("findings", timed, fmt::format("{}/findings/{}", run_id_, now));
  last_findings_ = std::move(rows);  // only once stored: a failed insert is tried again next time
}

PruneStats ClickHouseIngestStore::prune(std::int64_t /*cutoff_ms*/) {
  throw Error(ErrorCode::kUsage,
              "ClickHouse drops old rows by TTL: set the retention with dnslens clickhouse init --retention-days");
}

}  // namespace dnslens
