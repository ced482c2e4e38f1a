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

// Planted scenarios for measuring the detectors: each kind at an intensity, with ground truth.
enum class ScenarioKind : std::uint8_t {
  kDga,
  kTunneling,
  kBeaconing,
  kSweep,
  kAnomaly,
  kMetadataRebind,  // names that resolve to the instance metadata service
  kBlackhole,       // a taken-down domain that resolves to 0.0.0.0
  kLowReputation,   // dynamic DNS, a tunnel service, out-of-band callbacks
  kLogGap,          // the instance's VPC logs nothing for a while (or for the rest of the day)
  kSlowTunneling,   // a few encoded queries an hour for hours, spread over several domains
};
enum class Intensity : std::uint8_t { kLow, kModerate, kHigh };
inline constexpr ScenarioKind kAllScenarioKinds[] = {
    ScenarioKind::kDga,           ScenarioKind::kTunneling, ScenarioKind::kSlowTunneling,  ScenarioKind::kBeaconing,
    ScenarioKind::kSweep,         ScenarioKind::kAnomaly,   ScenarioKind::kMetadataRebind, ScenarioKind::kBlackhole,
    ScenarioKind::kLowReputation, ScenarioKind::kLogGap};
inline constexpr Intensity kAllIntensities[] = {Intensity::kLow, Intensity::kModerate, Intensity::kHigh};
[[nodiscard]] std::string_view scenario_kind_name(ScenarioKind k);
[[nodiscard]] std::string_view intensity_name(Intensity i);
// One line on what the scenario does at that intensity.
[[nodiscard]] std::string scenario_description(ScenarioKind k, Intensity i);

struct ScenarioSpec {
  ScenarioKind kind;
  Intensity intensity;
};

struct PlantedScenario {
  ScenarioKind kind;
  Intensity intensity;
  std::string instance;
  std::string vpc;
  std::string domain;  // the registered domain or name involved, empty when many (a log gap: the VPC)
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::uint64_t records = 0;
  std::vector<std::string> names = {};  // DGA and tunneling: every query name planted (no trailing dot)
};

struct GeneratorConfig {
  std::uint64_t seed = 1;
  std::uint64_t records = 300000;  // background records; planted ones come on top
  std::uint64_t target_bytes = 0;  // when set, generate until this many bytes instead
  std::int64_t start_ms = 0;       // 0: yesterday 00:00 UTC
  int hours = 24;
  int accounts = 3;
  int vpcs_per_account = 2;
  int instances_per_vpc = 12;
  bool plant = true;
  std::string output = "-";     // file (.gz/.zst by extension) or "-"
  std::string s3_dir;           // when set: S3 export layout under this directory
  std::string interesting_out;  // when set: write the planted known-bad domains here
  // When set, these scenarios are planted instead of the default set, each on its own instance,
  // and what was planted is reported in GeneratorStats::scenarios.
  std::vector<ScenarioSpec> scenarios;
  // Benign traffic that looks suspicious: fleet-wide agent polling, DNSBL and hash-reputation
  // lookups, CDN hex names, reverse lookups of client addresses, browser random-name probes.
  bool benign_stressors = false;

  void validate() const;
};

struct GeneratorStats {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t planted = 0;
  std::uint64_t files = 0;
  std::vector<PlantedScenario> scenarios;
};

GeneratorStats generate_logs(const GeneratorConfig& config);

// The known-bad registered domains the generator plants (also the demo's interesting domains).
const std::vector<std::string>& planted_bad_domains();

}  // namespace dnslens
