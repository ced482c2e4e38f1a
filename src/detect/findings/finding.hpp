#pragma once
// A finding: something a person should look at, with who, when, how sure, why, and the records
// behind it. Types are named after the established finding vocabulary (GuardDuty's DNS findings
// where one exists).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnslens {

enum class FindingType : std::uint8_t {
  kDgaDomainRequest,
  kDnsDataExfiltration,
  kBeaconing,
  kReverseDnsSweep,
  kThreatIntelMatch,
  kVolumeAnomaly,
  // Threat intel by the indicator's category (ThreatClass); kThreatIntelMatch for the rest.
  kCommandAndControl,
  kCryptoCurrency,
  kPhishingDomainRequest,
  kKnownDgaDomainRequest,
  kDropPoint,
  kDriveBySource,
  // What the answers say.
  kMetadataDnsRebind,
  kBlackholeTraffic,
  // A VPC whose query logs stop.
  kQueryLogGap,
  // A low-reputation name (dynamic DNS, tunnel services, out-of-band callbacks, parked).
  kSuspiciousDomainRequest,
  kCount,  // not a type: how many there are
};
inline constexpr std::size_t kFindingTypeCount = static_cast<std::size_t>(FindingType::kCount);

enum class FindingSeverity : std::uint8_t { kLow, kMedium, kHigh };

// The name and the closest GuardDuty finding type (empty when there is none) come from the
// registration of the detector that raises the type (detect/detectors.cpp).
[[nodiscard]] std::string_view finding_type_name(FindingType t);
[[nodiscard]] std::string_view guardduty_analog(FindingType t);
[[nodiscard]] std::string_view finding_severity_name(FindingSeverity s);
[[nodiscard]] bool parse_finding_severity(std::string_view name, FindingSeverity& out);
[[nodiscard]] bool parse_finding_type(std::string_view name, FindingType& out);

// Who a finding is about, copied out of the records (a finding outlives them).
struct Entity {
  std::string account;
  std::string vpc;
  std::string instance;
  std::string srcaddr;
  std::string source;  // the instance, else the Resolver endpoint, else the source address
};

struct Finding {
  FindingType type = FindingType::kThreatIntelMatch;
  FindingSeverity severity = FindingSeverity::kLow;
  double confidence = 0;  // 0..1: how likely the finding is right
  double score = 0;       // 0..1: how strongly the detector's features fired
  std::int64_t first_seen_ms = 0;
  std::int64_t last_seen_ms = 0;
  std::uint64_t events = 0;       // records behind the finding
  std::uint64_t occurrences = 1;  // detections merged into it (windows, re-detections)
  Entity entity;
  std::string domain;                 // may be empty (a source-level finding)
  std::string explanation;            // one line: which features crossed which thresholds
  std::string metrics_json;           // a JSON object of the features, e.g. {"distinct_subdomains":412}
  std::vector<std::string> evidence;  // raw query-log records

  // The deduplication key: type, source and domain.
  [[nodiscard]] std::string key() const;
};

// One JSON object (no newline); evidence records are embedded as objects.
[[nodiscard]] std::string finding_to_json(const Finding& f);

class FindingSink {
 public:
  virtual ~FindingSink() = default;
  virtual void emit(Finding finding) = 0;
};

}  // namespace dnslens
