#pragma once
// Thin RAII over DuckDB's C API: a database file and its connections, query results, appenders and
// data chunks. Failures throw Error(kIo) carrying DuckDB's own message.
#include <duckdb.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnslens {

class DuckConnection;

class DuckDatabase {
 public:
  // path: a database file (created when missing) or ":memory:". threads 0: DuckDB's default.
  explicit DuckDatabase(const std::string& path, bool read_only = false, unsigned threads = 0);
  ~DuckDatabase();
  DuckDatabase(const DuckDatabase&) = delete;
  DuckDatabase& operator=(const DuckDatabase&) = delete;

  [[nodiscard]] DuckConnection connect();
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  duckdb_database db_ = nullptr;
};

// A materialized result. Values are read as text (NULL as nullopt): what `dnslens sql` prints and
// what tests compare; the dashboards' API reads typed values through DuckDB's JSON functions.
class DuckResult {
 public:
  DuckResult() = default;
  explicit DuckResult(duckdb_result r) : result_(r), owned_(true) {}
  ~DuckResult();
  DuckResult(DuckResult&& o) noexcept;
  DuckResult& operator=(DuckResult&& o) noexcept;

  [[nodiscard]] std::size_t columns() const;
  [[nodiscard]] std::size_t rows() const;
  [[nodiscard]] std::string column_name(std::size_t col) const;
  [[nodiscard]] duckdb_type column_type(std::size_t col) const;
  [[nodiscard]] std::optional<std::string> text(std::size_t col, std::size_t row) const;
  [[nodiscard]] std::int64_t int64(std::size_t col, std::size_t row) const;
  [[nodiscard]] double real(std::size_t col, std::size_t row) const;
  [[nodiscard]] std::uint64_t rows_changed() const;

 private:
  mutable duckdb_result result_{};
  bool owned_ = false;
};

class DuckConnection {
 public:
  explicit DuckConnection(duckdb_database db);
  ~DuckConnection();
  DuckConnection(DuckConnection&& o) noexcept : conn_(o.conn_) { o.conn_ = nullptr; }
  DuckConnection(const DuckConnection&) = delete;
  DuckConnection& operator=(const DuckConnection&) = delete;

  void exec(std::string_view sql);                       // throws on error
  [[nodiscard]] DuckResult query(std::string_view sql);  // throws on error
  // Several statements separated by ';' (split by DuckDB's own parser): one result each.
  [[nodiscard]] std::vector<DuckResult> query_all(std::string_view sql);
  // The result columns (name, type) of sql when it is exactly one SELECT (as DuckDB's parser sees
  // it), else empty. Prepares without running it.
  [[nodiscard]] std::vector<std::pair<std::string, duckdb_type>> single_select_columns(std::string_view sql);
  [[nodiscard]] duckdb_connection handle() const { return conn_; }

 private:
  duckdb_connection conn_ = nullptr;
};

// Appends whole data chunks to one table.
class DuckAppender {
 public:
  DuckAppender(DuckConnection& conn, const std::string& table);
  ~DuckAppender();
  DuckAppender(const DuckAppender&) = delete;
  DuckAppender& operator=(const DuckAppender&) = delete;

  void append(duckdb_data_chunk chunk);
  // Row by row, a value per column in order, then end_row(): for tables that get a few rows per
  // batch (dead letters), where building a chunk is not worth it. Text that is not storable is
  // repaired first (store_text.hpp).
  void append_text(std::string_view text);
  void append_int64(std::int64_t value);
  void append_timestamp_ms(std::int64_t unix_ms);
  void append_null();
  void end_row();
  void flush();  // makes what was appended part of the table (committed in auto-commit mode)
  [[nodiscard]] std::vector<duckdb_logical_type> column_types() const;  // caller destroys them

 private:
  void check(duckdb_state state, std::string_view what);
  duckdb_appender appender_ = nullptr;
  std::string table_;
  std::string repaired_;  // reused, so repairing text allocates only when it grows
};

// Owns a logical type.
class DuckType {
 public:
  explicit DuckType(duckdb_logical_type t) : type_(t) {}
  ~DuckType() {
    if (type_) duckdb_destroy_logical_type(&type_);
  }
  DuckType(DuckType&& o) noexcept : type_(o.type_) { o.type_ = nullptr; }
  DuckType(const DuckType&) = delete;
  DuckType& operator=(const DuckType&) = delete;
  [[nodiscard]] duckdb_logical_type get() const { return type_; }

 private:
  duckdb_logical_type type_;
};

// A scalar SQL function of these parameter types, for DuckDB to call with `extra` as its extra info (not
// owned). NULL in, NULL out is the function's own business (special handling: it checks validity).
// The caller registers and destroys it.
[[nodiscard]] duckdb_scalar_function make_scalar_function(const char* name, std::initializer_list<duckdb_type> params,
                                                          duckdb_type result, duckdb_scalar_function_t fn,
                                                          void* extra = nullptr);
// make_scalar_function, registered on the connection's database (every connection has it); one function
// per entry of `overloads` (its parameter types), all under one name. Throws Error(kIo) naming the function.
void register_scalar_function(DuckConnection& conn, const char* name,
                              std::initializer_list<std::initializer_list<duckdb_type>> overloads, duckdb_type result,
                              duckdb_scalar_function_t fn, void* extra = nullptr);

[[nodiscard]] std::string duckdb_version();
// Types whose text form is a JSON literal as it stands (numbers, booleans); inf/nan are not.
[[nodiscard]] bool json_literal_type(duckdb_type t);

// SQL string literal: 'text' with quotes doubled (text that is not storable is repaired first).
[[nodiscard]] std::string sql_quote(std::string_view text);
// sql_quote, or NULL for empty text.
[[nodiscard]] std::string sql_quote_or_null(std::string_view text);
// A double-quoted SQL identifier ("" inside).
[[nodiscard]] std::string sql_identifier(std::string_view name);
// A TIMESTAMP (UTC) literal for Unix milliseconds.
[[nodiscard]] std::string sql_timestamp_ms(std::int64_t ms);

}  // namespace dnslens
