#include "serve/dashboard_store.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "store/clickhouse/clickhouse_tsv.hpp"

namespace dnslens {

PanelRows DuckDashboardStore::query(const std::string& sql) {
  DuckConnection conn = db_.connect();
  DuckResult r = conn.query(sql);
  PanelRows out;
  for (std::size_t c = 0; c < r.columns(); ++c) {
    out.columns.emplace_back(r.column_name(c));
    out.numeric.push_back(json_literal_type(r.column_type(c)));
  }
  out.rows.reserve(r.rows());
  for (std::size_t row = 0; row < r.rows(); ++row) {
    auto& cells = out.rows.emplace_back();
    cells.reserve(r.columns());
    for (std::size_t c = 0; c < r.columns(); ++c) cells.push_back(r.text(c, row));
  }
  return out;
}

std::string DuckDashboardStore::timestamp_sql(std::int64_t ms) { return sql_timestamp_ms(ms); }

std::string DuckDashboardStore::epoch_ms_sql(std::string_view expression) {
  return fmt::format("epoch_ms({})", expression);
}

bool ClickHouseDashboardStore::datetime64() {
  {
    std::lock_guard lock(mutex_);
    if (datetime64_) return *datetime64_;
  }
  const PanelRows t = query(fmt::format(
      "SELECT type FROM system.columns WHERE database = {} AND table = 'route53query' AND name = 'query_ts'",
      clickhouse_quote(config_.database)));
  if (t.rows.empty() || t.rows[0].empty() || !t.rows[0][0]) return false;  // no table yet: asked again later
  const bool wide = t.rows[0][0]->starts_with("DateTime64");
  std::lock_guard lock(mutex_);
  datetime64_ = wide;
  return wide;
}

std::string ClickHouseDashboardStore::epoch_ms_sql(std::string_view expression) {
  return datetime64() ? fmt::format("toUnixTimestamp64Milli({})", expression)
                      : fmt::format("toUInt64(toUInt32({})) * 1000", expression);
}

std::string ClickHouseDashboardStore::timestamp_sql(std::int64_t ms) {
  const bool wide = datetime64();
  if (wide) {
    const std::int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    std::string seconds = iso8601_seconds(s * 1000).substr(0, 19);  // YYYY-MM-DDTHH:MM:SS
    seconds[10] = ' ';
    return fmt::format("toDateTime64('{}.{:03}', 3, 'UTC')", seconds, ms - s * 1000);
  }
  const std::int64_t s = ms >= 0 ? (ms + 999) / 1000 : ms / 1000;  // the second at or after ms
  return fmt::format("toDateTime({}, 'UTC')", s);
}

PanelRows ClickHouseDashboardStore::query(const std::string& sql) {
  std::unique_ptr<ClickHouseClient> client;
  bool plain = false;
  {
    std::lock_guard lock(mutex_);
    plain = plain_;
    if (!idle_.empty()) {
      client = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!client) client = std::make_unique<ClickHouseClient>(config_);
  // The format in the statement, and settings only where the user may set them: a user whose profile
  // is readonly=1 may change none, so after that refusal (READONLY, 164) the statements go without.
  const std::string statement = sql + "\nFORMAT TabSeparatedWithNamesAndTypes";
  const std::map<std::string, std::string> settings{{"database", config_.database},
                                                    {"readonly", "2"},
                                                    // the panels' filters into their {q} subquery (18.16 has it off)
                                                    {"enable_optimize_predicate_expression", "1"},
                                                    // the country drill-down names its addresses
                                                    {"max_query_size", "16777216"}};
  std::string body;
  try {
    body =
        client->query(statement, plain ? std::map<std::string, std::string>{{"database", config_.database}} : settings,
                      /*idempotent=*/true);
  } catch (const Error& e) {
    if (plain || std::string_view(e.what()).find("Code: 164") == std::string_view::npos) throw;
    {
      std::lock_guard lock(mutex_);
      plain_ = true;
    }
    body = client->query(statement, {{"database", config_.database}}, /*idempotent=*/true);
  }
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(client));
  }
  ClickHouseTable t = parse_clickhouse_tsv(body, /*with_types=*/true);
  PanelRows out;
  out.columns = std::move(t.names);
  for (const std::string& type : t.types) out.numeric.push_back(clickhouse_numeric_type(type));
  out.numeric.resize(out.columns.size(), false);
  out.rows = std::move(t.rows);
  return out;
}

}  // namespace dnslens
