#pragma once
// The dashboards' data: every page and panel defined once here (title, chart, SQL over the store),
// answered as JSON for the browser. Panels only run their own SQL; the request picks the time range
// and the filters (account, VPC, instance, source address), which are quoted into a WHERE clause.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "enrich/geoip/geo_db.hpp"
#include "serve/dashboard_store.hpp"
#include "store/duckdb_api.hpp"

namespace dnslens {

class DgaModel;

enum class PanelChart { kStat, kBar, kLine, kOutlier, kTable, kPie, kMap };

// What dnslens computes itself from a ClickHouse panel's rows, where ClickHouse has no function for it
// (dnslens's geo, AS and DGA lookups) or its SQL cannot say it on every server (window functions):
enum class PanelPost {
  kNone,
  kCountries,     // (ip, n) -> (country, answers): answers per country of the IPv4 addresses
  kAddressAs,     // asn, as_org of the column "address", after it
  kIpGeoAs,       // country, asn, as_org of the column "ip", after the first three columns
  kAsTable,       // (ip, answers, domain hashes, source hashes) -> the AS table
  kSubdomainDga,  // (..., example_dga, example_subdomain) -> example_dga_score
  kOutlier,       // (t, n) over the history and the range -> the rolling outlier test
  kIncidents,     // findings ordered by source and time -> incidents (overlapping findings of one source)
};

// A ClickHouse rollup a panel can read instead of the records (docs/CLICKHOUSE.md, Rollups).
enum class PanelRollup {
  kNone,
  kVpcMinute,    // vpc_minute: queries, NXDOMAIN, alerted and blocked per minute, account and VPC
  kTrafficHour,  // traffic_hour: the summary's counts per hour, account, VPC, source and domain
  kRdnsHour,     // rdns_hour: PTR queries per hour, account, VPC, source, name and response code
};

struct PanelDef {
  std::string_view id;
  std::string_view title;
  PanelChart chart;
  // SQL over the CTE `q` (route53query with the filters applied) or `f` (findings in the range).
  // {bucket} is the time-series bucket as a DuckDB INTERVAL; {from}/{to} the range as TIMESTAMPs.
  std::string_view sql;
  std::string_view drill;  // column whose value drills down to records: domain, source, name, country, finding
  // The same panel in ClickHouse's SQL (empty: `sql` is also ClickHouse's). {q}, {qh} and {f} are
  // subqueries there (Debian's 18.16 has no WITH subqueries); {bucket_s} is the bucket in seconds.
  std::string_view clickhouse_sql = {};
  PanelPost clickhouse_post = PanelPost::kNone;
  // The same panel over a rollup's rows ({rollup}: over the range, and the history before it for an
  // outlier panel), used where the request's filters are the rollup's keys, its buckets whole rollup periods
  // and no backfill of the rollup is owed; the rows are the same as `clickhouse_sql`'s (but for records
  // stored while the panel runs: docs/CLICKHOUSE.md).
  PanelRollup rollup = PanelRollup::kNone;
  std::string_view rollup_sql = {};
};

struct PageDef {
  std::string_view id;
  std::string_view title;
  std::vector<std::string_view> panels;
};

[[nodiscard]] const std::vector<PanelDef>& dashboard_panels();
[[nodiscard]] const std::vector<PageDef>& dashboard_pages();
[[nodiscard]] std::string_view panel_chart_name(PanelChart c);

// Bounds on what one API response can hold, whatever the request asks: a time series has at most
// kMaxBuckets points per series (the bucket widens instead) and kMaxSeries series (the others are
// summed into "(other)"); /api/records returns at most kMaxRecordsLimit rows; no text value is
// longer than kMaxCellBytes, and rows stop once a result passes kMaxResultBytes ("truncated": true).
inline constexpr std::int64_t kMaxBuckets = 150;
// The buckets before an outlier panel's range that its first buckets are compared with (the SQL's
// window, DNSLENS_OUTLIER_SQL).
inline constexpr std::int64_t kOutlierHistory = 12;
inline constexpr std::size_t kMaxSeries = 20;
inline constexpr std::size_t kMaxRecordsLimit = 1000;
inline constexpr std::size_t kMaxCellBytes = 1024;
inline constexpr std::size_t kMaxResultBytes = 4u << 20;
// The latest time a request may name: 9999-12-31T23:59:59.999Z.
inline constexpr std::int64_t kMaxQueryTimeMs = 253'402'300'799'999;

// What a request asks for; all optional. Times are Unix milliseconds.
struct DashboardQuery {
  std::optional<std::int64_t> from_ms, to_ms;
  std::string account, vpc, instance, srcaddr;
  // Drill-down: records of one registered domain, query name, source, answer country (an IPv4 answer
  // in it), or behind one finding.
  std::string domain, name, source, country, finding;
  std::size_t limit = 200;  // 1 to kMaxRecordsLimit
};

// Parses the query string parameters of an API request; throws Error(kUsage) on bad values: a time
// that is not Unix milliseconds or ISO 8601 from 1970 to 9999, 'from' not before 'to', a limit
// outside 1 to kMaxRecordsLimit.
[[nodiscard]] DashboardQuery parse_dashboard_query(const std::multimap<std::string, std::string>& params);

class Dashboard {
 public:
  // The DuckDB store: geo, the data the geo SQL functions registered on db answer from (null: no geo
  // data); the catalog lists its sources and their attribution, and the map panels say when there is
  // no country data.
  Dashboard(DuckDatabase& db, const GeoDb* geo);
  // Another store (ClickHouse): the geo, AS and DGA values its SQL cannot compute come from geo and dga.
  Dashboard(std::unique_ptr<DashboardStore> store, const GeoDb* geo, const DgaModel* dga);
  // {"pages":[...], "panels":{...}, "range":{"min","max"}, "filters":{"account":[...],...},
  //  "geo":{"country":bool,"asn":bool,"sources":[{"kind","file","description","attribution":[{"text","url"}]}]}}
  [[nodiscard]] std::string catalog_json();
  // {"id","columns","rows","sql","ms","from","to","bucket_seconds"}; throws Error(kUsage) for an unknown panel.
  [[nodiscard]] std::string panel_json(std::string_view id, const DashboardQuery& q);
  // The records behind a drill-down (newest first, at most q.limit).
  [[nodiscard]] std::string records_json(const DashboardQuery& q);

 private:
  struct Range {
    std::int64_t from_ms = 0, to_ms = 0;
    std::int64_t first_ms = 0;  // the first stored record's time (0: none or not asked): no history before it
  };
  // The stored records' first and last time (none without records) and their number.
  struct StoredRange {
    std::optional<std::int64_t> min_ms, max_ms;
    std::int64_t records = 0;
  };
  // What a panel's SQL and its computed columns need besides the request: the range, the bucket, and
  // for the outlier panels the history before the range.
  struct PanelContext {
    Range range;
    std::int64_t bucket_ms = 0;
    std::int64_t history_from_ms = 0;   // the first bucket of history (records from here on are read)
    std::int64_t history_start_ms = 0;  // buckets from here on count as history
    bool rollup = false;                // the panel may read its rollup
    // Asked when the panel may read a rollup: from which period on the rollup holds stored records.
    std::optional<StoredRange> stored;
  };
  [[nodiscard]] bool clickhouse() const { return store_->dialect() == SqlDialect::kClickHouse; }
  [[nodiscard]] StoredRange stored_range();
  // A text value as a literal of the store's SQL.
  [[nodiscard]] std::string quote(std::string_view value) const;
  // The request's range, else the stored data's (one min/max query, also made for need_first: the
  // outlier panels' history starts at first_ms; stored, when given, gets what the query found).
  Range effective_range(const DashboardQuery& q, bool need_first = false, StoredRange* stored = nullptr);
  [[nodiscard]] PanelContext panel_context(const PanelDef& panel, const DashboardQuery& q);
  // The SQL a panel runs for this request and range (returned with its rows as "sql").
  [[nodiscard]] std::string panel_sql(const PanelDef& panel, const DashboardQuery& q, const PanelContext& c);
  [[nodiscard]] std::string clickhouse_panel_sql(const PanelDef& panel, const DashboardQuery& q, const PanelContext& c);
  // Whether a panel may read its rollup for this request: ClickHouse, the filters on the rollup's keys
  // only, and the rollup there with no backfill owed (asked at most every kRollupCheckMs).
  [[nodiscard]] bool rollup_usable(const PanelDef& panel, const DashboardQuery& q);
  [[nodiscard]] bool rollup_ready(PanelRollup rollup);
  // A rollup's rows for [from_ms, to_ms) as a subquery: from the rollup, its periods inside the range or
  // cut only before the first stored record or after the last (from the first stored record's period
  // on); from the records, the cut periods that hold stored records, over ranges of three days or more.
  // None when shorter ranges cut such periods, no such period is in the range, no record is stored, or
  // the records' times are outside the rollups' 1970-2106.
  [[nodiscard]] std::optional<std::string> rollup_rows(PanelRollup rollup, const DashboardQuery& q,
                                                       std::int64_t from_ms, std::int64_t to_ms,
                                                       const std::optional<StoredRange>& stored);
  // What dnslens adds to a ClickHouse panel's rows (PanelPost).
  void post_process(const PanelDef& panel, const PanelContext& c, PanelRows& rows) const;
  // route53query's range and account/VPC/instance/srcaddr filters; title, when given, gets the filters.
  [[nodiscard]] std::string records_where(const DashboardQuery& q, const Range& r, std::string* title);
  [[nodiscard]] std::string findings_where(const DashboardQuery& q, const Range& r);
  [[nodiscard]] std::string timestamp_sql(std::int64_t ms) { return store_->timestamp_sql(ms); }
  // The drill-down by country in ClickHouse: the IPv4 answers in range that dnslens places there.
  [[nodiscard]] std::string clickhouse_country_condition(const DashboardQuery& q, const Range& r);
  [[nodiscard]] std::string geo_json() const;
  std::unique_ptr<DashboardStore> store_;
  const GeoDb* geo_;
  const DgaModel* dga_ = nullptr;
  // The rollups found usable, asked again after kRollupCheckMs.
  static constexpr std::int64_t kRollupCheckMs = 10'000;
  std::mutex rollup_mutex_;
  std::optional<std::chrono::steady_clock::time_point> rollups_checked_;  // under rollup_mutex_
  std::set<PanelRollup> rollups_usable_;                                  // under rollup_mutex_
  bool rollups_checking_ = false;                                         // under rollup_mutex_
};

// A result as {"columns":[...],"rows":[[...],...],"truncated":bool} with numbers unquoted; text
// values cut at kMaxCellBytes, rows left out once the JSON passes max_bytes.
[[nodiscard]] std::string result_json(const PanelRows& r, std::size_t max_bytes = kMaxResultBytes);
// The time-series bucket for a range: a round step giving at most kMaxBuckets buckets.
[[nodiscard]] std::int64_t dashboard_bucket_seconds(std::int64_t range_ms);

}  // namespace dnslens
