#pragma once
// dnslens export --security-lake: the store's records as an Amazon Security Lake custom source, OCSF 1.1.0
// DNS Activity events in Parquet, partitioned as Security Lake lays out custom sources:
//   DIR/ext/<source>/region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/*.parquet
// Each record is read back from the store as its Route 53 record with the enrichments the store keeps
// (interesting domain, threat intel, name signals, simulated DNS Firewall verdict; the registered domain is
// computed again) and encoded by the OCSF encoder (the same events as run --output-format ocsf-1.1); DuckDB reads those
// events with a fixed schema and writes the Parquet files, so every file has the same columns and types.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "enrich/registered_domain/public_suffix_list.hpp"
#include "store/duckdb_api.hpp"

namespace dnslens {

struct SecurityLakeExportOptions {
  std::filesystem::path dir;                    // the bucket's root, as synced to S3 (ext/<source>/... under it)
  std::string source_name = "dnslens_route53";  // the custom source's name in Security Lake
  std::optional<std::int64_t> from_ms;          // inclusive, as the Parquet export's
  std::optional<std::int64_t> to_ms;            // exclusive
  std::string compression = "zstd";
  // Throws Error(kUsage): a source name Security Lake would refuse, a bad compression or range.
  void validate() const;
};

struct SecurityLakeExportStats {
  std::uint64_t records = 0;
  std::uint64_t partitions = 0;   // region/accountId/eventDay directories written (each replaced whole)
  std::uint64_t bad_records = 0;  // store rows that did not read back as records (none expected)
  // Records left out because their region or account is not AWS's shape (a region such as us-east-1, a
  // 12-digit account): they name no Security Lake partition, and a value such as "x/../y" would name a
  // directory outside the source's.
  std::uint64_t unpartitioned = 0;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

[[nodiscard]] SecurityLakeExportStats export_security_lake(DuckConnection& conn, const PublicSuffixList& psl,
                                                           const SecurityLakeExportOptions& options);

}  // namespace dnslens
