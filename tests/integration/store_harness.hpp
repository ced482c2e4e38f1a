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

}  // namespace dnslens::testing
