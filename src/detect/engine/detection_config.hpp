#pragma once
// Every detector threshold, with its documented default (docs/DETECTIONS.md). Loaded from YAML or
// JSON (`--detect-config`); unknown sections and keys are errors; `dnslens detect defaults` prints
// this file with every default filled in.
#include <cstdint>
#include <string>

namespace dnslens {

struct TunnelingConfig {
  bool enabled = true;
  std::int64_t window_seconds = 3600;
  std::uint32_t min_subdomain_length = 12;  // shorter subdomains (www, api) are not looked at
  std::uint32_t min_queries = 40;
  std::uint32_t min_distinct_subdomains = 30;
  std::uint64_t min_bytes = 1500;           // characters sent in subdomains within the window
  double min_random_share = 0.5;            // share of queries whose longest label looks machine made
  double min_mean_entropy = 3.8;            // ... or: mean subdomain entropy (bits/char), with 3x the distinct names
  double random_label_score = 0.5;          // DGA score from which a subdomain label counts as random
  std::uint64_t max_keys = 50000;
};

struct DgaActivityConfig {
  bool enabled = true;
  std::int64_t window_seconds = 3600;
  double score_threshold = 0.75;            // a name's DGA score from which it counts
  std::uint32_t min_distinct_names = 8;
  double min_nxdomain_share = 0.5;
  std::uint64_t max_keys = 50000;
};

struct BeaconingConfig {
  bool enabled = true;
  std::uint32_t min_events = 12;
  double min_score = 0.8;
  double jitter_tolerance = 0.2;            // dispersion (MAD) relative to the interval that still scores 0
  std::int64_t min_interval_seconds = 10;   // faster is a burst, not a beacon
  std::int64_t max_interval_seconds = 43200;
  std::uint32_t max_timestamps = 256;       // per (source, name): the most recent are kept
  double max_source_share = 0.1;            // names polled by more sources are fleet software
  std::uint32_t min_sources_for_fleet = 4;  // ... when also at least this many sources poll them
  std::uint64_t max_keys = 200000;
};

struct FootprintingConfig {
  bool enabled = true;
  std::int64_t window_seconds = 3600;
  std::uint32_t min_addresses = 32;         // distinct addresses in one /24 (IPv4) or /120 (IPv6)
  double min_density = 0.5;                 // ... covering this share of their range
  double min_nxdomain_share = 0.5;          // ... or mostly answered NXDOMAIN
  std::uint32_t min_wide_addresses = 128;   // or: this many across ranges, mostly NXDOMAIN
  std::uint64_t max_keys = 20000;
};

struct AnomalyConfig {
  bool enabled = true;
  std::int64_t bucket_seconds = 3600;
  std::uint32_t baseline_buckets = 24;
  std::uint32_t min_baseline_buckets = 6;
  double min_robust_z = 6.0;                // (value - median) / max(1.4826 MAD, sqrt(median) + 1)
  std::uint64_t min_count = 50;
  double min_ratio = 3.0;                   // value >= ratio x baseline median
  std::uint64_t max_entities = 20000;
};

struct ThreatIntelFindingConfig {
  bool enabled = true;
};

struct DetectionConfig {
  bool enabled = true;
  std::string benign_noise;                 // list file; empty: the built-in list
  std::string dga_model;                    // model file; empty: the built-in model
  std::int64_t lateness_seconds = 600;      // how late a record may arrive and still count in its window
  std::uint64_t max_findings = 100000;
  std::uint32_t evidence_per_finding = 5;
  TunnelingConfig tunneling;
  DgaActivityConfig dga;
  BeaconingConfig beaconing;
  FootprintingConfig footprinting;
  AnomalyConfig anomaly;
  ThreatIntelFindingConfig threat_intel;

  // Throws Error(kConfig) naming the key.
  void validate() const;
  static DetectionConfig load_file(const std::string& path);
  static DetectionConfig parse(std::string_view text, std::string_view origin);
  // YAML with every key and its current value.
  [[nodiscard]] std::string to_yaml() const;
};

}  // namespace dnslens
