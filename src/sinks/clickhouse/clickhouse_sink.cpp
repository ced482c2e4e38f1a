#include "sinks/clickhouse/clickhouse_sink.hpp"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "parse/unknown_fields.hpp"

namespace dnslens {

namespace {

void varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

template <class T>
void fixed(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // x86 and ARM Linux are little-endian, as RowBinary is
  out.append(b, sizeof(T));
}

void string(std::string& out, std::string_view s) {
  varint(out, s.size());
  out.append(s);
}

// Nullable(String): NULL for an empty text, as the DuckDB store has it.
void text(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '\1';
    return;
  }
  out += '\0';
  string(out, s);
}

template <class T>
void nullable(std::string& out, bool present, T v) {
  out += present ? '\0' : '\1';
  if (present) fixed(out, v);
}

void boolean(std::string& out, bool present, bool v) { nullable<std::uint8_t>(out, present, v ? 1 : 0); }

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
  if (datetime64) {
    fixed<std::int64_t>(out, r.timestamp_ms);
  } else {
    fixed<std::uint32_t>(out, static_cast<std::uint32_t>(r.timestamp_ms / 1000));
  }
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

ClickHouseSink::ClickHouseSink(ClickHouseConfig config, ClickHouseSchemaOptions schema, std::size_t flush_bytes)
    : client_(std::move(config)), schema_(std::move(schema)), flush_bytes_(flush_bytes) {
  datetime64_ = clickhouse_table_info(client_, schema_).datetime64;
  statement_ = fmt::format("INSERT INTO {} FORMAT RowBinary", clickhouse_insert_table(schema_));
}

ClickHouseSink::~ClickHouseSink() = default;

std::unique_ptr<SinkLocal> ClickHouseSink::make_local(unsigned /*worker*/, unsigned /*workers*/) {
  return std::make_unique<Local>(datetime64_);
}

std::unique_ptr<SinkBatch> ClickHouseSink::make_batch() const { return std::make_unique<Batch>(); }

void ClickHouseSink::write(SinkBatch& batch, const BatchOrigin& /*origin*/) {
  auto& b = static_cast<Batch&>(batch);
  pending_ += b.rows;
  pending_rows_ += b.count;
  if (pending_.size() >= flush_bytes_) send();
}

void ClickHouseSink::send() {
  if (pending_rows_ == 0) return;
  std::map<std::string, std::string> settings;
  if (!schema_.cluster.empty()) settings["insert_distributed_sync"] = "1";
  // Replicated tables drop a block they already have, so any failure may be retried; a single server's
  // MergeTree would store it twice, so only a refusal that says nothing was written is.
  client_.insert(statement_, pending_, settings, /*idempotent=*/!schema_.cluster.empty());
  stats_.rows += pending_rows_;
  stats_.bytes += pending_.size();
  ++stats_.inserts;
  stats_.retries = client_.retries();
  pending_.clear();
  pending_rows_ = 0;
}

void ClickHouseSink::flush() { send(); }

void ClickHouseSink::finish() { send(); }

}  // namespace dnslens
