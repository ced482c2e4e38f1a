#pragma once
// The dashboards' data: every page and panel defined once here (title, chart, SQL over the store),
// answered as JSON for the browser. Panels only run their own SQL; the request picks the time range
// and the filters (account, VPC, instance, source address), which are quoted into a WHERE clause.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "enrich/geoip/geo_db.hpp"
#include "store/duckdb_api.hpp"

namespace dnslens {

enum class PanelChart { kStat, kBar, kLine, kOutlier, kTable, kPie, kMap };

struct PanelDef {
  std::string_view id;
  std::string_view title;
  PanelChart chart;
  // SQL over the CTE `q` (route53query with the filters applied) or `f` (findings in the range).
  // {bucket} is the time-series bucket as a DuckDB INTERVAL; {from}/{to} the range as TIMESTAMPs.
  std::string_view sql;
  std::string_view drill;  // column whose value drills down to records: domain, source, name, country, finding
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
  // geo: what the geo SQL functions registered on db answer from (null: no geo data); the catalog
  // lists its sources and their attribution, and the map panels say when there is no country data.
  Dashboard(DuckDatabase& db, const GeoDb* geo) : db_(db), geo_(geo) {}
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
  // The request's range, else the stored data's (one min/max query, also made for need_first: the
  // outlier panels' history starts at first_ms).
  Range effective_range(DuckConnection& conn, const DashboardQuery& q, bool need_first = false);
  // The SQL a panel runs for this request and range (returned with its rows as "sql").
  [[nodiscard]] std::string panel_sql(const PanelDef& panel, const DashboardQuery& q, const Range& r);
  // route53query's range and account/VPC/instance/srcaddr filters; title, when given, gets the filters.
  [[nodiscard]] std::string geo_json() const;
  [[nodiscard]] static std::string records_where(const DashboardQuery& q, const Range& r, std::string* title);
  DuckDatabase& db_;
  const GeoDb* geo_;
};

// A result as {"columns":[...],"rows":[[...],...],"truncated":bool} with numbers unquoted; text
// values cut at kMaxCellBytes, rows left out once the JSON passes max_bytes.
[[nodiscard]] std::string result_json(const DuckResult& r, std::size_t max_bytes = kMaxResultBytes);
// The time-series bucket for a range: a round step giving at most kMaxBuckets buckets.
[[nodiscard]] std::int64_t dashboard_bucket_seconds(std::int64_t range_ms);

}  // namespace dnslens
