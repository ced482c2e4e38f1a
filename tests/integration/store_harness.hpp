#pragma once
// Reading single values back from a store in tests.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "store/duckdb_api.hpp"

namespace dnslens::testing {

// The one value a one-row query returns (the row count is checked).
inline std::int64_t scalar(DuckConnection& c, const std::string& sql) {
  DuckResult r = c.query(sql);
  EXPECT_EQ(r.rows(), 1u) << sql;
  return r.int64(0, 0);
}

// The first value of a query as text, "NULL" for NULL.
inline std::string text(DuckConnection& c, const std::string& sql) { return c.query(sql).text(0, 0).value_or("NULL"); }

// A result as ClickHouse's TabSeparated writes it (NULL as \N), to compare the two stores' answers.
inline std::string duck_tsv(DuckConnection& conn, const std::string& sql) {
  DuckResult r = conn.query(sql);
  std::string out;
  for (std::size_t row = 0; row < r.rows(); ++row) {
    for (std::size_t col = 0; col < r.columns(); ++col) {
      if (col) out += '\t';
      out += r.text(col, row).value_or("\\N");
    }
    out += '\n';
  }
  return out;
}

}  // namespace dnslens::testing
