#pragma once
// DNS Firewall Advanced simulated per query. AWS decides a query before it resolves it, from what the
// query says, so the simulation reads the query name's signals only (never the rcode or the answers):
// - DGA: the name's DGA score (the registered domain's label, or the larger of it and a single subdomain
//   label of 6+ characters: what a DGA varies, also under a dynamic-DNS domain the suffix list lacks).
// - DNS_TUNNELING: the subdomain under the registered domain: how long it is and how machine-made its
//   longest label scores (what encoded data looks like).
// - DICTIONARY_DGA: not simulated yet (dnslens has no dictionary-DGA scorer with a measured precision);
//   such rules never match in the simulation, and loading a policy with one says so.
// Names marked as known benign noise (DNSBL and hash-reputation lookups, CDN hex names, ...) match no
// protection, nor do DGA scores of names a cloud platform assigns (a CloudFront distribution, an S3
// bucket, an Azure or Google app host: random by design, and the platform's, not a registrar's). The thresholds of each
// confidence level, and the precision each reaches on `dnslens detect eval`, are in docs/FIREWALL.md.
#include "core/enriched_record.hpp"
#include "enrich/dns_firewall/firewall_policy.hpp"

namespace dnslens {

// The strictest confidence threshold at which the protection matches the query name (kHigh: it matches
// at every threshold; kNone: at none). A rule matches when its threshold is at most this. name: enriched
// with its parts and signals (has_signals).
[[nodiscard]] ConfidenceThreshold threat_protection_level(ThreatProtection protection, const EnrichedRecord& name);

// The score each threshold needs, for the documentation and `detect eval`.
struct ThreatProtectionThresholds {
  float dga_score[3];         // LOW, MEDIUM, HIGH: the registered label's DGA score at least this
  float subdomain_dga[3];     // and for DNS_TUNNELING: the longest subdomain label's DGA score
  std::uint8_t min_label[3];  // of a label this long at least
};
[[nodiscard]] const ThreatProtectionThresholds& threat_protection_thresholds();

// The protections the simulation evaluates, and the thresholds from loosest to strictest.
inline constexpr ThreatProtection kSimulatedThreatProtections[] = {ThreatProtection::kDga,
                                                                   ThreatProtection::kDnsTunneling};
inline constexpr ConfidenceThreshold kConfidenceThresholds[] = {ConfidenceThreshold::kLow, ConfidenceThreshold::kMedium,
                                                                ConfidenceThreshold::kHigh};

// Whether the simulation evaluates this protection at all.
[[nodiscard]] constexpr bool threat_protection_simulated(ThreatProtection protection) {
  for (ThreatProtection p : kSimulatedThreatProtections) {
    if (p == protection) return true;
  }
  return false;
}

}  // namespace dnslens
