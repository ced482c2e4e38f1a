// dnslens sql: SQL over the embedded store (the same table and column names as the Athena table).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/geo_options.hpp"
#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "store/duckdb_api.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "store/athena_sql.hpp"
#include "store/clickhouse/clickhouse_client.hpp"
#include "store/clickhouse/clickhouse_tsv.hpp"
#include "store/dga_functions.hpp"
#include "store/geo_functions.hpp"
#include "store/store_writer.hpp"

namespace dnslens::cli {

namespace {

struct SqlOptions {
  std::string db = "dnslens.duckdb";
  std::string format = "table";
  std::string query;
  bool write = false;
  std::size_t max_width = 60;
  std::string dga_model;
  GeoOptions geo;
  ClickHouseOptions clickhouse;
};

// Display width in code points (good enough for log text; no East Asian width tables).
std::size_t width_of(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

std::string clip(const std::string& s, std::size_t max) {
  if (width_of(s) <= max) return s;
  std::string out;
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xc0) != 0x80 && ++n > max - 1) break;
    out += s[i];
  }
  return out + "…";
}

bool nested_type(duckdb_type t) {
  return t == DUCKDB_TYPE_LIST || t == DUCKDB_TYPE_STRUCT || t == DUCKDB_TYPE_MAP || t == DUCKDB_TYPE_ARRAY ||
         t == DUCKDB_TYPE_UNION;
}

// The types DuckDB's C API gives text for, one value at a time. Others come back as NULL (TIMESTAMPTZ,
// TIMETZ, ENUM, BIT, VARINT, the TIMESTAMP_S/MS/NS units) or, for a UUID column, crash the reading of the
// result; nested values (LIST, STRUCT, ...) have no text either.
bool plain_type(duckdb_type t) {
  if (json_literal_type(t)) return true;  // the numbers and BOOLEAN
  switch (t) {
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BLOB:
    case DUCKDB_TYPE_DATE:
    case DUCKDB_TYPE_TIME:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_INTERVAL:
    case DUCKDB_TYPE_SQLNULL:
      return true;
    default:
      return false;
  }
}

// How a column prints: as its text; as JSON text (a nested value, written as it is in --format json); or
// not at all (NULL, with a note), when a statement that could not be rewritten returns a type without text.
enum class Shown : std::uint8_t { kText, kJson, kHidden };

std::optional<std::string> cell(const DuckResult& r, const std::vector<Shown>& shown, std::size_t c, std::size_t row) {
  if (c < shown.size() && shown[c] == Shown::kHidden) return std::nullopt;
  return r.text(c, row);
}

bool json_text(const std::vector<Shown>& shown, std::size_t c) { return c < shown.size() && shown[c] == Shown::kJson; }

// A result as text: its column names and each row's values (nullopt: NULL).
struct TextTable {
  std::vector<std::string> names;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// RFC 4180: a header line, a field quoted only when it holds a comma, a quote or a line break; NULL is empty.
std::string render_csv(const TextTable& t) {
  std::string out;
  auto field = [&](std::string_view v) {
    if (v.find_first_of(",\"\n\r") == std::string_view::npos) {
      out += v;
      return;
    }
    out += '"';
    for (char ch : v) {
      if (ch == '"') out += '"';
      out += ch;
    }
    out += '"';
  };
  for (std::size_t c = 0; c < t.names.size(); ++c) {
    if (c) out += ',';
    field(t.names[c]);
  }
  out += '\n';
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) out += ',';
      field(row[c].value_or(""));
    }
    out += '\n';
  }
  return out;
}

// Aligned columns, cells clipped to max_width, and the row count.
std::string render_table(const TextTable& t, std::size_t max_width) {
  const std::size_t cols = t.names.size(), rows = t.rows.size();
  std::string out;
  std::vector<std::vector<std::string>> cells(rows + 1, std::vector<std::string>(cols));
  std::vector<std::size_t> width(cols, 0);
  for (std::size_t c = 0; c < cols; ++c) {
    cells[0][c] = clip(t.names[c], max_width);
    width[c] = width_of(cells[0][c]);
  }
  for (std::size_t row = 0; row < rows; ++row) {
    for (std::size_t c = 0; c < cols; ++c) {
      cells[row + 1][c] = clip(c < t.rows[row].size() ? t.rows[row][c].value_or("NULL") : "", max_width);
      width[c] = std::max(width[c], width_of(cells[row + 1][c]));
    }
  }
  auto line = [&](const std::vector<std::string>& v) {
    for (std::size_t c = 0; c < cols; ++c) {
      out += c ? " | " : "";
      out += v[c];
      if (c + 1 < cols) out.append(width[c] - width_of(v[c]), ' ');
    }
    out += '\n';
  };
  line(cells[0]);
  for (std::size_t c = 0; c < cols; ++c) {
    out += c ? "-+-" : "";
    out.append(width[c], '-');
  }
  out += '\n';
  for (std::size_t row = 0; row < rows; ++row) line(cells[row + 1]);
  out += fmt::format("({} row{})\n", rows, rows == 1 ? "" : "s");
  return out;
}

std::string render(const DuckResult& r, const SqlOptions& o, const std::vector<Shown>& shown) {
  const std::size_t cols = r.columns(), rows = r.rows();
  std::string out;
  if (o.format == "json") {
    for (std::size_t row = 0; row < rows; ++row) {
      out += '{';
      for (std::size_t c = 0; c < cols; ++c) {
        if (c) out += ',';
        out += '"';
        append_json_escaped_bytes(out, r.column_name(c));
        out += "\":";
        auto v = cell(r, shown, c, row);
        if (!v)
          out += "null";
        else if (json_text(shown, c))
          out += *v;
        else if (json_literal_type(r.column_type(c)) && *v != "inf" && *v != "-inf" && *v != "nan")
          out += *v;
        else {
          out += '"';
          append_json_escaped_bytes(out, *v);
          out += '"';
        }
      }
      out += "}\n";
    }
    return out;
  }
  TextTable t;
  for (std::size_t c = 0; c < cols; ++c) t.names.push_back(r.column_name(c));
  for (std::size_t row = 0; row < rows; ++row) {
    auto& cells = t.rows.emplace_back();
    for (std::size_t c = 0; c < cols; ++c) cells.push_back(cell(r, shown, c, row));
  }
  return o.format == "csv" ? render_csv(t) : render_table(t, o.max_width);
}

// A single SELECT whose columns are not all plain runs as SELECT #1 AS name, to_json(#2)::VARCHAR AS name,
// CAST(#3 AS VARCHAR) AS name, ... FROM (statement): the same rows in the same order, nested values as
// JSON and the other types as DuckDB writes them as text. Empty when no rewrite is needed.
std::string rewrite_for_text(DuckConnection& conn, const std::string& sql, std::vector<Shown>& shown) {
  const auto columns = conn.single_select_columns(sql);
  shown.assign(columns.size(), Shown::kText);
  bool rewrite = false;
  for (const auto& column : columns) rewrite = rewrite || !plain_type(column.second);
  if (!rewrite) return {};
  std::string body = sql;
  while (!body.empty() && (std::isspace(static_cast<unsigned char>(body.back())) != 0 || body.back() == ';'))
    body.pop_back();
  std::string out = "SELECT ";
  for (std::size_t c = 0; c < columns.size(); ++c) {
    out += c ? ", " : "";
    if (nested_type(columns[c].second)) {
      shown[c] = Shown::kJson;
      out += fmt::format("to_json(#{})::VARCHAR", c + 1);
    } else if (!plain_type(columns[c].second)) {
      out += fmt::format("CAST(#{} AS VARCHAR)", c + 1);
    } else {
      out += fmt::format("#{}", c + 1);
    }
    out += " AS " + sql_identifier(columns[c].first);
  }
  return out + " FROM (\n" + body + "\n) AS dnslens_text";
}

int run_one(DuckConnection& conn, const std::string& sql, const SqlOptions& o) {
  std::vector<Shown> shown;
  const std::string rewritten = rewrite_for_text(conn, sql, shown);
  std::vector<DuckResult> results;
  if (!rewritten.empty()) {
    try {
      results = conn.query_all(rewritten);
    } catch (const Error&) {  // not usable as a subquery (a ';' before a trailing comment, ...): run it as written
      results.clear();
    }
  }
  const bool as_written = results.empty();
  if (as_written) results = conn.query_all(sql);
  for (const DuckResult& r : results) {
    if (r.columns() == 0) continue;
    if (as_written) {
      // Reading any value of a result that holds a type without text (a UUID, a TIMESTAMPTZ, ...) is unsafe
      // in DuckDB's C API: such a result is not printed at all. Lists and structs show as NULL.
      shown.assign(r.columns(), Shown::kText);
      std::string unreadable;
      for (std::size_t c = 0; c < r.columns(); ++c) {
        if (plain_type(r.column_type(c))) continue;
        shown[c] = Shown::kHidden;
        if (!nested_type(r.column_type(c))) unreadable += (unreadable.empty() ? "'" : ", '") + r.column_name(c) + "'";
      }
      if (!unreadable.empty()) {
        std::fprintf(stderr,
                     "dnslens: a result with column(s) %s (a type such as UUID or TIMESTAMP WITH TIME ZONE) prints "
                     "only from a statement that runs on its own, without a comment after it\n",
                     unreadable.c_str());
        continue;
      }
      for (std::size_t c = 0; c < r.columns(); ++c) {
        if (shown[c] != Shown::kHidden) continue;
        std::fprintf(stderr,
                     "dnslens: column '%s' holds lists or structs, which print only when the statement runs on "
                     "its own (then as JSON); they show as NULL here\n",
                     r.column_name(c).c_str());
      }
    }
    std::fputs(render(r, o, shown).c_str(), stdout);
  }
  return 0;
}

// A statement on ClickHouse: the server writes JSON lines itself; a table and CSV are drawn from its
// TabSeparatedWithNames as they are from a DuckDB result. Read-only (readonly=2: settings may change, data may not)
// unless --write.
void run_clickhouse(ClickHouseClient& ch, std::string sql, const SqlOptions& o) {
  while (!sql.empty() && (std::isspace(static_cast<unsigned char>(sql.back())) != 0 || sql.back() == ';'))
    sql.pop_back();
  if (sql.find_first_not_of(" \t\r\n") == std::string::npos) return;
  std::map<std::string, std::string> settings{{"database", o.clickhouse.schema.database}};
  settings["default_format"] = o.format == "json" ? "JSONEachRow" : "TabSeparatedWithNames";
  if (o.format == "json") settings["output_format_json_quote_64bit_integers"] = "0";
  if (!o.write) settings["readonly"] = "2";
  std::string body;
  try {
    body = ch.query(sql, settings, /*idempotent=*/!o.write);
  } catch (const Error& e) {
    // A user whose profile is readonly=1 may set no setting (READONLY, 164, about a setting; a write
    // refused is 164 too): the statement goes again with the format in it, read-only anyway; JSON then has
    // 64-bit integers quoted, the server's default. A statement naming its own FORMAT is not touched.
    const std::string_view what = e.what();
    std::string upper = sql;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (o.write || what.find("Code: 164") == std::string_view::npos || what.find("setting") == std::string_view::npos ||
        upper.find("FORMAT") != std::string::npos)
      throw;
    try {
      body = ch.query(sql + "\nFORMAT " + settings["default_format"], {{"database", o.clickhouse.schema.database}},
                      /*idempotent=*/true);
    } catch (const Error& again) {
      throw Error(again.code(),
                  fmt::format("{} (sent again without settings, which this user may not set: {})", again.what(), what));
    }
  }
  if (o.format == "json") {
    std::fputs(body.c_str(), stdout);
  } else if (!body.empty()) {
    ClickHouseTable parsed = parse_clickhouse_tsv(body, /*with_types=*/false);
    const TextTable t{std::move(parsed.names), std::move(parsed.rows)};
    std::fputs((o.format == "csv" ? render_csv(t) : render_table(t, o.max_width)).c_str(), stdout);
  }
}

// Statements from stdin, each ended by ';' (they may span lines); errors are printed and the session goes
// on. Returns 2 when one failed.
int read_statements(const std::function<void(const std::string&)>& run) {
  std::string pending, line;
  int status = 0;
  const bool tty = ::isatty(STDIN_FILENO);
  auto run_pending = [&] {
    try {
      run(pending);
    } catch (const Error& e) {
      std::fprintf(stderr, "dnslens: %s\n", e.what());
      status = 2;
    }
    std::fflush(stdout);
    pending.clear();
  };
  while (true) {
    if (tty) std::fputs(pending.empty() ? "sql> " : "...> ", stderr);
    if (!std::getline(std::cin, line)) break;
    pending += line;
    pending += '\n';
    const std::size_t end = pending.find_last_not_of(" \t\r\n");
    if (end == std::string::npos)
      pending.clear();
    else if (pending[end] == ';')
      run_pending();
  }
  if (pending.find_first_not_of(" \t\r\n") != std::string::npos) run_pending();
  return status;
}

int execute_clickhouse(const SqlOptions& o) {
  ClickHouseClient ch(o.clickhouse.client_config());
  if (!o.query.empty()) {
    run_clickhouse(ch, o.query, o);
    return 0;
  }
  if (::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "dnslens sql on ClickHouse %s at %s, database %s. End statements with ';', Ctrl-D quits.\n",
                 ch.version().text.c_str(), ch.where().c_str(), o.clickhouse.schema.database.c_str());
  }
  return read_statements([&](const std::string& sql) { run_clickhouse(ch, sql, o); });
}

int execute(const SqlOptions& o) {
  if (o.max_width < 4) throw Error(ErrorCode::kUsage, "--max-width must be at least 4");
  if (o.clickhouse.given()) return execute_clickhouse(o);
  if (!o.write && ::access(o.db.c_str(), F_OK) != 0) {
    throw Error(ErrorCode::kUsage, fmt::format("no store at {}: load one with 'dnslens run ... --store {}' "
                                               "(or pass --write to create an empty one)",
                                               o.db, o.db));
  }
  // The store is the catalog "default", as Athena's database is: "default"."route53query" runs as written.
  DuckDatabase db(":memory:");
  DuckConnection conn = db.connect();
  open_athena_catalog(conn, o.db, o.write);
  if (o.write) ensure_store_schema(conn);
  const LazyGeoDb geo(o.geo.config());
  register_geo_functions(conn, &geo);
  const std::optional<DgaModel> own_model =
      o.dga_model.empty() ? std::nullopt : std::optional<DgaModel>(DgaModel::load_file(o.dga_model));
  register_dga_functions(conn, own_model ? *own_model : default_dga_model());
  add_athena_forms(conn);
  if (!o.query.empty()) return run_one(conn, o.query, o);
  // Interactive: statements end with ';' (they may span lines); errors are printed and the session goes on.
  if (::isatty(STDIN_FILENO))
    std::fprintf(stderr, "dnslens sql on %s (DuckDB %s). End statements with ';', Ctrl-D quits.\n", o.db.c_str(),
                 duckdb_version().c_str());
  return read_statements([&](const std::string& sql) { run_one(conn, sql, o); });
}

}  // namespace

void register_sql(CLI::App& app, CommandRegistry& registry) {
  auto o = std::make_shared<SqlOptions>();
  CLI::App* sub = app.add_subcommand("sql",
                                     "Run SQL on the store (tables route53query and findings, as on Athena), or on "
                                     "ClickHouse (--clickhouse); without a query, read statements from stdin");
  sub->add_option("query", o->query, "The SQL statement");
  sub->add_option("--db", o->db, "The DuckDB store file")->capture_default_str();
  sub->add_option("--format", o->format, "Output: table, csv or json (JSON lines)")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  sub->add_option("--max-width", o->max_width, "Widest table cell (characters)")->capture_default_str();
  sub->add_option("--dga-model", o->dga_model,
                  "DGA model from 'dnslens dga train' for dnslens_subdomain_dga() (default: the built-in model)");
  o->geo.add(sub);
  sub->add_flag("--write", o->write, "Open for writing (DELETE, CREATE ...); the default is read-only");
  o->clickhouse.add(sub, /*required=*/false);
  registry.add(sub, [o] { return execute(*o); });
}

}  // namespace dnslens::cli
