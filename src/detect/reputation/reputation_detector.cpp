#include "detect/reputation/reputation_detector.hpp"

#include <fmt/format.h>

#include "core/json_escape.hpp"
#include "detect/reputation/low_reputation.hpp"

namespace dnslens {

void ReputationDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (e.reputation == 0 || e.has(kEventBenignNoise)) return;
  ++stats_.events;
  const auto tier = static_cast<ReputationTier>(e.reputation);
  Finding f;
  f.type = FindingType::kSuspiciousDomainRequest;
  const bool callback = tier == ReputationTier::kOutOfBand;
  f.severity = callback ? FindingSeverity::kMedium : FindingSeverity::kLow;
  f.confidence = callback ? 0.7 : 0.5;
  f.score = f.confidence;
  f.first_seen_ms = f.last_seen_ms = e.ts_ms;
  f.events = 1;
  f.entity = ctx.entity();
  const std::string_view name = ctx.str(e.name);
  // A provider's many hostnames (a DGA under a dynamic-DNS domain) are one finding per source; a parked
  // domain is its own.
  const std::string_view provider = tier == ReputationTier::kParked ? std::string_view() : reputation_provider(name);
  f.domain = std::string(provider.empty() ? ctx.str(e.domain) : provider);
  std::string_view why;
  switch (tier) {
    case ReputationTier::kDynamicDns:
      why = "a dynamic-DNS provider's free hostname";
      break;
    case ReputationTier::kTunnelService:
      why = "a tunnel or free-hosting service's public name";
      break;
    case ReputationTier::kOutOfBand:
      why = "an out-of-band callback service used to confirm injected payloads";
      break;
    case ReputationTier::kParked:
      why = "an alias of a domain-parking or domain-sale service (an expired or squatted domain)";
      break;
    case ReputationTier::kNone:
      break;
  }
  const std::string_view action = e.action == LoggedAction::kBlock   ? ", blocked by DNS Firewall"
                                  : e.action == LoggedAction::kAlert ? ", alerted by DNS Firewall"
                                                                     : "";
  f.explanation = fmt::format("{} queried {}: {}{}", f.entity.source, name, why, action);
  std::string name_json;
  append_json_escaped_bytes(name_json, name);
  f.metrics_json = fmt::format("{{\"tier\":\"{}\",\"name\":\"{}\"}}", reputation_tier_name(tier), name_json);
  if (evidence_ > 0) f.evidence.emplace_back(ctx.line());
  ++stats_.detections;
  sink.emit(std::move(f));
}

namespace {

DetectorDoc reputation_doc(const DetectionConfig&) {
  return {
      "per (source, provider domain), or (source, registered domain) when parked; each record alone",
      "the name is a dynamic-DNS provider's hostname (duckdns.org, no-ip's and afraid.org's domains, ...), a tunnel "
      "or free-hosting service's (ngrok, trycloudflare.com, loca.lt, ...), an out-of-band callback service's "
      "(oast.*, oastify.com, dnslog.cn, ...: medium), or a CNAME of a parking service (parked); not benign noise"};
}

}  // namespace

const DetectorRegistration& reputation_registration() {
  static constexpr FindingTypeInfo kTypes[] = {
      {FindingType::kSuspiciousDomainRequest,
       "SuspiciousDomainRequest",
       "Impact:EC2/SuspiciousDomainRequest.Reputation",
       AnalyticKind::kRule,
       {"TA0011", "Command and Control", "T1568", "Dynamic Resolution", {}, {}}}};
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::reputation, ReputationDetector>("reputation", kTypes, reputation_doc);
  return r;
}

}  // namespace dnslens
