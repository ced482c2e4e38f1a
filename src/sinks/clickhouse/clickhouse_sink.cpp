#include "sinks/clickhouse/clickhouse_sink.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/random_id.hpp"
#include "core/timestamp.hpp"
#include "parse/unknown_fields.hpp"
#include "store/clickhouse/row_binary.hpp"

namespace dnslens {

namespace {

using namespace row_binary;

class Batch final : public SinkBatch {
 public:
  void clear() override {
    rows.clear();
    count = 0;
  }
  std::string rows;
  std::uint64_t count = 0;
};

class Local final : public SinkLocal {
 public:
  explicit Local(bool datetime64) : datetime64_(datetime64) {}
  void add(const SinkRecord& record, SinkBatch& batch) override {
    auto& b = static_cast<Batch&>(batch);
    append_clickhouse_row(record, datetime64_, b.rows);
    ++b.count;
  }

 private:
  bool datetime64_;
};

}  // namespace

void append_clickhouse_row(const SinkRecord& rec, bool datetime64, std::string& out) {
  const QueryRecord& r = rec.record;
  const EnrichedRecord& o = rec.enriched;
  float version = 0;
  const auto [vp, vec] = std::from_chars(r.version.data(), r.version.data() + r.version.size(), version);
  nullable(out, vec == std::errc{} && vp == r.version.data() + r.version.size() && !r.version.empty(), version);
  text(out, r.account_id);
  text(out, r.region);
  text(out, r.vpc_id);
  text(out, r.query_timestamp);
  text(out, r.query_name);
  text(out, r.query_type);
  text(out, r.query_class);
  text(out, r.rcode);
  // answers.Rdata, answers.Type, answers.Class
  varint(out, r.answer_count);
  for (std::uint32_t a = 0; a < r.answer_count; ++a) string(out, r.answers[a].rdata);
  varint(out, r.answer_count);
  for (std::uint32_t a = 0; a < r.answer_count; ++a) string(out, r.answers[a].type);
  varint(out, r.answer_count);
  for (std::uint32_t a = 0; a < r.answer_count; ++a) string(out, r.answers[a].klass);
  text(out, r.srcaddr);
  int port = 0;
  const auto [pp, pec] = std::from_chars(r.srcport.data(), r.srcport.data() + r.srcport.size(), port);
  nullable<std::int32_t>(out, pec == std::errc{} && pp == r.srcport.data() + r.srcport.size() && !r.srcport.empty(),
                         port);
  text(out, r.transport);
  text(out, r.instance);
  text(out, r.resolver_endpoint);
  text(out, r.resolver_network_interface);
  text(out, r.firewall_rule_action);
  text(out, r.firewall_rule_group_id);
  text(out, r.firewall_domain_list_id);
  text(out, o.matched ? "Y" : "N");
  text(out, o.normalized_name());
  text(out, o.registered_domain);
  text(out, o.public_suffix);
  text(out, o.subdomain);
  const ThreatMatch& t = o.threat;
  const bool hit = t.hit();
  text(out, hit ? t.value : std::string_view{});
  text(out, hit ? t.kind : std::string_view{});
  text(out, hit ? t.feed : std::string_view{});
  nullable<std::int32_t>(out, hit && t.confidence >= 0, t.confidence);
  text(out, hit ? t.confidence_level : std::string_view{});
  text(out, hit ? t.actor : std::string_view{});
  text(out, hit ? t.category : std::string_view{});
  text(out, hit ? t.source : std::string_view{});
  text(out, hit ? match_site_name(t.site) : std::string_view{});
  text(out, hit ? t.matched_value : std::string_view{});
  nullable<std::int32_t>(out, hit, static_cast<std::int32_t>(t.count));
  const bool s = o.has_signals;
  const NameFeatures& f = o.signals.features;
  nullable<double>(out, s, f.name_entropy);
  nullable<double>(out, s, f.subdomain_entropy);
  nullable<std::int32_t>(out, s, f.name_length);
  nullable<std::int32_t>(out, s, f.subdomain_length);
  nullable<std::int32_t>(out, s, f.longest_label);
  nullable<std::int32_t>(out, s, f.label_count);
  nullable<double>(out, s, f.digit_ratio);
  nullable<double>(out, s, f.consonant_ratio);
  nullable<double>(out, s, o.signals.dga_score);
  boolean(out, s, o.signals.benign_noise);
  const FirewallOutcome& fw = o.firewall;
  const bool decided = fw.simulated && fw.decided();
  text(out, decided ? fw.action : std::string_view{});
  text(out, decided ? fw.rule_name : std::string_view{});
  text(out, decided ? fw.rule_group_id : std::string_view{});
  text(out, decided ? fw.domain_list_id : std::string_view{});
  text(out, decided ? fw.block_response : std::string_view{});
  text(out, decided ? (fw.via_redirection ? "redirection" : "query_name") : std::string_view{});
  boolean(out, fw.simulated, fw.drift != FirewallDrift::kNone);
  boolean(out, true, o.tld_valid);
  timestamp(out, datetime64, r.timestamp_ms);
  text(out, r.source());
  if (r.unknown_fields > 0) {
    std::string unknown = "{";
    if (append_unknown_fields(unknown, rec.route53_line()) > 0) {
      unknown += '}';
      text(out, unknown);
      return;
    }
  }
  text(out, {});
}

void append_dead_letter_row(const DeadLetterRow& d, bool datetime64, std::string& out) {
  timestamp(out, datetime64, d.received_ms);
  string(out, d.origin);
  nullable<std::int64_t>(out, d.line != 0, static_cast<std::int64_t>(d.line));
  string(out, d.reason);
  text(out, d.detail);
  string(out, d.raw);
  fixed<std::int64_t>(out, static_cast<std::int64_t>(d.raw_bytes));
}

void append_finding_row(const Finding& f, std::string_view run_id, std::int64_t recorded_ms, bool datetime64,
                        std::string& out) {
  string(out, finding_type_name(f.type));
  text(out, guardduty_analog(f.type));
  string(out, finding_severity_name(f.severity));
  fixed<double>(out, f.confidence);
  fixed<double>(out, f.score);
  timestamp(out, datetime64, f.first_seen_ms);
  timestamp(out, datetime64, f.last_seen_ms);
  fixed<std::int64_t>(out, static_cast<std::int64_t>(f.events));
  fixed<std::int64_t>(out, static_cast<std::int64_t>(f.occurrences));
  text(out, f.entity.account);
  text(out, f.entity.vpc);
  text(out, f.entity.instance);
  text(out, f.entity.srcaddr);
  text(out, f.entity.source);
  text(out, f.domain);
  string(out, f.explanation);
  text(out, f.metrics_json);
  std::string evidence = "[";
  for (std::size_t i = 0; i < f.evidence.size(); ++i) {
    if (i) evidence += ',';
    evidence += f.evidence[i];
  }
  evidence += ']';
  string(out, evidence);
  string(out, finding_to_json(f));
  timestamp(out, datetime64, recorded_ms);
  string(out, run_id);
  string(out, f.key());
}

ClickHouseSink::ClickHouseSink(ClickHouseConfig config, ClickHouseSchemaOptions schema)
    : config_(config),
      client_(std::move(config)),
      schema_(std::move(schema)),
      flush_bytes_(config_.insert_bytes),
      spare_rows_(static_cast<std::size_t>(std::max(1, config_.insert_threads)) + 3),
      inserts_(1) {
  tables_ = clickhouse_table_info(client_, schema_);
  dedup_views_ = clickhouse_dialect(client_.version()).dedup_token;
  run_id_ = random_uuid();
  for (int i = 0; i < std::max(1, config_.insert_threads); ++i) senders_.emplace_back([this] { sender(); });
}

ClickHouseSink::~ClickHouseSink() { stop_senders(); }

void ClickHouseSink::sender() {
  std::unique_ptr<ClickHouseClient> client;
  while (auto job = inserts_.pop()) {
    {
      std::lock_guard lock(mutex_);
      if (failure_) continue;  // the load stops at the next hand-over: the inserts queued behind are dropped
    }
    try {
      if (!client) client = std::make_unique<ClickHouseClient>(config_);
      const std::uint64_t retries_before = client->retries();
      insert(*client, job->table, job->rows);
      {
        std::lock_guard lock(mutex_);
        ++stats_.inserts;
        stats_.retries += client->retries() - retries_before;
        if (job->table == "route53query") {
          stats_.rows += job->count;
          stats_.bytes += job->rows.size();
        } else {
          stats_.dead_letters += job->count;
        }
      }
      recycle(std::move(job->rows));
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!failure_) failure_ = std::current_exception();
    }
  }
}

void ClickHouseSink::stop_senders() {
  inserts_.close();
  for (std::thread& t : senders_) {
    if (t.joinable()) t.join();
  }
  senders_.clear();
}

void ClickHouseSink::rethrow_failure() {
  std::exception_ptr failure;
  {
    std::lock_guard lock(mutex_);
    failure = failure_;
  }
  if (failure) std::rethrow_exception(failure);
}

void ClickHouseSink::hand_over(Insert insert) {
  rethrow_failure();
  if (!inserts_.push(std::move(insert))) throw Error(ErrorCode::kInternal, "ClickHouse inserts after the load ended");
}

std::unique_ptr<SinkLocal> ClickHouseSink::make_local(unsigned /*worker*/, unsigned /*workers*/) {
  return std::make_unique<Local>(tables_.datetime64);
}

std::unique_ptr<SinkBatch> ClickHouseSink::make_batch() const { return std::make_unique<Batch>(); }

void ClickHouseSink::write(SinkBatch& batch, const BatchOrigin& /*origin*/) {
  auto& b = static_cast<Batch&>(batch);
  pending_ += b.rows;
  pending_rows_ += b.count;
  if (pending_.size() >= flush_bytes_) send();
}

void ClickHouseSink::dead_letter(const DeadLetterEntry& entry) {
  dead_letter_origin(entry, origin_);
  append_dead_letter_row({.received_ms = unix_now_ms(),
                          .origin = origin_,
                          .line = entry.line,
                          .reason = bad_reason_name(entry.reason),
                          .detail = entry.detail,
                          .raw = entry.raw,
                          .raw_bytes = entry.raw_total},
                         tables_.dead_letters_datetime64, pending_dead_);
  ++pending_dead_rows_;
  if (pending_dead_.size() >= flush_bytes_) send();
}

void ClickHouseSink::insert(ClickHouseClient& client, std::string_view table, const std::string& rows) {
  clickhouse_insert_rows(client, schema_, table, rows, dedup_views_);
}

void ClickHouseSink::recycle(std::string rows) noexcept {
  // An insert holds the flush size and at most one batch more (a batch is a few MiB of rows): a buffer
  // grown past that by an unusual batch (very long lines) is let go.
  if (rows.capacity() > 2 * flush_bytes_ + (16u << 20)) return;
  rows.clear();
  spare_rows_.give_back(std::move(rows));
}

void ClickHouseSink::send() {
  if (pending_rows_ > 0) {
    hand_over({"route53query", std::exchange(pending_, spare_rows_.take()), pending_rows_});
    pending_rows_ = 0;
  }
  if (pending_dead_rows_ > 0) {
    hand_over({"dead_letters", std::exchange(pending_dead_, spare_rows_.take()), pending_dead_rows_});
    pending_dead_rows_ = 0;
  }
}

void ClickHouseSink::add_findings(const std::vector<Finding>& findings) {
  if (findings.empty()) return;
  std::string rows;
  const std::int64_t now = unix_now_ms();
  for (const Finding& f : findings) append_finding_row(f, run_id_, now, tables_.findings_datetime64, rows);
  const std::uint64_t retries_before = client_.retries();
  insert(client_, "findings", rows);
  std::lock_guard lock(mutex_);
  ++stats_.inserts;
  stats_.findings += findings.size();
  stats_.retries += client_.retries() - retries_before;
}

void ClickHouseSink::flush() { send(); }

void ClickHouseSink::finish() {
  send();
  stop_senders();  // every insert answered
  // The insert buffers are done with (the findings go in a buffer of their own).
  pending_ = std::string();
  pending_dead_ = std::string();
  spare_rows_.clear();
  rethrow_failure();
}

}  // namespace dnslens
