#pragma once
// Moving history out of and off the embedded store: Hive-partitioned Parquet for Athena, Trino or
// Spark, and retention by age.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "store/duckdb_api.hpp"

namespace dnslens {

struct ParquetExportOptions {
  std::filesystem::path dir;            // gets route53query/date=YYYY-MM-DD/hour=HH/*.parquet and findings/
  std::optional<std::int64_t> from_ms;  // inclusive; rounded down to the hour
  std::optional<std::int64_t> to_ms;    // exclusive; rounded up to the hour
  std::string compression = "zstd";     // zstd, snappy, gzip or uncompressed
  void validate() const;
};

// The .parquet files under a directory (recursively) and their bytes.
struct ParquetFiles {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};
[[nodiscard]] ParquetFiles parquet_files_under(const std::filesystem::path& dir);

struct ParquetExportStats {
  std::uint64_t records = 0;
  std::uint64_t partitions = 0;  // date/hour directories written (each replaced whole)
  std::uint64_t findings = 0;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

// Each hour in the range is written as a complete partition: a directory that already exists for an
// exported hour is replaced, so exporting again never duplicates records; hours outside the range are
// left alone. Findings overlapping the range go to findings/findings.parquet (replaced).
ParquetExportStats export_parquet(DuckConnection& conn, const ParquetExportOptions& options);

struct PruneStats {
  std::uint64_t records = 0;
  std::uint64_t findings = 0;
};

// Deletes records whose query_ts is before cutoff_ms and findings last seen before it, then
// checkpoints so the space is reused.
PruneStats prune_store(DuckConnection& conn, std::int64_t cutoff_ms, bool dry_run);

// "30d", "12h", "90m", "3600s", "2w" -> milliseconds; nullopt when malformed or not positive.
[[nodiscard]] std::optional<std::int64_t> parse_age_ms(std::string_view text);

}  // namespace dnslens
