#include "detect/dga_activity/dga_activity_detector.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/json_escape.hpp"

namespace dnslens {

void DgaWindow::reset(std::int64_t start) {
  window_start_ms = start;
  queries = nxdomain = 0;
  score_sum = 0;
  names.clear();
  examples.clear();
  evidence.clear();
}

void DgaActivityDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (e.dga_score < config_.score_threshold || e.has(kEventBenignNoise) || !e.has(kEventTldValid) ||
      !e.has(kEventHasRegistered)) {
    return;
  }
  DgaWindow* s = open(e.source_hash, ctx, sink);
  if (s == nullptr) return;
  ++s->queries;
  s->nxdomain += e.rcode == RcodeKind::kNxDomain;
  s->score_sum += e.dga_score;
  if (s->names.size() < kMaxDistinct && s->names.insert(e.name_hash).second) {
    if (s->examples.size() < 10) s->examples.emplace_back(ctx.str(e.name));
    if (s->evidence.size() < evidence_) s->evidence.emplace_back(ctx.line());
  }
}

void DgaActivityDetector::close(DgaWindow& s, FindingSink& sink) {
  const std::size_t distinct = s.names.size();
  if (distinct < config_.min_distinct_names || s.queries == 0) return;
  const double nx_share = static_cast<double>(s.nxdomain) / s.queries;
  if (nx_share < config_.min_nxdomain_share) return;
  const double mean_score = s.score_sum / s.queries;
  Finding f;
  f.type = FindingType::kDgaDomainRequest;
  const double burst = std::min(1.0, static_cast<double>(distinct) / (5.0 * config_.min_distinct_names));
  f.score = std::min(1.0, 0.4 * burst + 0.3 * mean_score + 0.3 * nx_share);
  f.confidence = std::min(0.99, 0.4 + 0.3 * mean_score + 0.3 * nx_share);
  f.severity = distinct >= 5 * config_.min_distinct_names ? FindingSeverity::kHigh : FindingSeverity::kMedium;
  f.first_seen_ms = s.first_ms;
  f.last_seen_ms = s.last_ms;
  f.events = s.queries;
  f.entity = s.entity;
  std::string examples;
  std::string examples_json = "[";
  for (std::size_t i = 0; i < s.examples.size(); ++i) {
    if (i < 3) examples += (i ? ", " : "") + s.examples[i];
    examples_json += i ? ",\"" : "\"";
    append_json_escaped_bytes(examples_json, s.examples[i]);
    examples_json += '"';
  }
  examples_json += ']';
  f.explanation = fmt::format(
      "{} queried {}{} distinct machine-looking domains within {} min (e.g. {}), mean DGA score {:.2f}, {:.0f}% "
      "NXDOMAIN; thresholds: >= {} names scoring >= {:.2f}, >= {:.0f}% NXDOMAIN",
      s.entity.source, distinct >= kMaxDistinct ? ">= " : "", distinct, config_.window_seconds / 60, examples,
      mean_score, 100 * nx_share, config_.min_distinct_names, config_.score_threshold,
      100 * config_.min_nxdomain_share);
  f.metrics_json = fmt::format(
      "{{\"distinct_domains\":{},\"queries\":{},\"mean_dga_score\":{:.3f},\"nxdomain_share\":{:.3f},\"example_"
      "domains\":{},"
      "\"window_start_ms\":{}}}",
      distinct, s.queries, mean_score, nx_share, examples_json, s.window_start_ms);
  f.evidence = std::move(s.evidence);
  ++stats_.detections;
  sink.emit(std::move(f));
}

namespace {

DetectorDoc dga_activity_doc(const DetectionConfig& c) {
  const DgaActivityConfig& d = c.dga;
  return {fmt::format("per source, {} window", doc_duration(d.window_seconds)),
          fmt::format("≥ {} distinct names with DGA score ≥ {} (with a known TLD and not noise), ≥ {} of them NXDOMAIN",
                      d.min_distinct_names, d.score_threshold, doc_percent(d.min_nxdomain_share))};
}

}  // namespace

const DetectorRegistration& dga_activity_registration() {
  static constexpr FindingTypeInfo kTypes[] = {
      {FindingType::kDgaDomainRequest,
       "DGADomainRequest",
       "Trojan:EC2/DGADomainRequest.B",
       AnalyticKind::kLearning,
       {"TA0011", "Command and Control", "T1568", "Dynamic Resolution", "T1568.002", "Domain Generation Algorithms"}}};
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::dga, DgaActivityDetector>("dga", kTypes, dga_activity_doc);
  return r;
}

}  // namespace dnslens
