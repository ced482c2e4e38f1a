#include "detect/anomaly/anomaly_detector.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace dnslens {

namespace {

constexpr std::uint64_t kVpcSalt = 0x5bd1e9955bd1e995ull;

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

}  // namespace

void AnomalyDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  ++stats_.events;
  for (int level = 0; level < 2; ++level) {
    const bool vpc = level == 0;
    const std::uint64_t key = vpc ? mix_keys(e.vpc_hash, kVpcSalt) : e.source_hash;
    auto it = entities_.find(key);
    if (it == entities_.end()) {
      if (entities_.size() >= config_.max_entities) {
        evict_least_recent_half(entities_, stats_, [&](State& s) { close_bucket(s, sink); });
      }
      it = entities_.try_emplace(key).first;
      State& s = it->second;
      s.vpc_hash = e.vpc_hash;
      s.is_vpc = vpc;
      s.bucket_start_ms = window_start(e.ts_ms, config_.bucket_seconds * 1000);
      s.entity = ctx.entity();
      if (vpc) {
        s.entity.instance.clear();
        s.entity.srcaddr.clear();
        s.entity.source = s.entity.vpc;
      }
      stats_.peak_keys = std::max<std::uint64_t>(stats_.peak_keys, entities_.size());
    }
    update(it->second, ctx, sink);
  }
}

void AnomalyDetector::update(State& s, const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  const std::int64_t bucket = window_start(e.ts_ms, config_.bucket_seconds * 1000);
  if (bucket < s.bucket_start_ms) {
    ++stats_.late;
    return;
  }
  if (bucket > s.bucket_start_ms) advance_to(s, bucket, sink);
  if (!s.open) {
    s.open = true;
    s.first_ms = e.ts_ms;
  }
  s.first_ms = std::min(s.first_ms, e.ts_ms);
  s.last_ms = std::max(s.last_ms, e.ts_ms);
  const bool hits[kMetrics] = {true, e.rcode == RcodeKind::kNxDomain, e.action == LoggedAction::kBlock,
                               e.action == LoggedAction::kAlert, e.has(kEventThreatHit)};
  for (std::size_t m = 0; m < kMetrics; ++m) {
    if (!hits[m]) continue;
    ++s.current[m];
    if (s.evidence[m].size() < std::min<std::uint32_t>(evidence_, 3)) s.evidence[m].emplace_back(ctx.line());
  }
}

void AnomalyDetector::push_history(State& s, const Counts& c) {
  if (s.history.size() < config_.baseline_buckets) {
    s.history.push_back(c);
  } else {
    s.history[s.next] = c;
    s.next = (s.next + 1) % s.history.size();
  }
}

// Closes the open bucket and records the silent buckets between it and bucket_start.
void AnomalyDetector::advance_to(State& s, std::int64_t bucket_start, FindingSink& sink) {
  close_bucket(s, sink);
  const std::int64_t step = config_.bucket_seconds * 1000;
  const std::int64_t silent =
      std::min<std::int64_t>((bucket_start - s.bucket_start_ms) / step - 1, config_.baseline_buckets);
  for (std::int64_t i = 0; i < silent; ++i) push_history(s, Counts{});
  s.bucket_start_ms = bucket_start;
}

void AnomalyDetector::close_bucket(State& s, FindingSink& sink) {
  if (!s.open) return;
  const Counts c = s.current;
  if (s.history.size() >= config_.min_baseline_buckets) {
    std::string flagged, metrics = "{";
    double best_z = 0;
    std::uint64_t flagged_events = 0;
    std::vector<std::string> evidence;
    for (std::size_t m = 0; m < kMetrics; ++m) {
      std::vector<double> base;
      base.reserve(s.history.size());
      for (const auto& h : s.history) base.push_back(h[m]);
      const double median = median_of(base);
      std::vector<double> dev;
      for (double b : base) dev.push_back(std::abs(b - median));
      const double mad = median_of(dev);
      const double noise = std::max(1.4826 * mad, std::sqrt(median) + 1.0);
      const double v = c[m];
      const double z = (v - median) / noise;
      if (v >= static_cast<double>(config_.min_count) && v >= config_.min_ratio * std::max(median, 1.0) &&
          z >= config_.min_robust_z) {
        flagged += fmt::format("{}{} {} (baseline median {:.0f}, MAD {:.1f}, robust z {:.1f})",
                               flagged.empty() ? "" : "; ", kMetricNames[m], c[m], median, mad, z);
        metrics += fmt::format(
            "{}\"{}\":{{\"value\":{},\"baseline_median\":{:.1f},\"baseline_mad\":{:.2f},\"robust_z\":{:.2f}}}",
            metrics.size() > 1 ? "," : "", kMetricNames[m], c[m], median, mad, z);
        best_z = std::max(best_z, z);
        flagged_events = std::max<std::uint64_t>(flagged_events, c[m]);
        for (auto& line : s.evidence[m]) evidence.push_back(line);
      }
    }
    if (!flagged.empty()) {
      metrics += fmt::format(",\"bucket_start_ms\":{},\"baseline_buckets\":{}}}", s.bucket_start_ms, s.history.size());
      Finding f;
      f.type = FindingType::kVolumeAnomaly;
      f.score = std::min(1.0, best_z / (4.0 * config_.min_robust_z));
      f.confidence = std::min(0.95, 0.4 + 0.1 * static_cast<double>(s.history.size()) / config_.min_baseline_buckets);
      f.severity = best_z >= 4 * config_.min_robust_z ? FindingSeverity::kMedium : FindingSeverity::kLow;
      f.first_seen_ms = s.first_ms;
      f.last_seen_ms = s.last_ms;
      f.events = flagged_events;
      f.entity = s.entity;
      f.explanation = fmt::format(
          "{} {} in the {}-min bucket from its own last {} buckets: {}; thresholds: >= {}, >= {:.1f}x "
          "median, robust z >= {:.1f}",
          s.is_vpc ? "VPC" : "source", s.entity.source, config_.bucket_seconds / 60, s.history.size(), flagged,
          config_.min_count, config_.min_ratio, config_.min_robust_z);
      f.explanation.insert(0, "volume left the baseline of ");
      f.metrics_json = std::move(metrics);
      f.evidence = std::move(evidence);
      ++stats_.detections;
      sink.emit(std::move(f));
    }
  }
  push_history(s, c);
  s.current = Counts{};
  s.open = false;
  for (auto& v : s.evidence) v.clear();
}

void AnomalyDetector::sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) {
  const std::int64_t step = config_.bucket_seconds * 1000;
  for (auto& [key, s] : entities_) {
    const std::int64_t clock = clocks.of(s.vpc_hash);
    if (s.bucket_start_ms + step + lateness_ms <= clock) advance_to(s, window_start(clock - lateness_ms, step), sink);
  }
}

void AnomalyDetector::finish(FindingSink& sink) {
  std::vector<std::uint64_t> keys;
  for (const auto& [k, s] : entities_) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  for (std::uint64_t k : keys) close_bucket(entities_.at(k), sink);
  entities_.clear();
}

DetectorStats AnomalyDetector::stats() const {
  DetectorStats s = stats_;
  s.keys = entities_.size();
  return s;
}

namespace {

DetectorDoc anomaly_doc(const DetectionConfig& c) {
  const AnomalyConfig& a = c.anomaly;
  return {fmt::format(
              "per VPC and per source, {} buckets against the entity's own last {} buckets (silent ones count as 0)",
              doc_duration(a.bucket_seconds), a.baseline_buckets),
          fmt::format(
              "for queries, NXDOMAIN, blocked, alerted or threat hits: value ≥ {}, ≥ {}× the baseline median, robust "
              "z = (value − median) / max(1.4826 MAD, √median + 1) ≥ {}, with ≥ {} buckets of history. Only rises "
              "are reported",
              a.min_count, a.min_ratio, a.min_robust_z, a.min_baseline_buckets)};
}

}  // namespace

const DetectorRegistration& anomaly_registration() {
  static constexpr FindingTypeInfo kTypes[] = {
      {FindingType::kVolumeAnomaly, "VolumeAnomaly", "", AnalyticKind::kStatistical, {}}};
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::anomaly, AnomalyDetector>("anomaly", kTypes, anomaly_doc);
  return r;
}

}  // namespace dnslens
