#include "store/store_export.hpp"

#include <system_error>

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/store_schema.hpp"

namespace dnslens {

namespace {

constexpr std::int64_t kHourMs = 3'600'000;

std::int64_t floor_hour(std::int64_t ms) { return ms - ((ms % kHourMs) + kHourMs) % kHourMs; }
std::int64_t ceil_hour(std::int64_t ms) {
  const std::int64_t f = floor_hour(ms);
  return f == ms ? f : f + kHourMs;
}

std::string range_sql(const ParquetExportOptions& o, std::string_view column_from, std::string_view column_to) {
  std::string where = fmt::format("{} IS NOT NULL", column_from);
  if (o.from_ms) where += fmt::format(" AND {} >= {}", column_to, sql_timestamp_ms(floor_hour(*o.from_ms)));
  if (o.to_ms) where += fmt::format(" AND {} < {}", column_from, sql_timestamp_ms(ceil_hour(*o.to_ms)));
  return where;
}

}  // namespace

void ParquetExportOptions::validate() const {
  if (dir.empty()) throw Error(ErrorCode::kUsage, "the Parquet export needs a directory");
  if (compression != "zstd" && compression != "snappy" && compression != "gzip" && compression != "uncompressed") {
    throw Error(ErrorCode::kUsage,
                fmt::format("unknown Parquet compression '{}' (zstd, snappy, gzip, uncompressed)", compression));
  }
  if (from_ms && to_ms && *from_ms >= *to_ms)
    throw Error(ErrorCode::kUsage, "the export range is empty (--from >= --to)");
}

ParquetFiles parquet_files_under(const std::filesystem::path& dir) {
  ParquetFiles out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".parquet") {
      ++out.files;
      out.bytes += it->file_size(ec);
    }
  }
  return out;
}

ParquetExportStats export_parquet(DuckConnection& conn, const ParquetExportOptions& o) {
  o.validate();
  ParquetExportStats stats;
  const std::filesystem::path records_dir = o.dir / std::string(kQueryTable);
  const std::filesystem::path findings_dir = o.dir / std::string(kFindingsTable);
  std::error_code ec;
  std::filesystem::create_directories(records_dir, ec);
  if (!ec) std::filesystem::create_directories(findings_dir, ec);
  if (ec) throw Error(ErrorCode::kIo, fmt::format("cannot create {}: {}", o.dir.string(), ec.message()));

  // The hours the range covers, so that each is replaced whole (an export repeated, or one with more
  // records for an hour than the last, never leaves duplicates behind).
  const std::string where = range_sql(o, "query_ts", "query_ts");
  DuckResult hours = conn.query(fmt::format(
      "SELECT strftime(query_ts, '%Y-%m-%d'), strftime(query_ts, '%H') FROM {} WHERE {} GROUP BY ALL ORDER BY ALL",
      kQueryTable, where));
  for (std::size_t r = 0; r < hours.rows(); ++r) {
    const auto partition = records_dir / fmt::format("date={}", hours.text(0, r).value_or("")) /
                           fmt::format("hour={}", hours.text(1, r).value_or(""));
    std::filesystem::remove_all(partition, ec);
    if (ec) throw Error(ErrorCode::kIo, fmt::format("cannot replace {}: {}", partition.string(), ec.message()));
  }
  stats.partitions = hours.rows();
  if (stats.partitions > 0) {
    DuckResult copied = conn.query(
        fmt::format("COPY (SELECT *, strftime(query_ts, '%Y-%m-%d') AS \"date\", strftime(query_ts, '%H') AS \"hour\" "
                    "FROM {} WHERE {}) TO {} (FORMAT parquet, COMPRESSION {}, PARTITION_BY (\"date\", \"hour\"), "
                    "OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'dnslens_{{i}}')",
                    kQueryTable, where, sql_quote(records_dir.string()), o.compression));
    stats.records = copied.rows_changed();
  }
  DuckResult f = conn.query(fmt::format(
      "COPY (SELECT * FROM {} WHERE {} ORDER BY first_seen) TO {} (FORMAT parquet, COMPRESSION {})", kFindingsTable,
      range_sql(o, "first_seen", "last_seen"), sql_quote((findings_dir / "findings.parquet").string()), o.compression));
  stats.findings = f.rows_changed();
  {
    const ParquetFiles f = parquet_files_under(records_dir);
    stats.files += f.files;
    stats.bytes += f.bytes;
  }
  {
    const ParquetFiles f = parquet_files_under(findings_dir);
    stats.files += f.files;
    stats.bytes += f.bytes;
  }
  return stats;
}

PruneStats prune_store(DuckConnection& conn, std::int64_t cutoff_ms, bool dry_run) {
  PruneStats stats;
  const std::string cutoff = sql_timestamp_ms(cutoff_ms);
  if (dry_run) {
    stats.records = static_cast<std::uint64_t>(
        conn.query(fmt::format("SELECT count(*) FROM {} WHERE query_ts < {}", kQueryTable, cutoff)).int64(0, 0));
    stats.findings = static_cast<std::uint64_t>(
        conn.query(fmt::format("SELECT count(*) FROM {} WHERE last_seen < {}", kFindingsTable, cutoff)).int64(0, 0));
    return stats;
  }
  conn.exec("BEGIN TRANSACTION");
  try {
    stats.records =
        conn.query(fmt::format("DELETE FROM {} WHERE query_ts < {}", kQueryDataTable, cutoff)).rows_changed();
    stats.findings =
        conn.query(fmt::format("DELETE FROM {} WHERE last_seen < {}", kFindingsTable, cutoff)).rows_changed();
    // Ingest bookkeeping ages out with the records (Firehose retries for two hours at most).
    conn.exec(fmt::format("DELETE FROM {} WHERE received_at < {}", kIngestRequestsTable, cutoff));
    conn.exec(fmt::format("DELETE FROM {} WHERE received_at < {}", kDeadLettersTable, cutoff));
    conn.exec("COMMIT");
  } catch (const Error&) {
    conn.exec("ROLLBACK");
    throw;
  }
  conn.exec("CHECKPOINT");
  return stats;
}

std::optional<std::int64_t> parse_age_ms(std::string_view text) {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  std::int64_t n = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) n = n * 10 + (text[i] - '0');
  if (i == 0 || i + 1 != text.size() || n <= 0) return std::nullopt;
  std::int64_t unit = 0;
  switch (text[i]) {
    case 's':
      unit = 1000;
      break;
    case 'm':
      unit = 60'000;
      break;
    case 'h':
      unit = kHourMs;
      break;
    case 'd':
      unit = 24 * kHourMs;
      break;
    case 'w':
      unit = 7 * 24 * kHourMs;
      break;
    default:
      return std::nullopt;
  }
  if (n > INT64_MAX / unit) return std::nullopt;
  return n * unit;
}

}  // namespace dnslens
