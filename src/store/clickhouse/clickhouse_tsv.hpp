#pragma once
// ClickHouse's TabSeparatedWithNames and TabSeparatedWithNamesAndTypes results as text: the column
// names, their types (WithNamesAndTypes), and each row's values with NULL (\N) as nullopt and the
// backslash escapes undone.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnslens {

struct ClickHouseTable {
  std::vector<std::string> names;
  std::vector<std::string> types;  // empty for TabSeparatedWithNames
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// with_types: the second line holds the columns' types (TabSeparatedWithNamesAndTypes).
[[nodiscard]] ClickHouseTable parse_clickhouse_tsv(std::string_view body, bool with_types);

// Whether a value of this ClickHouse type is a JSON number (integers, floats, decimals; Nullable and
// LowCardinality looked through).
[[nodiscard]] bool clickhouse_numeric_type(std::string_view type);

}  // namespace dnslens
