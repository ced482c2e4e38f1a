#include "store/duckdb_api.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/store_text.hpp"

namespace dnslens {

DuckDatabase::DuckDatabase(const std::string& path, bool read_only, unsigned threads) : path_(path) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess)
    throw Error(ErrorCode::kInternal, "DuckDB: cannot create a config");
  if (read_only) {
    duckdb_set_config(config, "access_mode", "READ_ONLY");
  } else {
    // FSST is the costliest of DuckDB's string compressions to write (symbol-table training and bulk
    // compression per segment): without it loading is ~17% faster for a ~15% larger file, and
    // dictionary compression still covers the repetitive columns.
    duckdb_set_config(config, "disabled_compression_methods", "fsst");
  }
  if (threads > 0) duckdb_set_config(config, "threads", std::to_string(threads).c_str());
  char* error = nullptr;
  const duckdb_state state = duckdb_open_ext(path.c_str(), &db_, config, &error);
  duckdb_destroy_config(&config);
  if (state != DuckDBSuccess) {
    std::string why = error != nullptr ? error : "unknown error";
    if (error != nullptr) duckdb_free(error);
    throw Error(ErrorCode::kIo, fmt::format("cannot open the DuckDB database {}: {}", path, why));
  }
}

DuckDatabase::~DuckDatabase() {
  if (db_ != nullptr) duckdb_close(&db_);
}

DuckConnection DuckDatabase::connect() { return DuckConnection(db_); }

DuckConnection::DuckConnection(duckdb_database db) {
  if (duckdb_connect(db, &conn_) != DuckDBSuccess) throw Error(ErrorCode::kIo, "DuckDB: cannot open a connection");
}

DuckConnection::~DuckConnection() {
  if (conn_ != nullptr) duckdb_disconnect(&conn_);
}

DuckResult DuckConnection::query(std::string_view sql) {
  duckdb_result result;
  const std::string text(sql);
  if (duckdb_query(conn_, text.c_str(), &result) != DuckDBSuccess) {
    const char* e = duckdb_result_error(&result);
    std::string why = e != nullptr ? e : "unknown error";
    duckdb_destroy_result(&result);
    throw Error(ErrorCode::kQuery, fmt::format("SQL failed: {}", why));
  }
  return DuckResult(result);
}

void DuckConnection::exec(std::string_view sql) { (void)query(sql); }

std::vector<DuckResult> DuckConnection::query_all(std::string_view sql) {
  const std::string text(sql);
  duckdb_extracted_statements extracted = nullptr;
  const idx_t n = duckdb_extract_statements(conn_, text.c_str(), &extracted);
  struct Extracted {
    duckdb_extracted_statements& e;
    ~Extracted() { duckdb_destroy_extracted(&e); }
  } guard{extracted};
  if (n == 0) {
    const char* e = duckdb_extract_statements_error(extracted);
    if (e != nullptr) throw Error(ErrorCode::kQuery, fmt::format("SQL failed: {}", e));
    return {};
  }
  std::vector<DuckResult> out;
  for (idx_t i = 0; i < n; ++i) {
    duckdb_prepared_statement prepared = nullptr;
    if (duckdb_prepare_extracted_statement(conn_, extracted, i, &prepared) != DuckDBSuccess) {
      const char* e = duckdb_prepare_error(prepared);
      std::string why = e != nullptr ? e : "unknown error";
      duckdb_destroy_prepare(&prepared);
      throw Error(ErrorCode::kQuery, fmt::format("SQL failed: {}", why));
    }
    duckdb_result result;
    const duckdb_state state = duckdb_execute_prepared(prepared, &result);
    duckdb_destroy_prepare(&prepared);
    if (state != DuckDBSuccess) {
      const char* e = duckdb_result_error(&result);
      std::string why = e != nullptr ? e : "unknown error";
      duckdb_destroy_result(&result);
      throw Error(ErrorCode::kQuery, fmt::format("SQL failed: {}", why));
    }
    out.emplace_back(result);
  }
  return out;
}

std::vector<std::pair<std::string, duckdb_type>> DuckConnection::single_select_columns(std::string_view sql) {
  const std::string text(sql);
  duckdb_extracted_statements extracted = nullptr;
  const idx_t n = duckdb_extract_statements(conn_, text.c_str(), &extracted);
  struct Guard {
    duckdb_extracted_statements& e;
    duckdb_prepared_statement p = nullptr;
    ~Guard() {
      duckdb_destroy_prepare(&p);
      duckdb_destroy_extracted(&e);
    }
  } guard{extracted};
  std::vector<std::pair<std::string, duckdb_type>> out;
  if (n != 1 || duckdb_prepare_extracted_statement(conn_, extracted, 0, &guard.p) != DuckDBSuccess ||
      duckdb_prepared_statement_type(guard.p) != DUCKDB_STATEMENT_TYPE_SELECT) {
    return out;
  }
  const idx_t cols = duckdb_prepared_statement_column_count(guard.p);
  for (idx_t c = 0; c < cols; ++c) {
    const char* name = duckdb_prepared_statement_column_name(guard.p, c);  // a copy the caller frees
    out.emplace_back(name != nullptr ? name : "", duckdb_prepared_statement_column_type(guard.p, c));
    duckdb_free(const_cast<char*>(name));
  }
  return out;
}

DuckResult::~DuckResult() {
  if (owned_) duckdb_destroy_result(&result_);
}

DuckResult::DuckResult(DuckResult&& o) noexcept : result_(o.result_), owned_(o.owned_) { o.owned_ = false; }

DuckResult& DuckResult::operator=(DuckResult&& o) noexcept {
  if (this != &o) {
    if (owned_) duckdb_destroy_result(&result_);
    result_ = o.result_;
    owned_ = o.owned_;
    o.owned_ = false;
  }
  return *this;
}

std::size_t DuckResult::columns() const { return owned_ ? duckdb_column_count(&result_) : 0; }
std::size_t DuckResult::rows() const { return owned_ ? duckdb_row_count(&result_) : 0; }
std::uint64_t DuckResult::rows_changed() const { return owned_ ? duckdb_rows_changed(&result_) : 0; }

std::string DuckResult::column_name(std::size_t col) const {
  const char* n = duckdb_column_name(&result_, col);
  return n != nullptr ? n : "";
}

duckdb_type DuckResult::column_type(std::size_t col) const { return duckdb_column_type(&result_, col); }

std::optional<std::string> DuckResult::text(std::size_t col, std::size_t row) const {
  if (duckdb_value_is_null(&result_, col, row)) return std::nullopt;
  char* v = duckdb_value_varchar(&result_, col, row);
  if (v == nullptr) return std::nullopt;
  std::string out(v);
  duckdb_free(v);
  return out;
}

std::int64_t DuckResult::int64(std::size_t col, std::size_t row) const {
  return duckdb_value_int64(&result_, col, row);
}
double DuckResult::real(std::size_t col, std::size_t row) const { return duckdb_value_double(&result_, col, row); }

DuckAppender::DuckAppender(DuckConnection& conn, const std::string& table) : table_(table) {
  if (duckdb_appender_create(conn.handle(), nullptr, table.c_str(), &appender_) != DuckDBSuccess) {
    const char* e = appender_ != nullptr ? duckdb_appender_error(appender_) : nullptr;
    std::string why = e != nullptr ? e : "unknown error";
    if (appender_ != nullptr) duckdb_appender_destroy(&appender_);
    throw Error(ErrorCode::kIo, fmt::format("DuckDB: cannot append to {}: {}", table, why));
  }
}

DuckAppender::~DuckAppender() {
  if (appender_ != nullptr) duckdb_appender_destroy(&appender_);  // flushes what is left; errors are lost here
}

void DuckAppender::check(duckdb_state state, std::string_view what) {
  if (state == DuckDBSuccess) return;
  const char* e = duckdb_appender_error(appender_);
  throw Error(ErrorCode::kIo,
              fmt::format("DuckDB: {} {} failed: {}", what, table_, e != nullptr ? e : "unknown error"));
}

void DuckAppender::append(duckdb_data_chunk chunk) {
  check(duckdb_append_data_chunk(appender_, chunk), "appending to");
}

void DuckAppender::append_text(std::string_view text) {
  if (!storable_text(text)) {
    repair_text(text, repaired_);
    text = repaired_;
  }
  check(duckdb_append_varchar_length(appender_, text.data(), text.size()), "appending text to");
}

void DuckAppender::append_int64(std::int64_t value) { check(duckdb_append_int64(appender_, value), "appending to"); }

void DuckAppender::append_timestamp_ms(std::int64_t unix_ms) {
  check(duckdb_append_timestamp(appender_, duckdb_timestamp{unix_ms * 1000}), "appending a timestamp to");
}

void DuckAppender::append_null() { check(duckdb_append_null(appender_), "appending to"); }
void DuckAppender::end_row() { check(duckdb_appender_end_row(appender_), "ending a row of"); }

void DuckAppender::flush() { check(duckdb_appender_flush(appender_), "flushing"); }

std::vector<duckdb_logical_type> DuckAppender::column_types() const {
  std::vector<duckdb_logical_type> out;
  const idx_t n = duckdb_appender_column_count(appender_);
  for (idx_t i = 0; i < n; ++i) out.push_back(duckdb_appender_column_type(appender_, i));
  return out;
}

bool json_literal_type(duckdb_type t) {
  switch (t) {
    case DUCKDB_TYPE_BOOLEAN:
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_DECIMAL:
      return true;
    default:
      return false;
  }
}

duckdb_scalar_function make_scalar_function(const char* name, std::initializer_list<duckdb_type> params,
                                            duckdb_type result, duckdb_scalar_function_t fn, void* extra) {
  duckdb_scalar_function f = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(f, name);
  for (duckdb_type p : params) {
    DuckType type(duckdb_create_logical_type(p));
    duckdb_scalar_function_add_parameter(f, type.get());
  }
  DuckType out(duckdb_create_logical_type(result));
  duckdb_scalar_function_set_return_type(f, out.get());
  duckdb_scalar_function_set_special_handling(f);
  if (extra != nullptr) duckdb_scalar_function_set_extra_info(f, extra, nullptr);
  duckdb_scalar_function_set_function(f, fn);
  return f;
}

void register_scalar_function(DuckConnection& conn, const char* name,
                              std::initializer_list<std::initializer_list<duckdb_type>> overloads, duckdb_type result,
                              duckdb_scalar_function_t fn, void* extra) {
  duckdb_scalar_function_set set = duckdb_create_scalar_function_set(name);
  bool added = true;
  for (std::initializer_list<duckdb_type> params : overloads) {
    duckdb_scalar_function f = make_scalar_function(name, params, result, fn, extra);
    added = added && duckdb_add_scalar_function_to_set(set, f) == DuckDBSuccess;
    duckdb_destroy_scalar_function(&f);
  }
  const duckdb_state state = added ? duckdb_register_scalar_function_set(conn.handle(), set) : DuckDBError;
  duckdb_destroy_scalar_function_set(&set);
  if (state != DuckDBSuccess) throw Error(ErrorCode::kIo, std::string("cannot register SQL function ") + name);
}

std::string duckdb_version() { return duckdb_library_version(); }

std::string sql_quote(std::string_view text) {
  std::string repaired;
  if (!storable_text(text)) {
    repair_text(text, repaired);
    text = repaired;
  }
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string sql_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string sql_quote_or_null(std::string_view text) { return text.empty() ? std::string("NULL") : sql_quote(text); }

std::string sql_timestamp_ms(std::int64_t ms) { return fmt::format("make_timestamp({}::BIGINT * 1000)", ms); }

}  // namespace dnslens
