#include "serve/dashboard.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <map>
#include <set>
#include <unordered_set>

#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "core/timestamp.hpp"
#include "detect/name_features/name_signal_enricher.hpp"
#include "store/clickhouse/clickhouse_client.hpp"
#include "store/clickhouse/clickhouse_schema.hpp"
#include "store/store_schema.hpp"

namespace dnslens {

namespace {

// The request's record filters as (column, value) pairs; empty values do not filter.
struct FilterColumn {
  std::string_view record_column, finding_column;
  const std::string DashboardQuery::*value;
};
constexpr FilterColumn kFilterColumns[] = {
    {"account_id", "account_id", &DashboardQuery::account},
    {"vpc_id", "vpc_id", &DashboardQuery::vpc},
    {"srcids.instance", "instance", &DashboardQuery::instance},
    {"srcaddr", "srcaddr", &DashboardQuery::srcaddr},
};

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

const PanelDef* find_panel(std::string_view id) {
  for (const PanelDef& p : dashboard_panels()) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::int64_t parse_time(const std::string& v, std::string_view name) {
  // Unix milliseconds, or ISO 8601.
  std::optional<std::int64_t> ms;
  if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) {
    if (v.size() <= 15) ms = std::stoll(v);
  } else {
    ms = parse_iso8601_ms(v);
  }
  if (!ms)
    throw Error(ErrorCode::kUsage, fmt::format("'{}' is not a time (Unix milliseconds or ISO 8601): {}", name, v));
  if (*ms < 0 || *ms > kMaxQueryTimeMs) {
    throw Error(ErrorCode::kUsage, fmt::format("'{}' is outside 1970-01-01 to 9999-12-31: {}", name, v));
  }
  return *ms;
}

std::size_t parse_limit(const std::string& v) {
  std::size_t limit = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
  if (ec != std::errc() || end != v.data() + v.size() || limit == 0 || limit > kMaxRecordsLimit) {
    throw Error(ErrorCode::kUsage, fmt::format("'limit' must be a whole number from 1 to {}", kMaxRecordsLimit));
  }
  return limit;
}

// A text value cut to kMaxCellBytes on a UTF-8 character boundary.
std::string_view cell_text(std::string_view v) {
  if (v.size() <= kMaxCellBytes) return v;
  std::size_t n = kMaxCellBytes;
  while (n > 0 && (static_cast<unsigned char>(v[n]) & 0xC0) == 0x80) --n;
  return v.substr(0, n);
}

}  // namespace

std::string_view panel_chart_name(PanelChart c) {
  switch (c) {
    case PanelChart::kStat:
      return "stat";
    case PanelChart::kBar:
      return "bar";
    case PanelChart::kLine:
      return "line";
    case PanelChart::kOutlier:
      return "outlier";
    case PanelChart::kTable:
      return "table";
    case PanelChart::kPie:
      return "pie";
    case PanelChart::kMap:
      return "map";
  }
  return "table";
}

std::int64_t dashboard_bucket_seconds(std::int64_t range_ms) {
  static constexpr std::int64_t kSteps[] = {60, 300, 600, 900, 1800, 3600, 10800, 21600, 43200, 86400, 604800};
  for (std::int64_t s : kSteps) {
    if (range_ms / (s * 1000) <= kMaxBuckets) return s;
  }
  // Past a week a bucket (about three years): whole days, as many as keep to kMaxBuckets.
  constexpr std::int64_t kDayMs = 86'400'000;
  const std::int64_t days = (range_ms + kDayMs - 1) / kDayMs;
  return (days + kMaxBuckets - 1) / kMaxBuckets * 86'400;
}

std::string result_json(const PanelRows& r, std::size_t max_bytes) {
  std::string out = "{\"columns\":[";
  for (std::size_t c = 0; c < r.columns.size(); ++c) {
    out += c ? ",\"" : "\"";
    append_json_escaped_bytes(out, r.columns[c]);
    out += '"';
  }
  out += "],\"rows\":[";
  bool truncated = false;
  for (std::size_t row = 0; row < r.rows.size(); ++row) {
    if (out.size() > max_bytes) {
      truncated = true;
      break;
    }
    out += row ? ",[" : "[";
    for (std::size_t c = 0; c < r.columns.size(); ++c) {
      if (c) out += ',';
      const auto& v = c < r.rows[row].size() ? r.rows[row][c] : std::nullopt;
      if (!v) {
        out += "null";
      } else if (c < r.numeric.size() && r.numeric[c] && !v->empty() && *v != "inf" && *v != "-inf" && *v != "nan") {
        out += *v;
      } else {
        out += '"';
        append_json_escaped_bytes(out, cell_text(*v));
        out += '"';
      }
    }
    out += ']';
  }
  out += fmt::format("],\"truncated\":{}}}", truncated);
  return out;
}

DashboardQuery parse_dashboard_query(const std::multimap<std::string, std::string>& params) {
  DashboardQuery q;
  for (const auto& [k, v] : params) {
    if (v.size() > 1024) throw Error(ErrorCode::kUsage, fmt::format("parameter '{}' is too long", k));
    if (k == "from")
      q.from_ms = parse_time(v, k);
    else if (k == "to")
      q.to_ms = parse_time(v, k);
    else if (k == "account")
      q.account = v;
    else if (k == "vpc")
      q.vpc = v;
    else if (k == "instance")
      q.instance = v;
    else if (k == "srcaddr")
      q.srcaddr = v;
    else if (k == "domain")
      q.domain = v;
    else if (k == "name")
      q.name = v;
    else if (k == "source")
      q.source = v;
    else if (k == "finding")
      q.finding = v;
    else if (k == "country")
      q.country = v;
    else if (k == "limit")
      q.limit = parse_limit(v);
    // Anything else (the UI token, cache busters) is not a filter.
  }
  if (q.from_ms && q.to_ms && *q.from_ms >= *q.to_ms) throw Error(ErrorCode::kUsage, "'from' must be before 'to'");
  if (!q.country.empty() && (q.country.size() != 2 || !std::isupper(static_cast<unsigned char>(q.country[0])) ||
                             !std::isupper(static_cast<unsigned char>(q.country[1])))) {
    throw Error(ErrorCode::kUsage, "'country' is a two-letter country code");
  }
  if (!q.finding.empty() && q.finding.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(ErrorCode::kUsage, "'finding' is a finding number");
  }
  return q;
}

Dashboard::Dashboard(DuckDatabase& db, const GeoDb* geo)
    : store_(std::make_unique<DuckDashboardStore>(db)), geo_(geo) {}

Dashboard::Dashboard(std::unique_ptr<DashboardStore> store, const GeoDb* geo, const DgaModel* dga)
    : store_(std::move(store)), geo_(geo), dga_(dga) {}

std::string Dashboard::records_where(const DashboardQuery& q, const Range& r, std::string* title) {
  std::string where = fmt::format("query_ts >= {} AND query_ts < {}", timestamp_sql(r.from_ms), timestamp_sql(r.to_ms));
  for (const FilterColumn& c : kFilterColumns) {
    const std::string& value = q.*c.value;
    if (value.empty()) continue;
    where += fmt::format(" AND {} = {}", c.record_column, quote(value));
    if (title) *title += fmt::format("{}{}={}", title->empty() ? "" : " ", c.record_column, value);
  }
  return where;
}

std::string Dashboard::findings_where(const DashboardQuery& q, const Range& r) {
  std::string where =
      fmt::format("last_seen >= {} AND first_seen < {}", timestamp_sql(r.from_ms), timestamp_sql(r.to_ms));
  for (const FilterColumn& c : kFilterColumns) {
    const std::string& value = q.*c.value;
    if (!value.empty()) where += fmt::format(" AND {} = {}", c.finding_column, quote(value));
  }
  return where;
}

std::string Dashboard::quote(std::string_view value) const {
  return clickhouse() ? clickhouse_quote(value) : sql_quote(value);
}

Dashboard::StoredRange Dashboard::stored_range() {
  // On ClickHouse traffic_hour keeps every hour's first and last record and their number: its few rows
  // are read instead of every record's time.
  const PanelRows mm =
      rollup_ready(PanelRollup::kTrafficHour)
          ? store_->query(fmt::format("SELECT {}, {}, countMerge(queries) FROM traffic_hour",
                                      store_->epoch_ms_sql("minMerge(first_seen)"),
                                      store_->epoch_ms_sql("maxMerge(last_seen)")))
          : store_->query(fmt::format("SELECT {}, {}, count(*) FROM {}", store_->epoch_ms_sql("min(query_ts)"),
                                      store_->epoch_ms_sql("max(query_ts)"),
                                      clickhouse() ? std::string_view("route53query") : kQueryDataTable));
  StoredRange out;
  if (mm.rows.empty() || mm.rows[0].size() != 3) return out;
  const auto& row = mm.rows[0];
  out.records = std::stoll(row[2].value_or("0"));
  if (out.records > 0 && row[0] && row[1]) {  // ClickHouse's min() of no rows is 1970, not NULL
    out.min_ms = std::stoll(*row[0]);
    out.max_ms = std::stoll(*row[1]);
  }
  return out;
}

Dashboard::Range Dashboard::effective_range(const DashboardQuery& q, bool need_first, StoredRange* stored_out) {
  Range r;
  if (q.from_ms && q.to_ms && !need_first) {  // the request names the range: no query
    r.from_ms = *q.from_ms;
    r.to_ms = *q.to_ms;
    return r;
  }
  const StoredRange stored = stored_range();
  if (stored_out) *stored_out = stored;
  const std::optional<std::int64_t> lo = stored.min_ms, hi = stored.max_ms;
  r.first_ms = lo.value_or(0);
  if (q.from_ms && q.to_ms) {
    r.from_ms = *q.from_ms;
    r.to_ms = *q.to_ms;
    return r;
  }
  const std::int64_t now = unix_now_ms();
  r.from_ms = q.from_ms ? *q.from_ms : lo.value_or(now - 86'400'000);
  r.to_ms = q.to_ms ? *q.to_ms : (hi ? *hi + 1000 : now);
  if (r.to_ms <= r.from_ms) r.to_ms = r.from_ms + 1000;
  return r;
}

Dashboard::PanelContext Dashboard::panel_context(const PanelDef& panel, const DashboardQuery& q) {
  PanelContext c;
  c.rollup = rollup_usable(panel, q);
  if (c.rollup) {
    // The stored range (from traffic_hour's few rows where it is usable): where the rollup may start.
    c.stored = StoredRange{};
    c.range = effective_range(q, true, &*c.stored);
  } else {
    c.range = effective_range(q, panel.chart == PanelChart::kOutlier);
  }
  const Range& r = c.range;
  c.bucket_ms = 1000 * dashboard_bucket_seconds(r.to_ms - r.from_ms);
  if (panel.chart == PanelChart::kOutlier) {
    // The history: the kOutlierHistory whole buckets before the range, for a baseline, aligned as
    // time_bucket() aligns them (from 2000-01-03 UTC).
    constexpr std::int64_t kBucketOrigin = 946'857'600'000;
    const auto bucket_start = [&](std::int64_t t) {
      const std::int64_t d = t - kBucketOrigin;
      return kBucketOrigin + (d / c.bucket_ms - (d % c.bucket_ms < 0 ? 1 : 0)) * c.bucket_ms;
    };
    // Before the first stored record nothing was logged (no history, not zero queries); its bucket is
    // counted but is history only when the record opens it.
    const std::int64_t first_bucket = bucket_start(r.first_ms);
    c.history_from_ms = std::max(bucket_start(r.from_ms) - kOutlierHistory * c.bucket_ms, first_bucket);
    c.history_start_ms =
        std::max(c.history_from_ms, r.first_ms == first_bucket ? first_bucket : first_bucket + c.bucket_ms);
  }
  return c;
}

std::string Dashboard::panel_sql(const PanelDef& panel, const DashboardQuery& q, const PanelContext& c) {
  if (clickhouse()) return clickhouse_panel_sql(panel, q, c);
  const Range& r = c.range;
  std::string body = std::string(panel.sql);
  body = replace_all(body, "{bucket}", fmt::format("to_seconds({}::BIGINT)", c.bucket_ms / 1000));
  body = replace_all(body, "{from}", sql_timestamp_ms(r.from_ms));
  body = replace_all(body, "{to}", sql_timestamp_ms(r.to_ms));
  // A panel's own WITH joins the filter CTEs.
  std::string ctes =
      fmt::format("q AS (SELECT * FROM {} WHERE {}), f AS (SELECT rowid AS finding_id, * FROM {} WHERE {})",
                  kQueryTable, records_where(q, r, nullptr), kFindingsTable, findings_where(q, r));
  if (panel.chart == PanelChart::kOutlier) {
    // qh: the records of the range and of the history before it.
    Range history = r;
    history.from_ms = c.history_from_ms;
    body = replace_all(body, "{history_from}", sql_timestamp_ms(c.history_from_ms));
    body = replace_all(body, "{history_start}", sql_timestamp_ms(c.history_start_ms));
    ctes += fmt::format(", qh AS (SELECT * FROM {} WHERE {})", kQueryTable, records_where(q, history, nullptr));
  }
  if (panel.chart == PanelChart::kLine) {
    // Series come from the records (VPCs, sources): the largest kMaxSeries keep their own line and
    // the rest are summed, so the rows stay within buckets x series.
    return fmt::format(
        "WITH {}, p AS MATERIALIZED ({}), top AS (SELECT series FROM p GROUP BY 1 ORDER BY sum(n) DESC, 1 LIMIT {}) "
        "SELECT t, CASE WHEN series IS NULL OR series IN (SELECT series FROM top) THEN series ELSE '(other)' END AS "
        "series, "
        "sum(n)::BIGINT AS n FROM p GROUP BY ALL ORDER BY 1, 2",
        ctes, body, kMaxSeries);
  }
  if (body.starts_with("WITH ")) return "WITH " + ctes + ", " + body.substr(5);
  return "WITH " + ctes + " " + body;
}

namespace {

// What a reader needs of a rollup (the tables and views are clickhouse_schema's).
struct RollupSpec {
  PanelRollup id;
  std::string_view table;
  std::string_view period;  // the time column: the start of each period
  std::int64_t period_ms;   // a period's length
  // The key columns the request's filters compare with (account, VPC, instance, source address), in
  // kFilterColumns' order; empty: the rollup does not keep it, and a request filtering on it reads the
  // records.
  std::array<std::string_view, 4> filter_keys;
};

constexpr RollupSpec kRollups[] = {
    {PanelRollup::kVpcMinute, "vpc_minute", "minute", 60'000, {"account_key", "vpc_key", "", ""}},
    {PanelRollup::kTrafficHour,
     "traffic_hour",
     "hour",
     3'600'000,
     {"account_key", "vpc_key", "instance_key", "srcaddr_key"}},
    {PanelRollup::kRdnsHour, "rdns_hour", "hour", 3'600'000, {"account_key", "vpc_key", "instance_key", "srcaddr_key"}},
};

const RollupSpec& rollup_spec(PanelRollup r) {
  for (const RollupSpec& s : kRollups) {
    if (s.id == r) return s;
  }
  throw Error(ErrorCode::kInternal, "a dashboard panel names no rollup");
}

// The start of the period of length `step` that holds t (periods from the Unix epoch: minutes and hours).
std::int64_t period_start(std::int64_t t, std::int64_t step) { return t - ((t % step) + step) % step; }

}  // namespace

bool Dashboard::rollup_usable(const PanelDef& panel, const DashboardQuery& q) {
  if (!clickhouse() || panel.rollup == PanelRollup::kNone) return false;
  const RollupSpec& spec = rollup_spec(panel.rollup);
  for (std::size_t i = 0; i < std::size(kFilterColumns); ++i) {
    if (!(q.*kFilterColumns[i].value).empty() && spec.filter_keys[i].empty()) return false;
  }
  return rollup_ready(panel.rollup);
}

bool Dashboard::rollup_ready(PanelRollup rollup) {
  if (!clickhouse()) return false;
  {
    // One request asks again when the answer is old; the others go on with the answer they have
    // (none before the first: they read the records), so no request waits on another's round trips.
    std::lock_guard lock(rollup_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (rollups_checking_ || (rollups_checked_ && now - *rollups_checked_ <= std::chrono::milliseconds(kRollupCheckMs)))
      return rollups_usable_.contains(rollup);
    rollups_checking_ = true;
  }
  // A rollup is read only when its table is there and no backfill of it is owed (`migrate` or a
  // rebuild that failed records one: until it is done the rollup misses records).
  std::set<PanelRollup> usable;
  try {
    std::set<std::string> tables;
    std::string names = "'dnslens_rollup_backfill'";
    for (const RollupSpec& r : kRollups) names += fmt::format(", '{}'", r.table);
    for (const auto& row :
         store_
             ->query(fmt::format("SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ({})",
                                 names))
             .rows) {
      if (!row.empty() && row[0]) tables.insert(*row[0]);
    }
    std::set<std::string> owed;
    if (tables.contains("dnslens_rollup_backfill")) {
      for (const auto& row : store_->query(clickhouse_owed_backfills_sql("dnslens_rollup_backfill")).rows) {
        if (!row.empty() && row[0]) owed.insert(*row[0]);
      }
    }
    for (const RollupSpec& r : kRollups) {
      const std::string table(r.table);
      if (tables.contains(table) && !owed.contains(table)) usable.insert(r.id);
    }
  } catch (const Error&) {  // not readable by this user, or the server failed: the records answer
    usable.clear();
  } catch (...) {  // anything else goes on up, and the next request asks again
    std::lock_guard lock(rollup_mutex_);
    rollups_checking_ = false;
    throw;
  }
  std::lock_guard lock(rollup_mutex_);
  rollups_usable_ = std::move(usable);
  rollups_checked_ = std::chrono::steady_clock::now();
  rollups_checking_ = false;
  return rollups_usable_.contains(rollup);
}

std::optional<std::string> Dashboard::rollup_rows(PanelRollup rollup, const DashboardQuery& q, std::int64_t from_ms,
                                                  std::int64_t to_ms, const std::optional<StoredRange>& stored) {
  const RollupSpec& s = rollup_spec(rollup);
  const std::int64_t step = s.period_ms;
  // The periods [a, b) come from the rollup: those wholly inside the range, and those it cuts only
  // before the first stored record or after the last (a record stored while this panel is computed,
  // older than the first or newer than the last, may then be counted though outside the range: the
  // panel is as of a moment later). The rest of the range, where it holds stored records, comes from
  // the records; where it holds none it is left out (such a record is then not counted: the panel is
  // as of the stored range's reading). The rollup is read from the first stored record's period on: the
  // rollups without a TTL keep the days retention has dropped from the records.
  if (!stored || !stored->min_ms || !stored->max_ms) return std::nullopt;  // no records: nothing to save
  const std::int64_t lo = *stored->min_ms, hi = *stored->max_ms;
  // The rollups' periods are DateTime: 1970 to 2106. Records outside are left to the record panels.
  if (lo < 0 || hi >= 4'294'967'295'000) return std::nullopt;
  const std::int64_t a =
      from_ms <= lo ? period_start(lo, step) : std::max(period_start(from_ms + step - 1, step), period_start(lo, step));
  const std::int64_t b = to_ms > hi ? period_start(hi, step) + step : period_start(to_ms, step);
  if (a >= b) return std::nullopt;
  // The ends outside [a, b) that hold stored records. Reading them scans their days' records, about what
  // the records' own panel costs for a range of a day or two: the rollup is worth it from three days.
  const bool head = from_ms < a && from_ms <= hi && a > lo, tail = b < to_ms && b <= hi && to_ms > lo;
  constexpr std::int64_t kDay = 86'400'000;
  if ((head || tail) && period_start(to_ms - 1, kDay) - period_start(from_ms, kDay) < 2 * kDay) return std::nullopt;
  std::string rows = fmt::format("SELECT {} FROM {} WHERE {} >= toDateTime({}, 'UTC') AND {} < toDateTime({}, 'UTC')",
                                 clickhouse_rollup_columns(s.table), s.table, s.period, a / 1000, s.period, b / 1000);
  for (std::size_t i = 0; i < std::size(kFilterColumns); ++i) {
    const std::string& value = q.*kFilterColumns[i].value;
    if (value.empty()) continue;
    if (s.filter_keys[i].empty()) return std::nullopt;
    rows += fmt::format(" AND {} = {}", s.filter_keys[i], quote(value));
  }
  std::string edges;
  const auto edge = [&](std::int64_t from, std::int64_t to) {
    Range e;
    e.from_ms = from;
    e.to_ms = to;
    edges += fmt::format("{}({})", edges.empty() ? "" : " OR ", records_where(q, e, nullptr));
  };
  if (head) edge(from_ms, std::min(a, to_ms));
  if (tail) edge(std::max(b, from_ms), to_ms);
  if (!edges.empty()) rows += " UNION ALL " + clickhouse_rollup_select(s.table, "route53query", " WHERE " + edges);
  return "(" + rows + ")";
}

std::string Dashboard::clickhouse_panel_sql(const PanelDef& panel, const DashboardQuery& q, const PanelContext& c) {
  const Range& r = c.range;
  Range history = r;
  history.from_ms = c.history_from_ms;
  // Each placeholder once, in one pass: the subqueries hold the request's quoted values, which are
  // never read again as placeholders.
  const std::pair<std::string_view, std::string> fixed_values[] = {
      {"{bucket_s}", std::to_string(c.bucket_ms / 1000)},
      {"{first_ms}", store_->epoch_ms_sql("first_seen")},
      {"{last_ms}", store_->epoch_ms_sql("last_seen")},
      {"{q}", fmt::format("(SELECT * FROM route53query WHERE {})", records_where(q, r, nullptr))},
      {"{qh}", fmt::format("(SELECT * FROM route53query WHERE {})", records_where(q, history, nullptr))},
      // A finding's id: its run and key hashed, within JavaScript's exact integers.
      {"{f}", fmt::format("(SELECT bitAnd(cityHash64(run_id, finding_key), 9007199254740991) AS finding_id, * FROM "
                          "(SELECT * FROM findings FINAL) WHERE {})",
                          findings_where(q, r))},
  };
  std::string_view text = panel.clickhouse_sql.empty() ? panel.sql : panel.clickhouse_sql;
  // The rollup's rows where they answer the panel: a time series' buckets are whole periods of it, and
  // the range (with the outlier panels' history) holds at least one (else the records are about as cheap).
  std::vector<std::pair<std::string_view, std::string>> values(std::begin(fixed_values), std::end(fixed_values));
  const bool bucketed = panel.chart == PanelChart::kLine || panel.chart == PanelChart::kOutlier;
  if (c.rollup && (!bucketed || c.bucket_ms % rollup_spec(panel.rollup).period_ms == 0)) {
    const std::int64_t from_ms = panel.chart == PanelChart::kOutlier ? c.history_from_ms : r.from_ms;
    if (std::optional<std::string> rows = rollup_rows(panel.rollup, q, from_ms, r.to_ms, c.stored)) {
      text = panel.rollup_sql;
      values.emplace_back("{rollup}", std::move(*rows));
    }
  }
  std::string body;
  for (std::size_t at = 0; at < text.size();) {
    bool replaced = false;
    for (const auto& [name, value] : values) {
      if (text.substr(at, name.size()) == name) {
        body += value;
        at += name.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) body += text[at++];
  }
  // A line chart's series beyond the largest kMaxSeries are summed by post_process (fold_series).
  return body;
}

namespace {

// "YYYY-MM-DD HH:MM:SS" as DuckDB writes a TIMESTAMP, cut to `length` characters.
std::string timestamp_text(std::int64_t ms, std::size_t length = 19) {
  std::string t = iso8601_seconds(ms).substr(0, 19);
  t[10] = ' ';
  return t.substr(0, length);
}

// A double as DuckDB writes it (the shortest text that reads back as the value).
std::string number_text(double v) { return fmt::format("{}", v); }

double round_to(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

std::size_t column_index(const PanelRows& rows, std::string_view name) {
  for (std::size_t c = 0; c < rows.columns.size(); ++c) {
    if (rows.columns[c] == name) return c;
  }
  throw Error(ErrorCode::kInternal, fmt::format("a dashboard panel's rows have no column '{}'", name));
}

void insert_column(PanelRows& rows, std::size_t at, std::string name, bool numeric,
                   const std::vector<std::optional<std::string>>& values) {
  rows.columns.insert(rows.columns.begin() + static_cast<std::ptrdiff_t>(at), std::move(name));
  rows.numeric.insert(rows.numeric.begin() + static_cast<std::ptrdiff_t>(at), numeric);
  for (std::size_t i = 0; i < rows.rows.size(); ++i)
    rows.rows[i].insert(rows.rows[i].begin() + static_cast<std::ptrdiff_t>(at), values[i]);
}

void erase_column(PanelRows& rows, std::size_t at) {
  rows.columns.erase(rows.columns.begin() + static_cast<std::ptrdiff_t>(at));
  rows.numeric.erase(rows.numeric.begin() + static_cast<std::ptrdiff_t>(at));
  for (auto& row : rows.rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(at));
}

// "[1,2,3]": ClickHouse's text of an array of numbers.
void read_number_array(std::string_view text, std::unordered_set<std::uint64_t>& into) {
  std::uint64_t v = 0;
  bool in = false;
  for (char ch : text) {
    if (ch >= '0' && ch <= '9') {
      v = v * 10 + static_cast<std::uint64_t>(ch - '0');
      in = true;
    } else if (in) {
      into.insert(v);
      v = 0;
      in = false;
    }
  }
  if (in) into.insert(v);
}

int severity_rank(std::string_view s) { return s == "high" ? 0 : s == "medium" ? 1 : 2; }

// A finding's card from ClickHouse's row (source, domain, first and last ms, type, severity, confidence,
// score, events, explanation, metrics, evidence) with the members DuckDB's json_object() gives it.
std::string clickhouse_finding_card(const std::vector<std::optional<std::string>>& row, std::int64_t first_ms,
                                    std::int64_t last_ms) {
  const auto text = [](const std::optional<std::string>& v) {
    if (!v) return std::string("null");
    std::string out = "\"";
    append_json_escaped_bytes(out, *v);
    return out + "\"";
  };
  const auto number = [](const std::optional<std::string>& v) {  // inf and nan are not JSON: null
    if (!v) return std::string("null");
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    return end != v->c_str() && *end == '\0' && std::isfinite(d) ? *v : std::string("null");
  };
  const auto json = [](const std::optional<std::string>& v) {  // null unless valid JSON, as try_cast
    if (!v || !(v->starts_with("{") || v->starts_with("["))) return std::string("null");
    simdjson::dom::parser parser;
    simdjson::dom::element parsed;
    return parser.parse(v->data(), v->size()).get(parsed) == simdjson::SUCCESS ? *v : std::string("null");
  };
  return fmt::format(
      "{{\"type\":{},\"severity\":{},\"confidence\":{},\"score\":{},\"first_seen\":\"{}\",\"last_seen\":\"{}\","
      "\"events\":{},\"source\":{},\"domain\":{},\"explanation\":{},\"metrics\":{},\"evidence\":{}}}",
      text(row[4]), text(row[5]), number(row[6]), number(row[7]), timestamp_text(first_ms), timestamp_text(last_ms),
      number(row[8]), text(row[0]), text(row[1]), text(row[9]), json(row[10]), json(row[11]));
}

// A line chart's rows (t, series, n): the largest kMaxSeries series (by their sum, then by name; NULL
// last) keep their line, the others are summed into "(other)", as DuckDB's panel SQL does.
void fold_series(PanelRows& rows) {
  using Series = std::optional<std::string>;
  const auto before = [](const Series& a, const Series& b) { return a && (!b || *a < *b); };  // NULL last
  std::map<Series, std::int64_t, decltype(before)> totals(before);
  for (const auto& row : rows.rows) totals[row[1]] += std::stoll(row[2].value_or("0"));
  std::vector<std::pair<Series, std::int64_t>> ranked(totals.begin(), totals.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::set<Series, decltype(before)> kept(before);
  for (std::size_t i = 0; i < ranked.size() && i < kMaxSeries; ++i) kept.insert(ranked[i].first);
  std::map<std::pair<std::string, Series>, std::int64_t> folded;  // (t, series) -> n
  for (const auto& row : rows.rows) {
    const Series series = !row[1] || kept.contains(row[1]) ? row[1] : Series("(other)");
    folded[{row[0].value_or(""), series}] += std::stoll(row[2].value_or("0"));
  }
  std::vector<std::pair<std::pair<std::string, Series>, std::int64_t>> out(folded.begin(), folded.end());
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
    if (a.first.first != b.first.first) return a.first.first < b.first.first;
    return before(a.first.second, b.first.second);
  });
  rows.rows.clear();
  for (const auto& [key, n] : out) rows.rows.push_back({key.first, key.second, std::to_string(n)});
}

}  // namespace

void Dashboard::post_process(const PanelDef& panel, const PanelContext& c, PanelRows& rows) const {
  if (panel.chart == PanelChart::kLine) fold_series(rows);
  const auto lookup = [&](const std::optional<std::string>& text, unsigned parts) {
    GeoInfo found;
    if (geo_ && text) {
      if (auto ip = parse_geo_address(*text)) found = geo_->lookup(*ip, parts);
    }
    return found;
  };
  const auto asn_text = [](const GeoInfo& g) {
    return g.asn == 0 ? std::nullopt : std::optional<std::string>(std::to_string(g.asn));
  };
  const auto org_text = [](const GeoInfo& g) {
    return g.asn == 0 ? std::nullopt : std::optional<std::string>(g.organization);
  };
  const auto country_text = [](const GeoInfo& g) {
    return g.country_code().empty() ? std::nullopt : std::optional<std::string>(g.country_code());
  };
  switch (panel.clickhouse_post) {
    case PanelPost::kNone:
      return;
    case PanelPost::kCountries: {
      std::map<std::string, std::int64_t> answers;
      for (const auto& row : rows.rows) {
        const GeoInfo g = lookup(row[0], kGeoCountry);
        if (!g.country_code().empty()) answers[std::string(g.country_code())] += std::stoll(row[1].value_or("0"));
      }
      std::vector<std::pair<std::string, std::int64_t>> sorted(answers.begin(), answers.end());
      std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      PanelRows out{{"country", "answers"}, {false, true}, {}};
      for (const auto& [country, n] : sorted) out.rows.push_back({country, std::to_string(n)});
      rows = std::move(out);
      return;
    }
    case PanelPost::kAddressAs: {
      const std::size_t at = column_index(rows, "address");
      std::vector<std::optional<std::string>> asn, org;
      for (const auto& row : rows.rows) {
        const GeoInfo g = lookup(row[at], kGeoAsn);
        asn.push_back(asn_text(g));
        org.push_back(org_text(g));
      }
      insert_column(rows, at + 1, "asn", true, asn);
      insert_column(rows, at + 2, "as_org", false, org);
      return;
    }
    case PanelPost::kIpGeoAs: {
      const std::size_t ip = column_index(rows, "ip");
      std::vector<std::optional<std::string>> country, asn, org;
      for (const auto& row : rows.rows) {
        const GeoInfo g = lookup(row[ip], kGeoAll);
        country.push_back(country_text(g));
        asn.push_back(asn_text(g));
        org.push_back(org_text(g));
      }
      insert_column(rows, 3, "country", false, country);
      insert_column(rows, 4, "asn", true, asn);
      insert_column(rows, 5, "as_org", false, org);
      return;
    }
    case PanelPost::kAsTable: {
      struct As {
        std::int64_t answers = 0, addresses = 0;
        std::string min_ip;
        std::unordered_set<std::uint64_t> domains, sources;
      };
      std::map<std::uint32_t, As> by_as;
      for (const auto& row : rows.rows) {
        const GeoInfo g = lookup(row[0], kGeoAsn);
        if (g.asn == 0) continue;
        As& a = by_as[g.asn];
        a.answers += std::stoll(row[1].value_or("0"));
        ++a.addresses;
        if (a.min_ip.empty() || *row[0] < a.min_ip) a.min_ip = *row[0];
        read_number_array(row[2].value_or(""), a.domains);
        read_number_array(row[3].value_or(""), a.sources);
      }
      std::vector<std::pair<std::uint32_t, const As*>> sorted;
      for (const auto& [asn, a] : by_as) sorted.emplace_back(asn, &a);
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const auto& x, const auto& y) { return x.second->answers > y.second->answers; });
      if (sorted.size() > 50) sorted.resize(50);
      PanelRows out{
          {"asn", "as_org", "answers", "addresses", "domains", "sources"}, {true, false, true, true, true, true}, {}};
      for (const auto& [asn, a] : sorted) {
        out.rows.push_back({std::to_string(asn), org_text(lookup(a->min_ip, kGeoAsn)), std::to_string(a->answers),
                            std::to_string(a->addresses), std::to_string(a->domains.size()),
                            std::to_string(a->sources.size())});
      }
      rows = std::move(out);
      return;
    }
    case PanelPost::kSubdomainDga: {
      const std::size_t dga_at = column_index(rows, "example_dga");
      const std::size_t sub_at = column_index(rows, "example_subdomain");
      std::vector<std::optional<std::string>> scores;
      for (const auto& row : rows.rows) {
        const float dga = row[dga_at] ? std::stof(*row[dga_at]) : 0.0F;
        const float sub = row[sub_at] && dga_ ? subdomain_dga_score(*dga_, *row[sub_at]) : 0.0F;
        // DuckDB's greatest() passes over a NULL score.
        const float best = row[dga_at] ? std::max(dga, sub) : sub;
        scores.emplace_back(fmt::format("{}", static_cast<float>(round_to(best, 3))));
      }
      erase_column(rows, std::max(dga_at, sub_at));
      erase_column(rows, std::min(dga_at, sub_at));
      insert_column(rows, rows.columns.size(), "example_dga_score", true, scores);
      return;
    }
    case PanelPost::kOutlier: {
      // DNSLENS_OUTLIER_SQL's rolling test over the counts per bucket.
      const Range& r = c.range;
      std::map<std::int64_t, std::int64_t> counts;  // bucket start (ms) -> records
      for (const auto& row : rows.rows) {
        if (const auto ms =
                row[0] ? parse_iso8601_ms(row[0]->substr(0, 10) + "T" + row[0]->substr(11) + "Z") : std::nullopt)
          counts[*ms] = std::stoll(row[1].value_or("0"));
      }
      PanelRows out{{"t", "n", "mean", "upper", "outlier"}, {false, true, true, true, true}, {}};
      std::vector<std::optional<std::int64_t>> history;  // h per bucket (nullopt: before history starts)
      const std::int64_t range_start =
          r.from_ms - ((r.from_ms - 946'857'600'000) % c.bucket_ms + c.bucket_ms) % c.bucket_ms;
      for (std::int64_t t = c.history_from_ms; t < r.to_ms; t += c.bucket_ms) {
        const auto it = counts.find(t);
        const std::int64_t n = it == counts.end() ? 0 : it->second;
        // The window: the previous kOutlierHistory buckets, those before history starts left out.
        const std::size_t window_start = history.size() > static_cast<std::size_t>(kOutlierHistory)
                                             ? history.size() - static_cast<std::size_t>(kOutlierHistory)
                                             : 0;
        double sum = 0, sum_sq = 0;
        std::int64_t k = 0;
        for (std::size_t i = window_start; i < history.size(); ++i) {
          if (!history[i]) continue;
          sum += static_cast<double>(*history[i]);
          ++k;
        }
        const double mean = k > 0 ? sum / static_cast<double>(k) : 0.0;
        for (std::size_t i = window_start; i < history.size(); ++i) {
          if (history[i])
            sum_sq += (static_cast<double>(*history[i]) - mean) * (static_cast<double>(*history[i]) - mean);
        }
        const double sd = k > 0 ? std::sqrt(sum_sq / static_cast<double>(k)) : 0.0;
        const double upper = mean + 3 * std::max(sd, std::sqrt(mean));
        history.push_back(t >= c.history_start_ms ? std::optional<std::int64_t>(n) : std::nullopt);
        if (t < range_start) continue;
        const bool outlier = k >= 3 && n >= 5 && static_cast<double>(n) > upper;
        out.rows.push_back({timestamp_text(t), std::to_string(n), number_text(round_to(mean, 2)),
                            number_text(round_to(upper, 2)), outlier ? "true" : "false"});
      }
      rows = std::move(out);
      return;
    }
    case PanelPost::kIncidents: {
      // Findings of one source whose times (ms) overlap or touch: rows come ordered by source, first seen, id.
      struct Incident {
        std::optional<std::string> source;
        int severity = 2;
        std::int64_t findings = 0, first = 0, last = 0;
        std::set<std::string> types, domains;
        std::string ids;
      };
      std::vector<Incident> incidents;
      std::optional<std::string> source;
      std::int64_t end = 0;
      bool open = false;
      for (const auto& row : rows.rows) {
        const std::int64_t first = std::stoll(row[4].value_or("0")), last = std::stoll(row[5].value_or("0"));
        if (!open || row[0] != source || first > end) {
          incidents.push_back({row[0], 2, 0, first, last, {}, {}, {}});
          source = row[0];
          end = last;
          open = true;
        }
        Incident& in = incidents.back();
        end = std::max(end, last);
        in.severity = std::min(in.severity, severity_rank(row[1].value_or("")));
        ++in.findings;
        in.last = std::max(in.last, last);
        if (row[2]) in.types.insert(*row[2]);
        if (row[3]) in.domains.insert(*row[3]);
        in.ids += (in.ids.empty() ? "" : " ") + row[6].value_or("");
      }
      std::stable_sort(incidents.begin(), incidents.end(), [](const Incident& a, const Incident& b) {
        if (a.severity != b.severity) return a.severity < b.severity;
        if (a.findings != b.findings) return a.findings > b.findings;
        if (a.first != b.first) return a.first < b.first;
        return a.source.has_value() && (!b.source || *a.source < *b.source);
      });
      if (incidents.size() > 200) incidents.resize(200);
      const auto join = [](const std::set<std::string>& s) -> std::optional<std::string> {
        if (s.empty()) return std::nullopt;
        std::string out;
        for (const auto& v : s) out += (out.empty() ? "" : ", ") + v;
        return out;
      };
      static constexpr std::string_view kSeverity[] = {"high", "medium", "low"};
      PanelRows out{{"source", "severity", "findings", "types", "domains", "first_seen", "last_seen", "finding_ids"},
                    {false, false, true, false, false, false, false, false},
                    {}};
      for (const Incident& in : incidents) {
        out.rows.push_back({in.source, std::string(kSeverity[in.severity]), std::to_string(in.findings), join(in.types),
                            join(in.domains), timestamp_text(in.first, 16), timestamp_text(in.last, 16), in.ids});
      }
      rows = std::move(out);
      return;
    }
  }
}

std::string Dashboard::panel_json(std::string_view id, const DashboardQuery& q) {
  const PanelDef* panel = find_panel(id);
  if (!panel) throw Error(ErrorCode::kUsage, fmt::format("no panel '{}'", id));
  // The time spent answering: the stored range where the panel asks it, the SQL, dnslens's columns.
  const auto start = std::chrono::steady_clock::now();
  const PanelContext c = panel_context(*panel, q);
  const Range& r = c.range;
  std::string head = fmt::format(
      "{{\"id\":\"{}\",\"chart\":\"{}\",\"from\":\"{}\",\"to\":\"{}\",\"bucket_seconds\":{},", panel->id,
      panel_chart_name(panel->chart), iso8601_seconds(r.from_ms), iso8601_seconds(r.to_ms), c.bucket_ms / 1000);
  if (panel->chart == PanelChart::kMap && !(geo_ && geo_->has_country())) {
    return head +
           "\"columns\":[],\"rows\":[],\"note\":\"no country data is loaded (scripts/fetch-geo.sh installs the "
           "default; dnslens serve --geo-country FILE.mmdb uses another)\",\"sql\":null,\"ms\":0}";
  }
  const std::string sql = panel_sql(*panel, q, c);
  PanelRows result = store_->query(sql);
  if (clickhouse()) post_process(*panel, c, result);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::string body = result_json(result);
  std::string out = head + body.substr(1, body.size() - 2) + ",\"sql\":\"";
  append_json_escaped_bytes(out, sql);
  out += fmt::format("\",\"ms\":{:.2f}}}", ms);
  return out;
}

std::string Dashboard::clickhouse_country_condition(const DashboardQuery& q, const Range& r) {
  const PanelRows ips = store_->query(
      fmt::format("SELECT DISTINCT ip FROM (SELECT * FROM route53query WHERE {}) ARRAY JOIN answers.Rdata AS ip, "
                  "answers.Type AS ty WHERE ty = 'A'",
                  records_where(q, r, nullptr)));
  std::string list;
  for (const auto& row : ips.rows) {
    if (!row[0] || !geo_) continue;
    const auto ip = parse_geo_address(*row[0]);
    if (ip && geo_->lookup(*ip, kGeoCountry).country_code() == q.country)
      list += (list.empty() ? "" : ", ") + clickhouse_quote(*row[0]);
  }
  return fmt::format("arrayExists((r, ty) -> ty = 'A' AND has([{}], r), answers.Rdata, answers.Type)",
                     list.empty() ? "''" : list);
}

std::string Dashboard::records_json(const DashboardQuery& q) {
  const bool ch = clickhouse();
  std::string where;
  std::string title;
  std::string finding = "null";  // the finding drilled into, as JSON
  std::string order;             // what sorts first, before the newest-first order
  if (!q.finding.empty()) {
    std::string type;
    std::optional<std::string> source, domain;
    std::int64_t first_ms = 0, last_ms = 0;
    // The finding's source, domain, time and type (the first five columns), and its card: DuckDB's
    // json_object(); on ClickHouse, the members it gives, written here (clickhouse_finding_card).
    const PanelRows f = store_->query(
        ch ? fmt::format("SELECT source, domain, {}, {}, finding_type, severity, confidence, score, events, "
                         "explanation, metrics, evidence FROM (SELECT * FROM findings FINAL) WHERE "
                         "bitAnd(cityHash64(run_id, finding_key), 9007199254740991) = {} LIMIT 1",
                         store_->epoch_ms_sql("first_seen"), store_->epoch_ms_sql("last_seen"), q.finding)
           : fmt::format("SELECT source, domain, epoch_ms(first_seen), epoch_ms(last_seen), finding_type, "
                         "json_object('type', finding_type, 'severity', severity, 'confidence', confidence, 'score', "
                         "score, 'first_seen', strftime(first_seen, '%Y-%m-%d %H:%M:%S'), 'last_seen', "
                         "strftime(last_seen, '%Y-%m-%d %H:%M:%S'), 'events', events, 'source', source, 'domain', "
                         "domain, 'explanation', explanation, 'metrics', try_cast(metrics AS JSON), 'evidence', "
                         "try_cast(evidence AS JSON))::VARCHAR FROM {} WHERE rowid = {}",
                         kFindingsTable, q.finding));
    if (f.rows.empty()) throw Error(ErrorCode::kUsage, fmt::format("no finding {}", q.finding));
    const auto& row = f.rows[0];
    source = row[0];
    domain = row[1];
    first_ms = std::stoll(row[2].value_or("0"));
    last_ms = std::stoll(row[3].value_or("0"));
    type = row[4].value_or("");
    finding = ch ? clickhouse_finding_card(row, first_ms, last_ms) : row[5].value_or("null");
    where = fmt::format("query_ts >= {} AND query_ts <= {}", timestamp_sql(first_ms), timestamp_sql(last_ms));
    // A VPC's finding (a volume anomaly) names the VPC as its source.
    if (source) where += fmt::format(" AND (source = {0} OR vpc_id = {0})", quote(*source));
    if (domain) {
      where += fmt::format(
          " AND (registered_domain = {0} OR query_name_normalized = {0} OR query_name_normalized LIKE {1} "
          "OR threat_indicator = {0})",
          quote(*domain), quote("%." + *domain));
    }
    title = fmt::format("{} {} {}", type, source.value_or(""), domain.value_or(""));
    // The records that made the finding first: the names that scored as DGA, the reverse lookups of a
    // sweep, the failed lookups of an NXDOMAIN anomaly.
    if (type == "DGADomainRequest")  // the score as shown, rounded (DuckDB's ORDER BY reads the alias)
      order = ch ? "dga DESC NULLS LAST, " : "dga_score DESC NULLS LAST, ";
    else if (type == "ReverseDNSSweep")
      order = "(query_type = 'PTR') DESC, ";
    else if (type == "VolumeAnomaly" && finding.find("\"nxdomain\"") != std::string::npos)
      order = "(rcode = 'NXDOMAIN') DESC, ";
  } else {
    const Range r = effective_range(q);
    where = records_where(q, r, &title);
    auto add = [&](std::string_view column, const std::string& value) {
      if (value.empty()) return;
      where += fmt::format(" AND {} = {}", column, quote(value));
      title += fmt::format("{}{}={}", title.empty() ? "" : " ", column, value);
    };
    if (!q.domain.empty()) {  // as the domain panels name it: the registered domain, else the name
      where += fmt::format(" AND coalesce(registered_domain, query_name_normalized) = {}", quote(q.domain));
      title += fmt::format("{}domain={}", title.empty() ? "" : " ", q.domain);
    }
    add("query_name_normalized", q.name);
    add("source", q.source);
    if (!q.country.empty()) {
      where +=
          " AND " + (ch ? clickhouse_country_condition(q, r)
                        : fmt::format("len(list_filter(answers, lambda a: a.Type = 'A' AND dnslens_country(a.Rdata) "
                                      "= {})) > 0",
                                      sql_quote(q.country)));
      title += fmt::format("{}answers in {}", title.empty() ? "" : " ", q.country);
    }
  }
  const std::string sql =
      ch ? fmt::format(
               "SELECT time, name, type, rcode, source, srcaddr, vpc_id, domain, answer_text AS answers, dga AS "
               "dga_score, firewall, threat FROM (SELECT substring(toString(query_ts), 1, 19) AS time, "
               "substringUTF8(query_name, 1, {0}) AS name, query_type AS type, rcode, source, srcaddr, vpc_id, "
               "coalesce(registered_domain, query_name_normalized) AS domain, "
               "if(empty(answers.Rdata), NULL, substringUTF8(arrayStringConcat(answers.Rdata, ' '), 1, {0})) AS "
               "answer_text, floor(dga_score * 1000 + 0.5) / 1000 AS dga, firewall_rule_action AS firewall, "
               "threat_indicator AS threat "
               "FROM route53query WHERE {1} ORDER BY {2}query_ts DESC, query_name, type, rcode, srcaddr, answer_text "
               "LIMIT {3})",
               kMaxCellBytes, where, order, std::min(q.limit, kMaxRecordsLimit))
         : fmt::format(
               "SELECT strftime(query_ts, '%Y-%m-%d %H:%M:%S') AS time, left(query_name, {0}) AS name, query_type AS "
               "type, rcode, source, "
               "srcaddr, vpc_id, coalesce(registered_domain, query_name_normalized) AS domain, "
               "left(array_to_string(list_transform(answers, lambda a: "
               "a.Rdata), ' '), {0}) AS answers, round(dga_score, 3) AS dga_score, firewall_rule_action AS firewall, "
               "threat_indicator AS threat FROM {1} WHERE {2} ORDER BY {3}query_ts DESC, query_name, type, rcode, "
               "srcaddr, "
               "answers LIMIT {4}",
               kMaxCellBytes, kQueryTable, where, order, std::min(q.limit, kMaxRecordsLimit));
  const PanelRows result = store_->query(sql);
  const PanelRows count =
      store_->query(fmt::format("SELECT count(*) FROM {} WHERE {}", ch ? "route53query" : kQueryTable, where));
  const std::string total = count.rows.empty() ? "0" : count.rows[0][0].value_or("0");
  std::string body = result_json(result);
  std::string out = "{\"title\":\"";
  append_json_escaped_bytes(out, title);
  out +=
      fmt::format("\",\"total\":{},\"finding\":{},", total, finding) + body.substr(1, body.size() - 2) + ",\"sql\":\"";
  append_json_escaped_bytes(out, sql);
  return out + "\"}";
}

std::string Dashboard::catalog_json() {
  const bool ch = clickhouse();
  std::string out = "{\"pages\":[";
  bool first = true;
  for (const PageDef& page : dashboard_pages()) {
    out += fmt::format("{}{{\"id\":\"{}\",\"title\":\"{}\",\"panels\":[", first ? "" : ",", page.id, page.title);
    first = false;
    for (std::size_t i = 0; i < page.panels.size(); ++i) out += fmt::format("{}\"{}\"", i ? "," : "", page.panels[i]);
    out += "]}";
  }
  out += "],\"panels\":{";
  first = true;
  for (const PanelDef& p : dashboard_panels()) {
    out += fmt::format("{}\"{}\":{{\"title\":\"{}\",\"chart\":\"{}\",\"drill\":\"{}\"}}", first ? "" : ",", p.id,
                       p.title, panel_chart_name(p.chart), p.drill);
    first = false;
  }
  out += "},";
  const StoredRange stored = stored_range();
  out += fmt::format("\"range\":{{\"min\":{},\"max\":{},\"records\":{}}},",
                     stored.min_ms ? std::to_string(*stored.min_ms) : "null",
                     stored.max_ms ? std::to_string(*stored.max_ms) : "null", stored.records);
  out += "\"filters\":{";
  const std::pair<const char*, const char*> filters[] = {
      {"account", "account_id"}, {"vpc", "vpc_id"}, {"instance", "srcids.instance"}, {"srcaddr", "srcaddr"}};
  first = true;
  for (const auto& [key, column] : filters) {
    const PanelRows values = store_->query(
        ch ? fmt::format("SELECT v, count() AS n FROM (SELECT {0} AS v FROM route53query WHERE {0} IS NOT NULL) GROUP "
                         "BY v ORDER BY n DESC, v LIMIT 500",
                         column)
           : fmt::format("SELECT {0} AS v, count(*) n FROM {1} WHERE {0} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 "
                         "LIMIT 500",
                         column, kQueryTable));
    out += fmt::format("{}\"{}\":[", first ? "" : ",", key);
    first = false;
    for (std::size_t i = 0; i < values.rows.size(); ++i) {
      out += i ? ",\"" : "\"";
      append_json_escaped_bytes(out, values.rows[i][0].value_or(""));
      out += '"';
    }
    out += ']';
  }
  out += "},";
  return out + geo_json() + "}";
}

std::string Dashboard::geo_json() const {
  std::string out = fmt::format("\"geo\":{{\"country\":{},\"asn\":{},\"sources\":[", geo_ && geo_->has_country(),
                                geo_ && geo_->has_asn());
  if (geo_) {
    bool first = true;
    for (const GeoSource& s : geo_->sources()) {
      out += first ? "{\"kind\":\"" : ",{\"kind\":\"";
      first = false;
      append_json_escaped_bytes(out, s.kind);
      out += "\",\"file\":\"";  // the name only: where the server keeps its files is its own business
      append_json_escaped_bytes(out, std::filesystem::path(s.path).filename().string());
      out += "\",\"description\":\"";
      append_json_escaped_bytes(out, s.description);
      out += "\",\"attribution\":[";
      for (std::size_t i = 0; i < s.attribution.size(); ++i) {
        out += i ? ",{\"text\":\"" : "{\"text\":\"";
        append_json_escaped_bytes(out, s.attribution[i].text);
        out += "\",\"url\":\"";
        append_json_escaped_bytes(out, s.attribution[i].url);
        out += "\"}";
      }
      out += "]}";
    }
  }
  return out + "]}";
}

}  // namespace dnslens
