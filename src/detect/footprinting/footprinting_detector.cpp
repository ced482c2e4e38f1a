#include "detect/footprinting/footprinting_detector.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace dnslens {

void FootprintingWindow::reset(std::int64_t start) {
  window_start_ms = start;
  ptr_queries = nxdomain = addresses = 0;
  ranges.clear();
  evidence.clear();
}

void FootprintingDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (!e.has(kEventReverseParsed) || e.has(kEventBenignNoise)) return;
  FootprintingWindow* s = open(e.source_hash, ctx, sink);
  if (s == nullptr) return;
  ++s->ptr_queries;
  s->nxdomain += e.rcode == RcodeKind::kNxDomain;
  auto it = s->ranges.find(e.reverse_group);
  if (it == s->ranges.end()) {
    if (s->ranges.size() >= kMaxRanges) return;
    it = s->ranges.try_emplace(e.reverse_group).first;
    it->second.v6 = e.has(kEventReverseV6);
  }
  if (!it->second.hosts.test(e.reverse_host)) {
    it->second.hosts.set(e.reverse_host);
    ++s->addresses;
    if (s->evidence.size() < evidence_) s->evidence.emplace_back(ctx.line());
  }
}

void FootprintingDetector::close(FootprintingWindow& s, FindingSink& sink) {
  if (s.addresses < config_.min_addresses || s.ptr_queries == 0) return;
  // The range swept most densely.
  std::uint64_t best_group = 0;
  const SweepRange* best = nullptr;
  std::size_t best_count = 0;
  for (const auto& [group, range] : s.ranges) {
    std::size_t n = range.hosts.count();
    if (n > best_count || (n == best_count && best != nullptr && group < best_group)) {
      best_group = group;
      best = &range;
      best_count = n;
    }
  }
  std::size_t low = 0, high = 255;
  while (low < 256 && !best->hosts.test(low)) ++low;
  while (high > 0 && !best->hosts.test(high)) --high;
  const double density = static_cast<double>(best_count) / static_cast<double>(high - low + 1);
  const double nx_share = static_cast<double>(s.nxdomain) / s.ptr_queries;
  const bool range_sweep =
      best_count >= config_.min_addresses && (density >= config_.min_density || nx_share >= config_.min_nxdomain_share);
  const bool wide_sweep = s.addresses >= config_.min_wide_addresses && nx_share >= config_.min_nxdomain_share;
  if (!range_sweep && !wide_sweep) return;
  std::string range_text =
      best->v6 ? std::string("an IPv6 /120")
               : fmt::format("{}.{}.{}.0/24", (best_group >> 16) & 0xff, (best_group >> 8) & 0xff, best_group & 0xff);
  Finding f;
  f.type = FindingType::kReverseDnsSweep;
  f.score =
      std::min(1.0, 0.5 * std::min(1.0, static_cast<double>(s.addresses) / 200.0) + 0.3 * density + 0.2 * nx_share);
  f.confidence = std::min(0.99, 0.5 + 0.3 * density + 0.2 * nx_share);
  f.severity = s.addresses >= 200 ? FindingSeverity::kHigh : FindingSeverity::kMedium;
  f.first_seen_ms = s.first_ms;
  f.last_seen_ms = s.last_ms;
  f.events = s.ptr_queries;
  f.entity = s.entity;
  const double minutes = static_cast<double>(s.last_ms - s.first_ms) / 60000.0;
  f.explanation =
      range_sweep
          ? fmt::format(
                "{} asked reverse DNS for {} addresses of {} (hosts {}-{}, density {:.2f}) in {:.0f} min, {} addresses "
                "in {} ranges overall, {:.0f}% NXDOMAIN; thresholds: >= {} addresses in one range with density >= "
                "{:.2f} "
                "or >= {:.0f}% NXDOMAIN",
                s.entity.source, best_count, range_text, low, high, density, minutes, s.addresses, s.ranges.size(),
                100 * nx_share, config_.min_addresses, config_.min_density, 100 * config_.min_nxdomain_share)
          : fmt::format(
                "{} asked reverse DNS for {} addresses across {} ranges in {:.0f} min, {:.0f}% NXDOMAIN; thresholds: "
                ">= {} addresses, >= {:.0f}% NXDOMAIN",
                s.entity.source, s.addresses, s.ranges.size(), minutes, 100 * nx_share, config_.min_wide_addresses,
                100 * config_.min_nxdomain_share);
  f.metrics_json = fmt::format(
      "{{\"addresses\":{},\"ranges\":{},\"densest_range\":\"{}\",\"densest_range_addresses\":{},\"density\":{:.3f},"
      "\"ptr_queries\":{},\"nxdomain_share\":{:.3f},\"window_start_ms\":{}}}",
      s.addresses, s.ranges.size(), range_text, best_count, density, s.ptr_queries, nx_share, s.window_start_ms);
  f.evidence = std::move(s.evidence);
  ++stats_.detections;
  sink.emit(std::move(f));
}

namespace {

DetectorDoc footprinting_doc(const DetectionConfig& c) {
  const FootprintingConfig& f = c.footprinting;
  return {
      fmt::format("per source, {} window, PTR queries for full in-addr.arpa/ip6.arpa names",
                  doc_duration(f.window_seconds)),
      fmt::format("≥ {} distinct addresses in one /24 (or IPv6 /120), covering ≥ {} of their span or ≥ {} NXDOMAIN; "
                  "or ≥ {} addresses across ranges, ≥ {} NXDOMAIN",
                  f.min_addresses, doc_percent(f.min_density), doc_percent(f.min_nxdomain_share), f.min_wide_addresses,
                  doc_percent(f.min_nxdomain_share))};
}

}  // namespace

const DetectorRegistration& footprinting_registration() {
  static constexpr FindingTypeInfo kTypes[] = {{FindingType::kReverseDnsSweep,
                                                "ReverseDNSSweep",
                                                "",
                                                AnalyticKind::kBehavioral,
                                                {"TA0007", "Discovery", "T1018", "Remote System Discovery", "", ""}}};
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::footprinting, FootprintingDetector>("footprinting", kTypes, footprinting_doc);
  return r;
}

}  // namespace dnslens
