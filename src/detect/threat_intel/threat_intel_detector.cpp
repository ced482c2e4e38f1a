#include "detect/threat_intel/threat_intel_detector.hpp"

#include <fmt/format.h>

#include "core/json_escape.hpp"

namespace dnslens {

void ThreatIntelDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (!e.has(kEventThreatHit)) return;
  ++stats_.events;
  Finding f;
  f.type = FindingType::kThreatIntelMatch;
  const int confidence = e.threat_confidence;
  f.severity = confidence >= 80   ? FindingSeverity::kHigh
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
  f.explanation = fmt::format("{} queried {} which matched indicator {} of feed '{}' (confidence {}), {}",
                              f.entity.source, ctx.str(e.name), ctx.str(e.threat_indicator), ctx.str(e.threat_feed),
                              confidence >= 0 ? std::to_string(confidence) : std::string("unknown"), action);
  std::string feed;
  append_json_escaped_bytes(feed, ctx.str(e.threat_feed));
  f.metrics_json = fmt::format("{{\"feed\":\"{}\",\"indicator_confidence\":{}}}", feed, confidence);
  if (evidence_ > 0) f.evidence.emplace_back(ctx.line());
  ++stats_.detections;
  sink.emit(std::move(f));
}

namespace {

DetectorDoc threat_intel_doc(const DetectionConfig& c) {
  return {"per (source, indicator)", "any threat-intel hit (`--intel`); severity from the indicator's confidence"};
}

}  // namespace

const DetectorRegistration& threat_intel_registration() {
  static constexpr FindingTypeInfo kTypes[] = {{FindingType::kThreatIntelMatch,
                                                "ThreatIntelMatch",
                                                "Impact:EC2/MaliciousDomainRequest.Reputation",
                                                AnalyticKind::kRule,
                                                {}}};
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::threat_intel, ThreatIntelDetector>("threat_intel", kTypes, threat_intel_doc);
  return r;
}

}  // namespace dnslens
