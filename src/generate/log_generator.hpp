#pragma once
// Realistic Route 53 Resolver query logs for demos, tests and benchmarks: several accounts, VPCs,
// instances and inbound resolver endpoints; a realistic mix of query types, rcodes, answers, PTR
// lookups, AWS-internal names and harmless cloud noise; DNS Firewall BLOCK/ALERT records; and
// planted malicious activity (DGA bursts, tunneling, beacons, reverse-DNS sweeps, known-bad
// domains). Deterministic for a given seed.
#include <cstdint>
#include <string>
#include <vector>

namespace dnslens {

struct GeneratorConfig {
  std::uint64_t seed = 1;
  std::uint64_t records = 300000;   // background records; planted ones come on top
  std::uint64_t target_bytes = 0;   // when set, generate until this many bytes instead
  std::int64_t start_ms = 0;        // 0: yesterday 00:00 UTC
  int hours = 24;
  int accounts = 3;
  int vpcs_per_account = 2;
  int instances_per_vpc = 12;
  bool plant = true;
  std::string output = "-";         // file (.gz/.zst by extension) or "-"
  std::string s3_dir;               // when set: S3 export layout under this directory
  std::string interesting_out;      // when set: write the planted known-bad domains here

  void validate() const;
};

struct GeneratorStats {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t planted = 0;
  std::uint64_t files = 0;
};

GeneratorStats generate_logs(const GeneratorConfig& config);

// The known-bad registered domains the generator plants (also the demo's interesting domains).
const std::vector<std::string>& planted_bad_domains();

}  // namespace dnslens
