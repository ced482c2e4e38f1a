#pragma once
// Records back out of ClickHouse as the Route 53 query-log lines they were read from: every logged
// field is a column of route53query (query_timestamp keeps the logged text), so a line rebuilt from
// them parses and enriches as the original did. Read hour by hour in query_ts order (bounded memory),
// as RowBinary.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "store/clickhouse/clickhouse_client.hpp"
#include "store/clickhouse/clickhouse_schema.hpp"

namespace dnslens {

struct ClickHouseExportStats {
  std::uint64_t records = 0;
  std::uint64_t queries = 0;  // SELECTs sent (one per hour)
};

// Calls line(text) for each record with from_ms <= query_ts < until_ms, in query_ts order (ties in
// name, address, port order); text has no newline. Throws Error with the server's message.
ClickHouseExportStats export_clickhouse_lines(ClickHouseClient& client, const ClickHouseSchemaOptions& schema,
                                              std::int64_t from_ms, std::int64_t until_ms,
                                              const std::function<void(std::string_view)>& line);

// One RowBinary row of the export's SELECT as a Route 53 JSON line (appended to out); the number of
// bytes of row it used, 0 when row is cut short.
std::size_t clickhouse_row_to_line(std::string_view row, std::string& out);

}  // namespace dnslens
