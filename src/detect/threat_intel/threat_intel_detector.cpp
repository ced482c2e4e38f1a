#include "detect/threat_intel/threat_intel_detector.hpp"

#include <fmt/format.h>

#include "core/json_escape.hpp"
#include "enrich/threat_intel/threat_intel.hpp"

namespace dnslens {

namespace {

// The finding type of a hit by its indicator's category, and the severity when the feed gives no
// confidence (GuardDuty's default severity for that type).
struct ClassType {
  FindingType type;
  FindingSeverity unknown_confidence_severity;
};

ClassType class_type(ThreatClass c) {
  switch (c) {
    case ThreatClass::kCommandAndControl:
      return {FindingType::kCommandAndControl, FindingSeverity::kHigh};
    case ThreatClass::kCryptoCurrency:
      return {FindingType::kCryptoCurrency, FindingSeverity::kHigh};
    case ThreatClass::kPhishing:
      return {FindingType::kPhishingDomainRequest, FindingSeverity::kHigh};
    case ThreatClass::kDga:
      return {FindingType::kKnownDgaDomainRequest, FindingSeverity::kHigh};
    case ThreatClass::kDropPoint:
      return {FindingType::kDropPoint, FindingSeverity::kHigh};
    case ThreatClass::kDriveBy:
      return {FindingType::kDriveBySource, FindingSeverity::kHigh};
    case ThreatClass::kGeneric:
    case ThreatClass::kSinkhole:
      break;
  }
  return {FindingType::kThreatIntelMatch, FindingSeverity::kLow};
}

}  // namespace

void ThreatIntelDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (!e.has(kEventThreatHit)) return;
  const auto cls = static_cast<ThreatClass>(e.threat_class);
  if (cls == ThreatClass::kSinkhole) return;  // a black hole: the answers detector's BlackholeTraffic
  ++stats_.events;
  const ClassType ct = class_type(cls);
  Finding f;
  f.type = ct.type;
  const int confidence = e.threat_confidence;
  f.severity = confidence < 0     ? ct.unknown_confidence_severity
               : confidence >= 80 ? FindingSeverity::kHigh
               : confidence >= 50 ? FindingSeverity::kMedium
                                  : FindingSeverity::kLow;
  f.confidence = confidence >= 0 ? confidence / 100.0 : 0.5;
  f.score = f.confidence;
  f.first_seen_ms = f.last_seen_ms = e.ts_ms;
  f.events = 1;
  f.entity = ctx.entity();
  f.domain = std::string(ctx.str(e.threat_indicator));
  const std::string_view action = e.action == LoggedAction::kBlock   ? "blocked by DNS Firewall"
                                  : e.action == LoggedAction::kAlert ? "alerted by DNS Firewall"
                                                                     : "not blocked";
  const std::string_view what = cls == ThreatClass::kGeneric ? "" : threat_class_name(cls);
  f.explanation =
      fmt::format("{} queried {} which matched {}{}indicator {} of feed '{}' (confidence {}), {}", f.entity.source,
                  ctx.str(e.name), what, what.empty() ? "" : " ", ctx.str(e.threat_indicator), ctx.str(e.threat_feed),
                  confidence >= 0 ? std::to_string(confidence) : std::string("unknown"), action);
  std::string feed;
  append_json_escaped_bytes(feed, ctx.str(e.threat_feed));
  f.metrics_json = fmt::format("{{\"feed\":\"{}\",\"indicator_confidence\":{},\"threat_class\":\"{}\"}}", feed,
                               confidence, threat_class_name(cls));
  if (evidence_ > 0) f.evidence.emplace_back(ctx.line());
  ++stats_.detections;
  sink.emit(std::move(f));
}

namespace {

DetectorDoc threat_intel_doc(const DetectionConfig&) {
  return {"per (source, indicator)",
          "any threat-intel hit (`--intel`) whose category names none of the threats below; severity from the "
          "indicator's confidence (low when the feed gives none)"};
}

}  // namespace

const DetectorRegistration& threat_intel_registration() {
  static constexpr AttackTechnique kC2{
      "TA0011", "Command and Control", "T1071", "Application Layer Protocol", "T1071.004", "DNS"};
  static constexpr FindingTypeInfo kTypes[] = {
      {FindingType::kThreatIntelMatch,
       "ThreatIntelMatch",
       "Impact:EC2/MaliciousDomainRequest.Reputation",
       AnalyticKind::kRule,
       {}},
      {FindingType::kCommandAndControl, "CommandAndControlActivity", "Backdoor:EC2/C&CActivity.B!DNS",
       AnalyticKind::kRule, kC2,
       "a threat-intel hit whose category says command and control (`c2`, `c&c`, `cnc`, `botnet_cc`, "
       "`command-and-control`); severity from the indicator's confidence (high when the feed gives none)"},
      {FindingType::kCryptoCurrency,
       "CryptoCurrencyActivity",
       "CryptoCurrency:EC2/BitcoinTool.B!DNS",
       AnalyticKind::kRule,
       {"TA0040", "Impact", "T1496", "Resource Hijacking", {}, {}},
       "a threat-intel hit whose category says cryptocurrency mining (`coinminer`, `cryptomining`, `miner`, `mining "
       "pool`, `bitcoin`, `monero`); severity from the indicator's confidence (high when the feed gives none)"},
      {FindingType::kPhishingDomainRequest,
       "PhishingDomainRequest",
       "Trojan:EC2/PhishingDomainRequest!DNS",
       AnalyticKind::kRule,
       {"TA0001", "Initial Access", "T1566", "Phishing", {}, {}},
       "a threat-intel hit whose category says `phishing`; severity from the indicator's confidence (high when the "
       "feed gives none)"},
      {FindingType::kKnownDgaDomainRequest,
       "KnownDGADomainRequest",
       "Trojan:EC2/DGADomainRequest.C!DNS",
       AnalyticKind::kRule,
       {"TA0011", "Command and Control", "T1568", "Dynamic Resolution", "T1568.002", "Domain Generation Algorithms"},
       "a threat-intel hit whose category says `dga` or `domain generation algorithm` (GuardDuty's known-DGA finding; "
       "`DGADomainRequest` is the heuristic one); severity from the indicator's confidence (high when the feed gives "
       "none)"},
      {FindingType::kDropPoint,
       "DropPoint",
       "Trojan:EC2/DropPoint!DNS",
       AnalyticKind::kRule,
       {"TA0010", "Exfiltration", "T1041", "Exfiltration Over C2 Channel", {}, {}},
       "a threat-intel hit whose category says a drop point for stolen data (`drop point`, `exfiltration`, "
       "`cc_skimming`); severity from the indicator's confidence (high when the feed gives none)"},
      {FindingType::kDriveBySource,
       "DriveBySourceTraffic",
       "Trojan:EC2/DriveBySourceTraffic!DNS",
       AnalyticKind::kRule,
       {"TA0001", "Initial Access", "T1189", "Drive-by Compromise", {}, {}},
       "a threat-intel hit whose category says drive-by downloads (`drive-by`, `exploit kit`, `malvertising`); "
       "severity from the indicator's confidence (high when the feed gives none)"},
  };
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::threat_intel, ThreatIntelDetector>("threat_intel", kTypes, threat_intel_doc);
  return r;
}

}  // namespace dnslens
