#pragma once
// What a worker hands the detectors for each record: a fixed-size event whose strings live in the
// job (DetectionBatch::strings, or the job's input for the raw line). Workers fill batches in
// parallel; the detectors read them in input order on one thread, while the job is still alive.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnslens {

struct StrRef {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
};

enum class RcodeKind : std::uint8_t { kNoError, kNxDomain, kServFail, kOther };
enum class LoggedAction : std::uint8_t { kNone, kAllow, kAlert, kBlock };

enum EventFlag : std::uint16_t {
  kEventBenignNoise = 1,     // on the known-benign noise list
  kEventPtr = 2,             // a PTR query
  kEventReverseParsed = 4,   // the name is a full in-addr.arpa / ip6.arpa name (reverse_* are set)
  kEventTunnelType = 8,      // TXT, NULL, CNAME, MX, or ANY: types that carry data back
  kEventThreatHit = 16,      // a threat-intel indicator matched (threat_* are set)
  kEventTldValid = 32,       // the name ends in a TLD the public suffix list knows
  kEventHasRegistered = 64,  // the name has a registered domain (domain is it, else the whole name)
  kEventReverseV6 = 128,
  kEventMetadataAnswer = 256,   // an answer is the instance metadata service's address (answer is set)
  kEventBlackholeAnswer = 512,  // an answer is a black-hole address (answer is set), or kEventSinkholeIntel
  kEventSinkholeIntel = 1024,   // the threat-intel hit's category says sinkhole / black hole
  kEventPrivateSuffix = 2048,   // a private-section suffix decided the registered domain, or the name is one
                                // (icann_domain is set)
};

struct DetectionEvent {
  std::int64_t ts_ms = 0;
  std::uint64_t source_hash = 0;  // seeded hashes of the strings below
  std::uint64_t domain_hash = 0;
  std::uint64_t name_hash = 0;
  std::uint64_t vpc_hash = 0;
  StrRef line;          // into the job's input: the raw record
  StrRef name;          // normalized query name (strings)
  StrRef domain;        // registered domain, else the name (strings)
  StrRef icann_domain;  // with kEventPrivateSuffix: the registered domain by the ICANN rules alone (strings)
  StrRef account, vpc, instance, srcaddr, source;  // (strings)
  StrRef threat_indicator, threat_feed;            // (strings), with kEventThreatHit
  StrRef answer;  // (strings), with kEventMetadataAnswer or kEventBlackholeAnswer: the address answered
  std::uint64_t reverse_group = 0;  // with kEventReverseParsed: the /24 (IPv4) or /120 (IPv6) asked about
  std::uint8_t reverse_host = 0;    // the last octet of the address asked about
  std::int8_t threat_confidence = -1;
  std::uint8_t threat_class = 0;  // with kEventThreatHit: the indicator's ThreatClass
  std::uint8_t reputation = 0;    // the name's ReputationTier
  float dga_score = 0;            // of the registered domain's label
  float subdomain_entropy = 0;
  float subdomain_dga = 0;  // DGA score of the subdomain's longest label (0 when short)
  std::uint16_t subdomain_length = 0;
  std::uint16_t flags = 0;
  std::uint8_t longest_subdomain_label = 0;
  RcodeKind rcode = RcodeKind::kOther;
  LoggedAction action = LoggedAction::kNone;

  [[nodiscard]] bool has(EventFlag f) const { return (flags & f) != 0; }
};

struct DetectionBatch {
  std::vector<DetectionEvent> events;
  std::string strings;

  void clear() {
    events.clear();
    strings.clear();
  }
  StrRef add(std::string_view s) {
    StrRef r{static_cast<std::uint32_t>(strings.size()), static_cast<std::uint32_t>(s.size())};
    strings.append(s);
    return r;
  }
  [[nodiscard]] std::string_view str(StrRef r) const { return std::string_view(strings).substr(r.offset, r.length); }
};

}  // namespace dnslens
