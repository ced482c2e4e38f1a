#include "store/store_writer.hpp"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/store_schema.hpp"

namespace dnslens {

namespace {

// Runs statements between BEGIN and COMMIT; on a failure, rolls back and throws.
void exec_in_transaction(DuckConnection& conn, const std::string& statements) {
  try {
    for (DuckResult& res : conn.query_all("BEGIN TRANSACTION;\n" + statements + "COMMIT;")) (void)res;
  } catch (const Error&) {
    try {
      conn.exec("ROLLBACK");
    } catch (const Error&) {  // the failing statement ended the transaction
    }
    throw;
  }
}

}  // namespace

void ensure_store_schema(DuckConnection& conn) {
  conn.exec("CREATE TABLE IF NOT EXISTS dnslens_meta (key VARCHAR PRIMARY KEY, value VARCHAR)");
  DuckResult r = conn.query("SELECT value FROM dnslens_meta WHERE key = 'schema_version'");
  if (r.rows() == 0) {  // a new store
    exec_in_transaction(conn, fmt::format("{}{};\nINSERT INTO dnslens_meta VALUES ('schema_version', '{}');\n",
                                          store_schema_sql(), query_view_sql(), kStoreSchemaVersion));
    return;
  }
  const std::string v = r.text(0, 0).value_or("0");
  int version = 0;
  try {
    version = std::stoi(v);
  } catch (const std::exception&) {
    throw Error(ErrorCode::kConfig, fmt::format("the store's schema version '{}' is not a number", v));
  }
  if (version > kStoreSchemaVersion) {
    throw Error(ErrorCode::kConfig, fmt::format("the store's schema version {} is newer than this dnslens's ({}): "
                                                "use a newer dnslens or another --store file",
                                                v, kStoreSchemaVersion));
  }
  if (version == kStoreSchemaVersion) return;
  // 4 -> 5 (and on the way up from older versions): a column on ingest_requests. 5 -> 6: the view gains
  // unmapped (the records are as they were: their unknown fields were not kept before).
  const std::string small_tables =
      fmt::format("ALTER TABLE {} ADD COLUMN IF NOT EXISTS dead_letters_dropped BIGINT DEFAULT 0;\n{};\n",
                  kIngestRequestsTable, query_view_sql());
  const std::string stamp =
      fmt::format("UPDATE dnslens_meta SET value = '{}' WHERE key = 'schema_version';\n", kStoreSchemaVersion);
  if (version >= kStoreRecordsLayoutVersion) {
    exec_in_transaction(conn, small_tables + stamp);
    return;
  }
  // Older stores are brought up to date in one transaction: a failure leaves them as they were. The
  // records are rewritten into a new route53query_data through the old table (schemas 1 and 2) or
  // the old view (schema 3), which both have route53query's columns.
  const auto exists = [&](std::string_view catalog, std::string_view name) {
    return conn.query(fmt::format("SELECT 1 FROM {}() WHERE {} = '{}'", catalog,
                                  catalog == "duckdb_views" ? "view_name" : "table_name", name))
               .rows() > 0;
  };
  const std::string next = fmt::format("{}_v{}", kQueryDataTable, kStoreSchemaVersion);
  std::string sql = fmt::format("DROP TABLE IF EXISTS {};\n", next) + store_schema_sql(next);
  // 1 -> 2: findings gained run_id (ingest_requests and dead_letters are created above).
  sql += fmt::format("ALTER TABLE {} ADD COLUMN IF NOT EXISTS run_id VARCHAR;\n", kFindingsTable);
  const bool old_table = exists("duckdb_tables", kQueryTable), old_view = exists("duckdb_views", kQueryTable);
  if (old_table || old_view) {
    sql += fmt::format("INSERT INTO {} SELECT {} FROM {};\n", next, stored_columns_from_query_sql(), kQueryTable);
    // Every record is rewritten (about 500k a second on two cores): say so before a long wait.
    const std::int64_t records = conn.query(fmt::format("SELECT count(*) FROM {}", kQueryTable)).int64(0, 0);
    std::fprintf(stderr, "dnslens: converting the store from schema %d to %d (%lld records)...\n", version,
                 kStoreSchemaVersion, static_cast<long long>(records));
  }
  if (old_table) sql += fmt::format("DROP TABLE {};\n", kQueryTable);
  if (old_view) sql += fmt::format("DROP VIEW {};\n", kQueryTable);
  if (exists("duckdb_tables", kQueryDataTable)) sql += fmt::format("DROP TABLE {};\n", kQueryDataTable);
  sql += fmt::format("ALTER TABLE {} RENAME TO {};\n", next, kQueryDataTable);
  sql += query_view_sql() + ";\n";
  sql += small_tables + stamp;
  exec_in_transaction(conn, sql);
}

StoreAppender::StoreAppender(DuckDatabase& db) : conn_(db.connect()) {}

StoreAppender::~StoreAppender() {
  if (!appender_) return;
  try {
    rollback();
  } catch (const Error&) {  // the connection is going away: DuckDB drops the transaction with it
  }
}

void StoreAppender::begin() {
  if (appender_) return;
  // One transaction per batch (a whole run for `dnslens run`): DuckDB writes full row groups straight
  // into the database file (compressed) instead of logging every row to the write-ahead log first.
  conn_.exec("BEGIN TRANSACTION");
  try {
    appender_ = std::make_unique<DuckAppender>(conn_, std::string(kQueryDataTable));
  } catch (const Error&) {
    conn_.exec("ROLLBACK");
    throw;
  }
}

void StoreAppender::append(RecordChunks& rows) {
  const auto start = std::chrono::steady_clock::now();
  begin();
  const std::size_t n = rows.chunk_count();
  for (std::size_t i = 0; i < n; ++i) appender_->append(rows.chunk(i));
  stats_.rows += rows.rows();
  stats_.chunks += n;
  stats_.repaired_strings += rows.repaired_strings();
  rows.clear();
  stats_.append_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void StoreAppender::append_dead_letter(const DeadLetterRow& row) {
  begin();
  if (!dead_) dead_ = std::make_unique<DuckAppender>(conn_, std::string(kDeadLettersTable));
  DuckAppender& a = *dead_;
  a.append_timestamp_ms(row.received_ms);
  a.append_text(row.origin);
  if (row.line != 0)
    a.append_int64(static_cast<std::int64_t>(row.line));
  else
    a.append_null();
  a.append_text(row.reason);
  if (!row.detail.empty())
    a.append_text(row.detail);
  else
    a.append_null();
  a.append_text(row.raw);
  a.append_int64(static_cast<std::int64_t>(row.raw_bytes));
  a.end_row();
}

void StoreAppender::commit(std::string_view also_sql) {
  if (!appender_ && also_sql.empty()) return;  // nothing appended since the last commit
  const auto start = std::chrono::steady_clock::now();
  begin();
  try {
    appender_->flush();
    appender_.reset();
    if (dead_) {
      dead_->flush();
      dead_.reset();
    }
    if (!also_sql.empty()) conn_.exec(also_sql);
    conn_.exec("COMMIT");
  } catch (const Error&) {
    appender_.reset();
    dead_.reset();
    try {
      conn_.exec("ROLLBACK");
    } catch (const Error&) {  // a failed COMMIT has already ended the transaction
    }
    throw;
  }
  stats_.append_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void StoreAppender::rollback() {
  if (!appender_) return;
  appender_.reset();
  dead_.reset();
  conn_.exec("ROLLBACK");
}

StoreWriter::StoreWriter(const std::string& path, unsigned duckdb_threads)
    : db_(path, /*read_only=*/false, duckdb_threads), conn_(db_.connect()) {
  ensure_store_schema(conn_);
  run_id_ = conn_.query("SELECT uuid()::VARCHAR").text(0, 0).value_or("");
}

StoreWriter::~StoreWriter() = default;

void StoreWriter::absorb(const StoreStats& s) {
  stats_.rows += s.rows;
  stats_.chunks += s.chunks;
  stats_.repaired_strings += s.repaired_strings;
  stats_.append_seconds += s.append_seconds;
}

void StoreWriter::add_findings(const std::vector<Finding>& findings) {
  if (findings.empty()) return;
  conn_.exec(findings_insert_sql(findings, run_id_));
  stats_.findings += findings.size();
}

void StoreWriter::replace_findings(const std::vector<Finding>& findings) {
  std::string sql =
      fmt::format("BEGIN TRANSACTION; DELETE FROM {} WHERE run_id = {};\n", kFindingsTable, sql_quote(run_id_));
  if (!findings.empty()) sql += findings_insert_sql(findings, run_id_) + ";\n";
  sql += "COMMIT;";
  try {
    for (DuckResult& r : conn_.query_all(sql)) (void)r;
  } catch (const Error&) {
    try {
      conn_.exec("ROLLBACK");
    } catch (const Error&) {  // the failing statement came before BEGIN, or ended the transaction
    }
    throw;
  }
  stats_.findings = findings.size();
}

std::string findings_insert_sql(const std::vector<Finding>& findings, std::string_view run_id) {
  std::string sql = fmt::format(
      "INSERT INTO {} (finding_type, guardduty_analog, severity, confidence, score, first_seen, last_seen, events, "
      "occurrences, account_id, vpc_id, instance, srcaddr, source, domain, explanation, metrics, evidence, "
      "finding_json, "
      "recorded_at, run_id) VALUES ",
      kFindingsTable);
  bool first = true;
  for (const Finding& f : findings) {
    std::string evidence = "[";
    for (std::size_t i = 0; i < f.evidence.size(); ++i) {
      if (i) evidence += ',';
      evidence += f.evidence[i];
    }
    evidence += ']';
    sql += first ? "" : ",\n";
    first = false;
    sql += fmt::format(
        "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, now()::TIMESTAMP, {})",
        sql_quote(finding_type_name(f.type)),
        guardduty_analog(f.type).empty() ? "NULL" : sql_quote(guardduty_analog(f.type)),
        sql_quote(finding_severity_name(f.severity)), f.confidence, f.score, sql_timestamp_ms(f.first_seen_ms),
        sql_timestamp_ms(f.last_seen_ms), f.events, f.occurrences, sql_quote_or_null(f.entity.account),
        sql_quote_or_null(f.entity.vpc), sql_quote_or_null(f.entity.instance), sql_quote_or_null(f.entity.srcaddr),
        sql_quote_or_null(f.entity.source), sql_quote_or_null(f.domain), sql_quote(f.explanation),
        f.metrics_json.empty() ? "NULL" : sql_quote(f.metrics_json), sql_quote(evidence), sql_quote(finding_to_json(f)),
        sql_quote(run_id));
  }
  return sql;
}

void StoreWriter::finish() {
  const auto start = std::chrono::steady_clock::now();
  conn_.exec("CHECKPOINT");
  stats_.checkpoint_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace dnslens
