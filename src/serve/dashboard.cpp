#include "serve/dashboard.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "core/timestamp.hpp"
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

std::string result_json(const DuckResult& r, std::size_t max_bytes) {
  std::string out = "{\"columns\":[";
  for (std::size_t c = 0; c < r.columns(); ++c) {
    out += c ? ",\"" : "\"";
    append_json_escaped_bytes(out, r.column_name(c));
    out += '"';
  }
  out += "],\"rows\":[";
  bool truncated = false;
  for (std::size_t row = 0; row < r.rows(); ++row) {
    if (out.size() > max_bytes) {
      truncated = true;
      break;
    }
    out += row ? ",[" : "[";
    for (std::size_t c = 0; c < r.columns(); ++c) {
      if (c) out += ',';
      auto v = r.text(c, row);
      if (!v) {
        out += "null";
      } else if (json_literal_type(r.column_type(c)) && *v != "inf" && *v != "-inf" && *v != "nan") {
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

std::string Dashboard::records_where(const DashboardQuery& q, const Range& r, std::string* title) {
  std::string where =
      fmt::format("query_ts >= {} AND query_ts < {}", sql_timestamp_ms(r.from_ms), sql_timestamp_ms(r.to_ms));
  for (const FilterColumn& c : kFilterColumns) {
    const std::string& value = q.*c.value;
    if (value.empty()) continue;
    where += fmt::format(" AND {} = {}", c.record_column, sql_quote(value));
    if (title) *title += fmt::format("{}{}={}", title->empty() ? "" : " ", c.record_column, value);
  }
  return where;
}

Dashboard::Range Dashboard::effective_range(DuckConnection& conn, const DashboardQuery& q, bool need_first) {
  Range r;
  if (q.from_ms && q.to_ms && !need_first) {  // the request names the range: no query
    r.from_ms = *q.from_ms;
    r.to_ms = *q.to_ms;
    return r;
  }
  DuckResult mm =
      conn.query(fmt::format("SELECT epoch_ms(min(query_ts)), epoch_ms(max(query_ts)) FROM {}", kQueryDataTable));
  const auto lo = mm.text(0, 0), hi = mm.text(1, 0);
  r.first_ms = lo ? std::stoll(*lo) : 0;
  if (q.from_ms && q.to_ms) {
    r.from_ms = *q.from_ms;
    r.to_ms = *q.to_ms;
    return r;
  }
  const std::int64_t now = unix_now_ms();
  r.from_ms = q.from_ms ? *q.from_ms : (lo ? std::stoll(*lo) : now - 86'400'000);
  r.to_ms = q.to_ms ? *q.to_ms : (hi ? std::stoll(*hi) + 1000 : now);
  if (r.to_ms <= r.from_ms) r.to_ms = r.from_ms + 1000;
  return r;
}

std::string Dashboard::panel_sql(const PanelDef& panel, const DashboardQuery& q, const Range& r) {
  std::string where = records_where(q, r, nullptr);
  std::string fwhere =
      fmt::format("last_seen >= {} AND first_seen < {}", sql_timestamp_ms(r.from_ms), sql_timestamp_ms(r.to_ms));
  for (const FilterColumn& c : kFilterColumns) {
    const std::string& value = q.*c.value;
    if (!value.empty()) fwhere += fmt::format(" AND {} = {}", c.finding_column, sql_quote(value));
  }
  std::string body = std::string(panel.sql);
  body = replace_all(body, "{bucket}",
                     fmt::format("to_seconds({}::BIGINT)", dashboard_bucket_seconds(r.to_ms - r.from_ms)));
  body = replace_all(body, "{from}", sql_timestamp_ms(r.from_ms));
  body = replace_all(body, "{to}", sql_timestamp_ms(r.to_ms));
  // A panel's own WITH joins the filter CTEs.
  std::string ctes =
      fmt::format("q AS (SELECT * FROM {} WHERE {}), f AS (SELECT rowid AS finding_id, * FROM {} WHERE {})",
                  kQueryTable, where, kFindingsTable, fwhere);
  if (panel.chart == PanelChart::kOutlier) {
    // qh: the records of the range and of the kOutlierHistory whole buckets before it, for a baseline,
    // aligned as time_bucket() aligns them (from 2000-01-03 UTC).
    constexpr std::int64_t kBucketOrigin = 946'857'600'000;
    const std::int64_t bucket_ms = 1000 * dashboard_bucket_seconds(r.to_ms - r.from_ms);
    const auto bucket_start = [&](std::int64_t t) {
      const std::int64_t d = t - kBucketOrigin;
      return kBucketOrigin + (d / bucket_ms - (d % bucket_ms < 0 ? 1 : 0)) * bucket_ms;
    };
    // Before the first stored record nothing was logged (no history, not zero queries); its bucket is
    // counted but is history only when the record opens it.
    const std::int64_t first_bucket = bucket_start(r.first_ms);
    Range history = r;
    history.from_ms = std::max(bucket_start(r.from_ms) - kOutlierHistory * bucket_ms, first_bucket);
    const std::int64_t history_start =
        std::max(history.from_ms, r.first_ms == first_bucket ? first_bucket : first_bucket + bucket_ms);
    body = replace_all(body, "{history_from}", sql_timestamp_ms(history.from_ms));
    body = replace_all(body, "{history_start}", sql_timestamp_ms(history_start));
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

std::string Dashboard::panel_json(std::string_view id, const DashboardQuery& q) {
  const PanelDef* panel = find_panel(id);
  if (!panel) throw Error(ErrorCode::kUsage, fmt::format("no panel '{}'", id));
  DuckConnection conn = db_.connect();
  const Range r = effective_range(conn, q, panel->chart == PanelChart::kOutlier);
  std::string head =
      fmt::format("{{\"id\":\"{}\",\"chart\":\"{}\",\"from\":\"{}\",\"to\":\"{}\",\"bucket_seconds\":{},", panel->id,
                  panel_chart_name(panel->chart), iso8601_seconds(r.from_ms), iso8601_seconds(r.to_ms),
                  dashboard_bucket_seconds(r.to_ms - r.from_ms));
  if (panel->chart == PanelChart::kMap && !(geo_ && geo_->has_country())) {
    return head +
           "\"columns\":[],\"rows\":[],\"note\":\"no country data is loaded (scripts/fetch-geo.sh installs the "
           "default; dnslens serve --geo-country FILE.mmdb uses another)\",\"sql\":null,\"ms\":0}";
  }
  const std::string sql = panel_sql(*panel, q, r);
  const auto start = std::chrono::steady_clock::now();
  DuckResult result = conn.query(sql);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::string body = result_json(result);
  std::string out = head + body.substr(1, body.size() - 2) + ",\"sql\":\"";
  append_json_escaped_bytes(out, sql);
  out += fmt::format("\",\"ms\":{:.2f}}}", ms);
  return out;
}

std::string Dashboard::records_json(const DashboardQuery& q) {
  DuckConnection conn = db_.connect();
  std::string where;
  std::string title;
  std::string finding = "null";  // the finding drilled into, as JSON
  std::string order;             // what sorts first, before the newest-first order
  if (!q.finding.empty()) {
    DuckResult f = conn.query(fmt::format(
        "SELECT source, domain, epoch_ms(first_seen), epoch_ms(last_seen), finding_type, json_object('type', "
        "finding_type, 'severity', severity, 'confidence', confidence, 'score', score, 'first_seen', "
        "strftime(first_seen, '%Y-%m-%d %H:%M:%S'), 'last_seen', strftime(last_seen, '%Y-%m-%d %H:%M:%S'), 'events', "
        "events, 'source', source, 'domain', domain, 'explanation', explanation, 'metrics', try_cast(metrics AS "
        "JSON), 'evidence', try_cast(evidence AS JSON))::VARCHAR FROM {} WHERE rowid = {}",
        kFindingsTable, q.finding));
    if (f.rows() == 0) throw Error(ErrorCode::kUsage, fmt::format("no finding {}", q.finding));
    const auto source = f.text(0, 0), domain = f.text(1, 0);
    where = fmt::format("query_ts >= {} AND query_ts <= {}", sql_timestamp_ms(std::stoll(f.text(2, 0).value_or("0"))),
                        sql_timestamp_ms(std::stoll(f.text(3, 0).value_or("0"))));
    if (source) where += fmt::format(" AND source = {}", sql_quote(*source));
    if (domain) {
      where += fmt::format(
          " AND (registered_domain = {0} OR query_name_normalized = {0} OR query_name_normalized LIKE {1} "
          "OR threat_indicator = {0})",
          sql_quote(*domain), sql_quote("%." + *domain));
    }
    title = fmt::format("{} {} {}", f.text(4, 0).value_or(""), source.value_or(""), domain.value_or(""));
    finding = f.text(5, 0).value_or("null");
    // The records that made the finding first: the names that scored as DGA, the reverse lookups of a
    // sweep, the failed lookups of an NXDOMAIN anomaly.
    const std::string type = f.text(4, 0).value_or("");
    if (type == "DGADomainRequest")
      order = "dga_score DESC NULLS LAST, ";
    else if (type == "ReverseDNSSweep")
      order = "(query_type = 'PTR') DESC, ";
    else if (type == "VolumeAnomaly" && finding.find("\"nxdomain\"") != std::string::npos)
      order = "(rcode = 'NXDOMAIN') DESC, ";
  } else {
    const Range r = effective_range(conn, q);
    where = records_where(q, r, &title);
    auto add = [&](std::string_view column, const std::string& value) {
      if (value.empty()) return;
      where += fmt::format(" AND {} = {}", column, sql_quote(value));
      title += fmt::format("{}{}={}", title.empty() ? "" : " ", column, value);
    };
    if (!q.domain.empty()) {  // as the domain panels name it: the registered domain, else the name
      where += fmt::format(" AND coalesce(registered_domain, query_name_normalized) = {}", sql_quote(q.domain));
      title += fmt::format("{}domain={}", title.empty() ? "" : " ", q.domain);
    }
    add("query_name_normalized", q.name);
    add("source", q.source);
    if (!q.country.empty()) {
      where +=
          fmt::format(" AND len(list_filter(answers, lambda a: a.Type = 'A' AND dnslens_country(a.Rdata) = {})) > 0",
                      sql_quote(q.country));
      title += fmt::format("{}answers in {}", title.empty() ? "" : " ", q.country);
    }
  }
  const std::string sql = fmt::format(
      "SELECT strftime(query_ts, '%Y-%m-%d %H:%M:%S') AS time, left(query_name, {0}) AS name, query_type AS type, "
      "rcode, source, "
      "srcaddr, vpc_id, coalesce(registered_domain, query_name_normalized) AS domain, "
      "left(array_to_string(list_transform(answers, lambda a: "
      "a.Rdata), ' '), {0}) AS answers, round(dga_score, 3) AS dga_score, firewall_rule_action AS firewall, "
      "threat_indicator AS threat FROM {1} WHERE {2} ORDER BY {3}query_ts DESC, query_name LIMIT {4}",
      kMaxCellBytes, kQueryTable, where, order, std::min(q.limit, kMaxRecordsLimit));
  DuckResult result = conn.query(sql);
  const std::string total =
      conn.query(fmt::format("SELECT count(*) FROM {} WHERE {}", kQueryTable, where)).text(0, 0).value_or("0");
  std::string body = result_json(result);
  std::string out = "{\"title\":\"";
  append_json_escaped_bytes(out, title);
  out +=
      fmt::format("\",\"total\":{},\"finding\":{},", total, finding) + body.substr(1, body.size() - 2) + ",\"sql\":\"";
  append_json_escaped_bytes(out, sql);
  return out + "\"}";
}

std::string Dashboard::catalog_json() {
  DuckConnection conn = db_.connect();
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
  DuckResult mm =
      conn.query(fmt::format("SELECT epoch_ms(min(query_ts)), epoch_ms(max(query_ts)), count(*) FROM {}", kQueryTable));
  const auto lo = mm.text(0, 0), hi = mm.text(1, 0);
  out += fmt::format("\"range\":{{\"min\":{},\"max\":{},\"records\":{}}},", lo ? *lo : "null", hi ? *hi : "null",
                     mm.text(2, 0).value_or("0"));
  out += "\"filters\":{";
  const std::pair<const char*, const char*> filters[] = {
      {"account", "account_id"}, {"vpc", "vpc_id"}, {"instance", "srcids.instance"}, {"srcaddr", "srcaddr"}};
  first = true;
  for (const auto& [key, column] : filters) {
    DuckResult values = conn.query(fmt::format(
        "SELECT {0} AS v, count(*) n FROM {1} WHERE {0} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 500", column,
        kQueryTable));
    out += fmt::format("{}\"{}\":[", first ? "" : ",", key);
    first = false;
    for (std::size_t i = 0; i < values.rows(); ++i) {
      out += i ? ",\"" : "\"";
      append_json_escaped_bytes(out, values.text(0, i).value_or(""));
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
