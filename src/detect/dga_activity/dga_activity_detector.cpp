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
  {
    if (name_sources_.size() >= kMaxSharedNames && !name_sources_.contains(e.name_hash)) {
      // The least recently queried half goes.
      std::vector<std::pair<std::int64_t, std::uint64_t>> by_age;
      by_age.reserve(name_sources_.size());
      for (const auto& [k, v] : name_sources_) by_age.emplace_back(v.last_ms, k);
      std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(by_age.size() / 2), by_age.end());
      for (std::size_t i = 0; i < by_age.size() / 2; ++i) name_sources_.erase(by_age[i].second);
    }
    NameSources& n = name_sources_[e.name_hash];
    n.last_ms = std::max(n.last_ms, e.ts_ms);
    bool known = false;
    for (std::uint8_t i = 0; i < n.count; ++i) known = known || n.sources[i] == e.source_hash;
    if (!known && n.count < 3) n.sources[n.count++] = e.source_hash;
  }
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
  // Names of this burst that other hosts asked for too, and how many hosts at most.
  std::size_t shared = 0;
  unsigned hosts = 1;
  for (std::uint64_t name : s.names) {
    auto it = name_sources_.find(name);
    if (it == name_sources_.end() || it->second.count < 2) continue;
    ++shared;
    hosts = std::max<unsigned>(hosts, it->second.count);
  }
  const bool large = distinct >= 5 * config_.min_distinct_names && mean_score >= 0.9 && nx_share >= 0.8;
  const bool clear = distinct >= 2 * config_.min_distinct_names && nx_share >= 0.6;
  const std::string_view level = shared >= 3 || large ? "HIGH" : clear ? "MEDIUM" : "LOW";
  Finding f;
  f.type = FindingType::kDgaDomainRequest;
  const double burst = std::min(1.0, static_cast<double>(distinct) / (5.0 * config_.min_distinct_names));
  f.score = std::min(1.0, 0.4 * burst + 0.3 * mean_score + 0.3 * nx_share);
  const double base = level == "HIGH" ? 0.85 : level == "MEDIUM" ? 0.6 : 0.35;
  f.confidence = std::min(0.99, base + 0.07 * mean_score + 0.07 * nx_share);
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
      "NXDOMAIN, {} of them also queried by other hosts; confidence {}; thresholds: >= {} names scoring >= {:.2f}, "
      ">= {:.0f}% NXDOMAIN",
      s.entity.source, distinct >= kMaxDistinct ? ">= " : "", distinct, config_.window_seconds / 60, examples,
      mean_score, 100 * nx_share, shared, level, config_.min_distinct_names, config_.score_threshold,
      100 * config_.min_nxdomain_share);
  f.metrics_json = fmt::format(
      "{{\"distinct_domains\":{},\"queries\":{},\"mean_dga_score\":{:.3f},\"nxdomain_share\":{:.3f},\"example_"
      "domains\":{},"
      "\"window_start_ms\":{},\"shared_names\":{},\"hosts_sharing\":{},\"confidence_level\":\"{}\"}}",
      distinct, s.queries, mean_score, nx_share, examples_json, s.window_start_ms, shared, hosts, level);
  f.evidence = std::move(s.evidence);
  ++stats_.detections;
  sink.emit(std::move(f));
}

namespace {

DetectorDoc dga_activity_doc(const DetectionConfig& c) {
  const DgaActivityConfig& d = c.dga;
  return {
      fmt::format("per source, {} window; fleet-wide, the hosts (up to 3) that asked for each high-scoring name",
                  doc_duration(d.window_seconds)),
      fmt::format("≥ {} distinct names with DGA score ≥ {} (with a known TLD and not noise), ≥ {} of them NXDOMAIN. "
                  "Confidence HIGH when ≥ 3 of the names were also queried by other hosts, or ≥ {} names with a "
                  "mean score ≥ 0.9 and ≥ 80% NXDOMAIN; MEDIUM with ≥ {} names and ≥ 60% NXDOMAIN; else LOW",
                  d.min_distinct_names, d.score_threshold, doc_percent(d.min_nxdomain_share), 5 * d.min_distinct_names,
                  2 * d.min_distinct_names)};
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
