#pragma once
// Where the dashboards' SQL runs: the DuckDB store, or a ClickHouse database. A store answers a
// statement in its own dialect with rows as text, and says which columns are numbers, so the JSON the
// browser gets is the same from either.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/clickhouse/clickhouse_client.hpp"
#include "store/duckdb_api.hpp"

namespace dnslens {

enum class SqlDialect { kDuckDb, kClickHouse };

struct PanelRows {
  std::vector<std::string> columns;
  std::vector<bool> numeric;  // a JSON number (values inf and nan excepted)
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class DashboardStore {
 public:
  virtual ~DashboardStore() = default;
  [[nodiscard]] virtual SqlDialect dialect() const = 0;
  // Throws Error(kQuery) with the engine's message.
  [[nodiscard]] virtual PanelRows query(const std::string& sql) = 0;
  // A time as a literal its timestamps compare with.
  [[nodiscard]] virtual std::string timestamp_sql(std::int64_t ms) = 0;
  // A timestamp expression as Unix milliseconds.
  [[nodiscard]] virtual std::string epoch_ms_sql(std::string_view expression) = 0;
};

class DuckDashboardStore final : public DashboardStore {
 public:
  explicit DuckDashboardStore(DuckDatabase& db) : db_(db) {}
  [[nodiscard]] SqlDialect dialect() const override { return SqlDialect::kDuckDb; }
  [[nodiscard]] PanelRows query(const std::string& sql) override;
  [[nodiscard]] std::string timestamp_sql(std::int64_t ms) override;
  [[nodiscard]] std::string epoch_ms_sql(std::string_view expression) override;

 private:
  DuckDatabase& db_;
};

// Statements run read-only (readonly=2, or as the user's readonly=1 profile has them) in the configured
// database. Requests come from the HTTP
// server's threads at once: each takes an idle client (a kept-alive connection) or opens one.
class ClickHouseDashboardStore final : public DashboardStore {
 public:
  explicit ClickHouseDashboardStore(ClickHouseConfig config) : config_(std::move(config)) {}
  [[nodiscard]] SqlDialect dialect() const override { return SqlDialect::kClickHouse; }
  [[nodiscard]] PanelRows query(const std::string& sql) override;
  // A DateTime64 query_ts (20.1 and later) compares with milliseconds; a DateTime one (whole seconds)
  // with the second at or after the time, which selects the same rows.
  [[nodiscard]] std::string timestamp_sql(std::int64_t ms) override;
  [[nodiscard]] std::string epoch_ms_sql(std::string_view expression) override;

 private:
  // Whether query_ts is DateTime64: read once the table exists (the findings' times are as wide).
  [[nodiscard]] bool datetime64();
  ClickHouseConfig config_;
  std::optional<bool> datetime64_;  // under mutex_
  bool plain_ = false;              // no settings (a readonly=1 user); under mutex_
  std::mutex mutex_;
  std::vector<std::unique_ptr<ClickHouseClient>> idle_;
};

}  // namespace dnslens
