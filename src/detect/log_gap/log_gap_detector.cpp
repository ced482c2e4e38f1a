#include "detect/log_gap/log_gap_detector.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "core/timestamp.hpp"
#include "detect/engine/keyed_windows.hpp"

namespace dnslens {

namespace {

std::int64_t minute_of(std::int64_t ms) { return ms >= 0 ? ms / 60000 : (ms - 59999) / 60000; }

std::string duration_text(std::int64_t ms) {
  const std::int64_t minutes = ms / 60000;
  if (minutes < 120) return fmt::format("{} min", minutes);
  return fmt::format("{:.1f} h", static_cast<double>(ms) / 3.6e6);
}

}  // namespace

LogGapDetector::LogGapDetector(const LogGapConfig& config, std::uint32_t evidence)
    : config_(config), evidence_(evidence), history_minutes_(static_cast<int>(config.history_seconds / 60)) {
  stats_.name = "log_gap";
}

int LogGapDetector::active_minutes(const Vpc& v) const {
  if (v.last_ms - v.first_ms < (config_.history_seconds - 60) * 1000) return -1;
  const std::uint64_t mask = history_minutes_ >= 64 ? ~0ull : (1ull << history_minutes_) - 1;
  return std::popcount(v.minutes & mask);
}

void LogGapDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (e.vpc.length == 0) return;
  ++stats_.events;
  newest_ms_ = std::max(newest_ms_, e.ts_ms);
  const std::int64_t minute = minute_of(e.ts_ms);
  auto [it, inserted] = vpcs_.try_emplace(e.vpc_hash);
  Vpc& v = it->second;
  if (inserted) {
    v.first_ms = v.last_ms = e.ts_ms;
    v.last_minute = minute;
    v.minutes = 1;
    v.records = 1;
    const std::string vpc(ctx.str(e.vpc));
    v.entity = Entity{std::string(ctx.str(e.account)), vpc, {}, {}, vpc};
    stats_.peak_keys = std::max<std::uint64_t>(stats_.peak_keys, vpcs_.size());
    if (vpcs_.size() > config_.max_keys) evict(sink);
    return;
  }
  ++v.records;
  if (e.ts_ms > v.last_ms) {
    if (e.ts_ms - v.last_ms >= config_.min_gap_seconds * 1000) {
      if (v.pending) report(v, false, 0, sink);  // the clock is past it by a whole gap already
      const int active = active_minutes(v);
      if (active >= 0 && active >= static_cast<int>(std::ceil(config_.min_active_share * history_minutes_))) {
        v.pending = true;
        v.gap_start_ms = v.last_ms;
        v.gap_end_ms = e.ts_ms;
        v.active_minutes = static_cast<unsigned>(active);
        if (evidence_ > 0) v.evidence.assign(ctx.line());
      }
    }
    const std::int64_t shift = minute - v.last_minute;
    if (shift > 0) v.minutes = shift >= 64 ? 0 : v.minutes << shift;
    v.minutes |= 1;
    v.last_minute = minute;
    v.last_ms = e.ts_ms;
  } else {
    // A late record may fall in a gap found earlier: what is left of it on either side is still a gap
    // when it is long enough (the earlier part first), else there was none.
    if (v.pending && e.ts_ms > v.gap_start_ms && e.ts_ms < v.gap_end_ms) {
      const std::int64_t min_gap_ms = config_.min_gap_seconds * 1000;
      if (e.ts_ms - v.gap_start_ms >= min_gap_ms) {
        v.gap_end_ms = e.ts_ms;
      } else if (v.gap_end_ms - e.ts_ms >= min_gap_ms) {
        v.gap_start_ms = e.ts_ms;
      } else {
        v.pending = false;
        v.evidence.clear();
      }
    }
    const std::int64_t back = v.last_minute - minute;
    if (back < 64) v.minutes |= 1ull << back;
    v.first_ms = std::min(v.first_ms, e.ts_ms);
  }
}

void LogGapDetector::report(Vpc& v, bool at_end, std::int64_t input_end_ms, FindingSink& sink) {
  const std::int64_t start = at_end ? v.last_ms : v.gap_start_ms;
  const std::int64_t end = at_end ? input_end_ms : v.gap_end_ms;
  const unsigned active = at_end ? static_cast<unsigned>(std::max(active_minutes(v), 0)) : v.active_minutes;
  Finding f;
  f.type = FindingType::kQueryLogGap;
  f.severity = FindingSeverity::kMedium;
  f.confidence = 0.9 * static_cast<double>(active) / history_minutes_;
  f.score = std::min(1.0, static_cast<double>(end - start) / (4.0 * config_.min_gap_seconds * 1000));
  f.first_seen_ms = start;
  f.last_seen_ms = end;
  f.entity = v.entity;
  const std::string from = iso8601_seconds(start), to = iso8601_seconds(end);
  if (at_end) {
    f.explanation = fmt::format(
        "VPC {} logged no queries for the last {} of the input ({} to {}, while other VPCs went on logging), after "
        "queries in {} of its previous {} minutes: query logging stopped or the VPC went silent",
        v.entity.vpc, duration_text(end - start), from, to, active, history_minutes_);
  } else {
    f.explanation = fmt::format(
        "VPC {} logged no queries for {} ({} to {}) after queries in {} of its previous {} minutes: query logging "
        "stopped or the VPC went silent",
        v.entity.vpc, duration_text(end - start), from, to, active, history_minutes_);
    if (!v.evidence.empty()) f.evidence.push_back(std::move(v.evidence));
    f.events = f.evidence.size();
  }
  f.metrics_json = fmt::format("{{\"gap_seconds\":{},\"active_minutes\":{},\"history_minutes\":{},\"resumed\":{}}}",
                               (end - start) / 1000, active, history_minutes_, at_end ? "false" : "true");
  v.pending = false;
  v.evidence.clear();
  ++stats_.detections;
  sink.emit(std::move(f));
}

void LogGapDetector::sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) {
  for (auto& [key, v] : vpcs_) {
    if (v.pending && clocks.of(key) >= v.gap_end_ms + lateness_ms) report(v, false, 0, sink);
  }
}

void LogGapDetector::finish(FindingSink& sink) {
  // In a fixed order, so findings come out the same from run to run.
  std::vector<Vpc*> order;
  order.reserve(vpcs_.size());
  for (auto& [key, v] : vpcs_) order.push_back(&v);
  std::sort(order.begin(), order.end(), [](const Vpc* a, const Vpc* b) { return a->entity.vpc < b->entity.vpc; });
  const int needed = static_cast<int>(std::ceil(config_.min_active_share * history_minutes_));
  for (Vpc* v : order) {
    if (v->pending) report(*v, false, 0, sink);
    if (newest_ms_ - v->last_ms >= config_.min_gap_seconds * 1000 && active_minutes(*v) >= needed)
      report(*v, true, newest_ms_, sink);
  }
  vpcs_.clear();
}

void LogGapDetector::evict(FindingSink& sink) {
  // The least recently logging half goes; a gap already found is reported first.
  evict_least_recent_half(vpcs_, stats_, [&](Vpc& v) {
    if (v.pending) report(v, false, 0, sink);
  });
}

DetectorStats LogGapDetector::stats() const {
  DetectorStats s = stats_;
  s.keys = vpcs_.size();
  return s;
}

namespace {

DetectorDoc log_gap_doc(const DetectionConfig& c) {
  const LogGapConfig& g = c.log_gap;
  return {
      fmt::format("per VPC: the last record's time and the minutes with records over the last {}",
                  doc_duration(g.history_seconds)),
      fmt::format("a VPC that logged in ≥ {} of the minutes of the last {} logs nothing for ≥ {}: records resume "
                  "later (judged when the VPC's clock passes the gap's end plus the lateness allowance, so a late "
                  "record in the gap cancels it), or its last record is that much older than the input's newest",
                  doc_percent(g.min_active_share), doc_duration(g.history_seconds), doc_duration(g.min_gap_seconds))};
}

}  // namespace

const DetectorRegistration& log_gap_registration() {
  static constexpr FindingTypeInfo kTypes[] = {
      {FindingType::kQueryLogGap,
       "QueryLogGap",
       "",
       AnalyticKind::kBehavioral,
       {"TA0005", "Defense Evasion", "T1562", "Impair Defenses", "T1562.008", "Disable or Modify Cloud Logs"}}};
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::log_gap, LogGapDetector>("log_gap", kTypes, log_gap_doc);
  return r;
}

}  // namespace dnslens
