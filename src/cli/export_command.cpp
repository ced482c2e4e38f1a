// dnslens export / dnslens prune: Parquet for Athena, Trino or Spark, and retention by age.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "pipeline/security_lake_export.hpp"
#include "store/store_export.hpp"
#include "store/store_writer.hpp"

namespace dnslens::cli {

namespace {

void require_store(const std::string& db) {
  if (::access(db.c_str(), F_OK) != 0) {
    throw Error(ErrorCode::kUsage, fmt::format("no store at {}: load one with 'dnslens run ... --store {}'", db, db));
  }
}

}  // namespace

void register_export(CLI::App& app, CommandRegistry& registry) {
  struct Options {
    std::string db = "dnslens.duckdb";
    std::string dir;
    std::string from, to;
    std::string compression = "zstd";
    std::string security_lake;
    std::string source_name = "dnslens_route53";
    PslOptions psl;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "export",
      "Write the store as Hive-partitioned Parquet (date=YYYY-MM-DD/hour=HH) for Athena, Trino or Spark, or as an "
      "Amazon Security Lake custom source (OCSF 1.1.0 DNS Activity in Parquet)");
  sub->add_option("--db", o->db, "The DuckDB store file")->capture_default_str();
  auto* parquet = sub->add_option("--parquet", o->dir, "Directory to write route53query/ and findings/ under");
  auto* lake = sub->add_option(
      "--security-lake", o->security_lake,
      "Directory to write the Security Lake custom source under: ext/<source>/region=R/accountId=A/eventDay=YYYYMMDD/");
  parquet->excludes(lake);
  sub->add_option("--source-name", o->source_name, "The custom source's name in Security Lake (with --security-lake)")
      ->capture_default_str();
  o->psl.add(sub);
  sub->add_option("--from", o->from,
                  "First hour to export (ISO 8601 UTC, a date, or an age such as 7d; rounded down to the hour)");
  sub->add_option("--to", o->to, "End of the export, exclusive (rounded up to the hour)");
  sub->add_option("--compression", o->compression, "Parquet compression: zstd, snappy, gzip, uncompressed")
      ->capture_default_str();
  registry.add(sub, [o] {
    require_store(o->db);
    if (o->dir.empty() && o->security_lake.empty()) {
      throw Error(ErrorCode::kUsage, "export needs --parquet DIR or --security-lake DIR");
    }
    if (!o->security_lake.empty()) {
      SecurityLakeExportOptions options;
      options.dir = o->security_lake;
      options.source_name = o->source_name;
      options.compression = o->compression;
      if (!o->from.empty()) options.from_ms = parse_time_option(o->from, "--from");
      if (!o->to.empty()) options.to_ms = parse_time_option(o->to, "--to");
      options.validate();
      const PublicSuffixList psl = o->psl.load();
      DuckDatabase db(o->db, /*read_only=*/true);
      DuckConnection conn = db.connect();
      const auto start = std::chrono::steady_clock::now();
      const SecurityLakeExportStats s = export_security_lake(conn, psl, options);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr,
                   "exported %llu records as OCSF 1.1.0 DNS Activity to %s/ext/%s in %llu region/account/day "
                   "partitions: %llu Parquet files, %.1f MB, %.2f s\n",
                   static_cast<unsigned long long>(s.records), o->security_lake.c_str(), o->source_name.c_str(),
                   static_cast<unsigned long long>(s.partitions), static_cast<unsigned long long>(s.files),
                   s.bytes / 1e6, secs);
      if (s.unpartitioned > 0) {
        std::fprintf(stderr,
                     "dnslens: %llu records were left out: their region or account_id is not an AWS Region code and "
                     "a 12-digit account, which Security Lake's partitions need\n",
                     static_cast<unsigned long long>(s.unpartitioned));
      }
      if (s.bad_records > 0) {
        std::fprintf(stderr, "dnslens: %llu stored records could not be read back and were not exported\n",
                     static_cast<unsigned long long>(s.bad_records));
        return 2;
      }
      return 0;
    }
    ParquetExportOptions options;
    options.dir = o->dir;
    options.compression = o->compression;
    if (!o->from.empty()) options.from_ms = parse_time_option(o->from, "--from");
    if (!o->to.empty()) options.to_ms = parse_time_option(o->to, "--to");
    options.validate();
    DuckDatabase db(o->db, /*read_only=*/true);
    DuckConnection conn = db.connect();
    const auto start = std::chrono::steady_clock::now();
    const ParquetExportStats s = export_parquet(conn, options);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr,
                 "exported %llu records in %llu hour partitions and %llu findings to %s: %llu Parquet files, %.1f MB, "
                 "%.2f s\n",
                 static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.partitions),
                 static_cast<unsigned long long>(s.findings), o->dir.c_str(), static_cast<unsigned long long>(s.files),
                 s.bytes / 1e6, secs);
    return 0;
  });
}

void register_prune(CLI::App& app, CommandRegistry& registry) {
  struct Options {
    std::string db = "dnslens.duckdb";
    std::string older_than;
    std::string before;
    bool dry_run = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub =
      app.add_subcommand("prune", "Retention: delete records and findings older than an age from the store");
  sub->add_option("--db", o->db, "The DuckDB store file")->capture_default_str();
  auto* age = sub->add_option("--older-than", o->older_than, "Age to keep: 30d, 12h, 90m, 2w (counted back from now)");
  auto* before = sub->add_option("--before", o->before,
                                 "Delete everything before this time (ISO 8601 UTC, a date, or an age such as 90d)");
  age->excludes(before);
  sub->add_flag("--dry-run", o->dry_run, "Only count what would be deleted");
  registry.add(sub, [o] {
    require_store(o->db);
    std::int64_t cutoff = 0;
    if (!o->older_than.empty()) {
      auto ms = parse_age_ms(o->older_than);
      if (!ms)
        throw Error(ErrorCode::kUsage,
                    fmt::format("--older-than '{}' is not an age like 30d, 12h, 90m or 2w", o->older_than));
      cutoff = unix_now_ms() - *ms;
    } else if (!o->before.empty()) {
      cutoff = parse_time_option(o->before, "--before");
    } else {
      throw Error(ErrorCode::kUsage, "prune needs --older-than AGE or --before TIME");
    }
    DuckDatabase db(o->db);
    DuckConnection conn = db.connect();
    ensure_store_schema(conn);
    const PruneStats s = prune_store(conn, cutoff, o->dry_run);
    const CivilTime t = civil_from_ms(cutoff);
    std::fprintf(stderr, "%s %llu records and %llu findings from before %04d-%02d-%02dT%02d:%02d:%02dZ in %s\n",
                 o->dry_run ? "would delete" : "deleted", static_cast<unsigned long long>(s.records),
                 static_cast<unsigned long long>(s.findings), t.year, t.month, t.day, t.hour, t.minute, t.second,
                 o->db.c_str());
    return 0;
  });
}

}  // namespace dnslens::cli
