#include "detect/beaconing/beaconing_detector.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace dnslens {

namespace {

double quantile_sorted(const std::vector<double>& v, double q) {
  return v[static_cast<std::size_t>(std::lround(q * static_cast<double>(v.size() - 1)))];
}

constexpr std::size_t kMaxSources = 1000000;

// 1 - |Bowley skew|, the skew weighed by how wide the middle half is against the jitter tolerated: a
// lopsided spread of a few seconds around a five-minute beat is still a beat (quartiles of a tight
// series are mostly rounding), a lopsided spread as wide as the tolerance is not.
double skew_score(double skew, double iqr, double tolerance) {
  const double weight = tolerance > 0 ? std::min(1.0, iqr / tolerance) : 1.0;
  return 1.0 - std::min(1.0, std::abs(skew) * weight);
}

// Quartiles, Bowley skew and median absolute deviation of values (sorted in place).
struct Spread {
  double q1 = 0, q2 = 0, q3 = 0;
  double skew = 0;
  double mad = 0;
};

Spread spread_of(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  Spread s;
  s.q1 = quantile_sorted(values, 0.25);
  s.q2 = quantile_sorted(values, 0.5);
  s.q3 = quantile_sorted(values, 0.75);
  if (s.q3 > s.q1 && s.q2 != s.q1 && s.q2 != s.q3) s.skew = (s.q1 + s.q3 - 2 * s.q2) / (s.q3 - s.q1);
  std::vector<double> dev;
  dev.reserve(values.size());
  for (double x : values) dev.push_back(std::abs(x - s.q2));
  std::sort(dev.begin(), dev.end());
  s.mad = quantile_sorted(dev, 0.5);
  return s;
}

// RITA's score of the intervals themselves (raw, whose median is given), long ones split into missed beats.
BeaconScore score_plain(const std::vector<double>& raw, double median, double jitter_tolerance) {
  BeaconScore r;
  r.intervals = raw.size();
  // Missed beacons: only for a series that is mostly regular already, or random traffic would be
  // made to look regular by cutting its long gaps into pieces.
  std::size_t near = 0;
  for (double d : raw) near += std::abs(d - median) <= jitter_tolerance * median;
  std::vector<double> intervals;
  if (2 * near >= raw.size()) {
    for (double d : raw) {
      const double k = std::round(d / median);
      if (k >= 2 && std::abs(d - k * median) <= jitter_tolerance * median * k) {
        for (int i = 0; i < static_cast<int>(k); ++i) intervals.push_back(d / k);
        r.missed += static_cast<std::size_t>(k) - 1;
      } else {
        intervals.push_back(d);
      }
    }
  } else {
    intervals = raw;
  }
  const Spread s = spread_of(intervals);
  r.median_interval_s = s.q2;
  r.mad_s = s.mad;
  r.skew_score = skew_score(s.skew, s.q3 - s.q1, jitter_tolerance * s.q2);
  r.dispersion_score = std::clamp(1.0 - s.mad / (jitter_tolerance * s.q2), 0.0, 1.0);
  r.coverage = static_cast<double>(r.intervals) / static_cast<double>(intervals.size());
  r.score = (r.skew_score + r.dispersion_score + r.coverage) / 3.0;
  return r;
}

// The series as multiples of period p: residuals from the nearest multiple (Bowley skew and MAD relative
// to p), completeness in units of the smallest multiple present.
BeaconScore score_multiples(const std::vector<double>& raw, double p, double jitter_tolerance) {
  BeaconScore r;
  r.intervals = raw.size();
  std::vector<double> residuals;
  residuals.reserve(raw.size());
  std::vector<double> multiples;
  multiples.reserve(raw.size());
  for (double d : raw) {
    const double m = std::max(1.0, std::round(d / p));
    residuals.push_back(d - m * p);
    multiples.push_back(m);
  }
  std::vector<double> sorted_m = multiples;
  std::sort(sorted_m.begin(), sorted_m.end());
  const double unit = quantile_sorted(sorted_m, 0.1);  // the logged period, in multiples of p
  double expected = 0;
  for (double m : multiples) expected += m / unit;
  const Spread s = spread_of(residuals);
  r.mad_s = s.mad;
  r.median_interval_s = unit * p;
  r.fundamental_s = p;
  r.skew_score = skew_score(s.skew, s.q3 - s.q1, jitter_tolerance * p);
  r.dispersion_score = std::clamp(1.0 - r.mad_s / (jitter_tolerance * p), 0.0, 1.0);
  r.coverage = std::min(1.0, static_cast<double>(raw.size()) / expected);
  r.missed = static_cast<std::size_t>(std::max(0.0, std::round(expected - static_cast<double>(raw.size()))));
  r.score = (r.skew_score + r.dispersion_score + r.coverage) / 3.0;
  return r;
}

}  // namespace

BeaconScore score_beacon(const std::vector<std::uint32_t>& seconds, double jitter_tolerance, double min_period_s) {
  if (seconds.size() < 3) return {};
  std::vector<double> raw;
  raw.reserve(seconds.size() - 1);
  for (std::size_t i = 1; i < seconds.size(); ++i) raw.push_back(static_cast<double>(seconds[i] - seconds[i - 1]));
  std::vector<double> sorted = raw;
  std::sort(sorted.begin(), sorted.end());
  const double median = quantile_sorted(sorted, 0.5);
  if (median <= 0) {
    BeaconScore none;
    none.intervals = raw.size();
    return none;
  }
  BeaconScore best = score_plain(raw, median, jitter_tolerance);
  for (int k = 2; k <= 8; ++k) {
    const double p = median / k;
    if (p < std::max(1.0, min_period_s)) break;
    BeaconScore m = score_multiples(raw, p, jitter_tolerance);
    if (m.score > best.score) best = m;
  }
  return best;
}

void BeaconingDetector::observe_batch(const DetectionBatch& batch, std::string_view input, FindingSink& sink) {
  // The pair table is far larger than the cache: its slots are fetched a few events ahead.
  constexpr std::size_t kAhead = 8;
  const std::size_t n = batch.events.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) {
      const DetectionEvent& next = batch.events[i + kAhead];
      if (wanted(next)) {
        const std::uint64_t k = mix_keys(next.source_hash, next.name_hash);
        pairs_.prefetch(k);
        if (!candidates_.empty()) __builtin_prefetch(&candidates_[((k >> 32) & bucket_mask_) * kWays]);
      }
    }
    observe(EventContext{batch.events[i], batch, input}, sink);
  }
}

BeaconingDetector::BeaconingDetector(const BeaconingConfig& config, std::uint32_t evidence)
    : config_(config), evidence_(evidence), bucket_mask_(config.candidate_slots / kWays - 1) {
  stats_.name = "beaconing";
}

double candidate_loss_bound(double pairs_per_s, double period_s, double buckets, int ways) {
  // P(Poisson(m) >= ways), m the new pairs expected in one bucket during one period.
  const double m = pairs_per_s * period_s / buckets;
  double term = std::exp(-m), below = 0;
  for (int k = 0; k < ways; ++k) {
    below += term;
    term *= m / (k + 1);
  }
  const double once = std::clamp(1.0 - below, 0.0, 1.0);
  return 1.0 - (1.0 - once) * (1.0 - once);  // two periods before the third beat
}

void BeaconingDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (!wanted(e)) return;
  ++stats_.events;
  if (sources_.size() < kMaxSources) sources_.insert(e.source_hash);
  first_event_ms_ = std::min(first_event_ms_, e.ts_ms);
  last_event_ms_ = std::max(last_event_ms_, e.ts_ms);
  const std::uint64_t key = mix_keys(e.source_hash, e.name_hash);
  auto it = pairs_.find(key);
  if (it == pairs_.end()) {
    observe_candidate(ctx, key, sink);
    return;
  }
  State& s = it->second;
  ++s.queries;
  if (e.ts_ms < s.base_ms) {  // before the series began: too late to place
    ++stats_.late;
    return;
  }
  add_beat(s, ctx, key, static_cast<std::uint32_t>(std::min<std::int64_t>((e.ts_ms - s.base_ms) / 1000, UINT32_MAX)));
}

void BeaconingDetector::observe_candidate(const EventContext& ctx, std::uint64_t key, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (candidates_.empty()) {
    candidates_.resize(config_.candidate_slots);
    // Seconds are unsigned 32-bit offsets: from 2^31 s (68 years) before the first record, any record
    // within 68 years of it fits, in whatever order the inputs come.
    epoch_ms_ = e.ts_ms - (std::int64_t{1} << 31) * 1000;
  }
  if (e.ts_ms < epoch_ms_) {
    ++stats_.late;
    return;
  }
  const auto second = static_cast<std::uint32_t>(std::min<std::int64_t>((e.ts_ms - epoch_ms_) / 1000, UINT32_MAX));
  const std::uint32_t tag = static_cast<std::uint32_t>(key) | 1u;
  Candidate* bucket = &candidates_[((key >> 32) & bucket_mask_) * kWays];
  Candidate* victim = nullptr;
  for (int w = 0; w < kWays; ++w) {
    Candidate& c = bucket[w];
    if (c.tag == tag) {
      if (second <= c.last_s) {
        if (second < c.last_s) ++stats_.late;
        return;  // the same second, or out of order
      }
      if (c.beats + 1 < 3) {
        c.last_s = second;
        ++c.beats;
        ++refreshes_;
        return;
      }
      // The third beat: tracked from now on, with the two earlier beats' times.
      const Candidate seen = c;
      c = Candidate{};
      State& s = track(ctx, key, sink);
      s.base_ms = epoch_ms_ + static_cast<std::int64_t>(seen.first_s) * 1000;
      s.seconds.push_back(0);
      s.seconds.push_back(seen.last_s - seen.first_s);
      s.last_second = seen.last_s - seen.first_s;
      s.beats = 2;
      s.queries = 3;
      s.last_ms = s.base_ms + static_cast<std::int64_t>(seen.last_s - seen.first_s) * 1000;
      add_beat(s, ctx, key, second - seen.first_s);
      return;
    }
    if (victim == nullptr || (victim->tag != 0 && (c.tag == 0 || c.last_s < victim->last_s))) victim = &c;
  }
  if (victim->tag != 0) ++candidates_evicted_;
  *victim = Candidate{tag, second, second, 1};
  ++new_pairs_;
}

BeaconingDetector::State& BeaconingDetector::track(const EventContext& ctx, std::uint64_t key, FindingSink& sink) {
  if (pairs_.size() >= config_.max_keys) evict(sink);
  State& s = pairs_.try_emplace(key).first->second;
  s.name_hash = ctx.e.name_hash;
  s.next_evaluation = config_.min_events;
  ++sources_per_name_[ctx.e.name_hash];
  stats_.peak_keys = std::max<std::uint64_t>(stats_.peak_keys, pairs_.size());
  return s;
}

void BeaconingDetector::add_beat(State& s, const EventContext& ctx, std::uint64_t key, std::uint32_t second) {
  const DetectionEvent& e = ctx.e;
  if (!s.seconds.empty() && second <= s.last_second) {
    if (second < s.last_second) ++stats_.late;
    return;  // the same second (A and AAAA together) or out of order
  }
  if (s.seconds.size() >= config_.max_timestamps) {
    s.seconds.erase(s.seconds.begin(), s.seconds.begin() + static_cast<std::ptrdiff_t>(config_.max_timestamps / 2));
  }
  s.seconds.push_back(second);
  s.last_second = second;
  ++s.beats;
  s.last_ms = std::max(s.last_ms, e.ts_ms);
  if (s.seconds.size() >= 3 && !s.details) {
    s.details = std::make_unique<Details>();
    s.details->entity = ctx.entity();
    s.details->name = std::string(ctx.str(e.name));
  }
  if (s.details && s.evidence_kept < evidence_) {
    s.details->evidence.emplace_back(ctx.line());
    ++s.evidence_kept;
  }
  if (s.queries >= s.next_evaluation) {
    due_.push_back(key);
    s.next_evaluation = s.next_evaluation * 2;
  }
}

void BeaconingDetector::evaluate(State& s, FindingSink& sink) {
  if (s.seconds.size() < config_.min_events || !s.details) return;
  const std::uint32_t polled_by = sources_per_name_[s.name_hash];
  if (polled_by >= config_.min_sources_for_fleet &&
      static_cast<double>(polled_by) >= config_.max_source_share * static_cast<double>(sources_.size())) {
    s.rejected = true;  // fleet software
    return;
  }
  BeaconScore b = score_beacon(s.seconds, config_.jitter_tolerance, static_cast<double>(config_.min_interval_seconds));
  if (b.score < config_.min_score || b.median_interval_s < static_cast<double>(config_.min_interval_seconds) ||
      b.median_interval_s > static_cast<double>(config_.max_interval_seconds)) {
    // Judged on plenty of beats and far from regular: the first to go when the table is full.
    s.rejected = s.seconds.size() >= 4 * config_.min_events && b.score < 0.5 * config_.min_score;
    return;
  }
  // The series began at its first event, not at the oldest second still kept for scoring.
  const std::int64_t first_ms = s.base_ms;
  Finding f;
  f.type = FindingType::kBeaconing;
  f.score = b.score;
  f.confidence =
      std::min(0.99, b.score * std::min(1.0, static_cast<double>(s.seconds.size()) / (4.0 * config_.min_events)) + 0.1);
  f.severity = s.seconds.size() >= 4 * config_.min_events ? FindingSeverity::kHigh : FindingSeverity::kMedium;
  f.first_seen_ms = first_ms;
  f.last_seen_ms = s.last_ms;
  // A pair is judged again as it grows; the finding store adds events up, so each detection
  // brings only the queries since the last one.
  f.events = s.queries - s.reported;
  s.reported = s.queries;
  f.entity = s.details->entity;
  f.domain = s.details->name;
  const std::string cadence =
      b.fundamental_s > 0 ? fmt::format("every {:.0f} s as logged, multiples of {:.0f} s (cached answers hide beats)",
                                        b.median_interval_s, b.fundamental_s)
                          : fmt::format("every {:.0f} s", b.median_interval_s);
  f.explanation = fmt::format(
      "{} queried {} {} (median absolute deviation {:.1f} s) over {} events in {:.1f} h (the latest {} "
      "scored), {} missed beats; "
      "score {:.2f} = mean of symmetry {:.2f}, regularity {:.2f}, completeness {:.2f}; polled by {} of {} sources; "
      "thresholds: score >= {:.2f}, >= {} events",
      f.entity.source, f.domain, cadence, b.mad_s, s.beats, static_cast<double>(s.last_ms - first_ms) / 3.6e6,
      s.seconds.size(), b.missed, b.score, b.skew_score, b.dispersion_score, b.coverage, polled_by, sources_.size(),
      config_.min_score, config_.min_events);
  f.metrics_json = fmt::format(
      "{{\"median_interval_seconds\":{:.1f},\"mad_seconds\":{:.2f},\"skew_score\":{:.3f},\"dispersion_score\":{:.3f},"
      "\"coverage\":{:.3f},\"events\":{},\"scored_events\":{},\"queries\":{},\"missed_beats\":{},"
      "\"sources_polling_name\":{},\"fundamental_seconds\":{:.1f}}}",
      b.median_interval_s, b.mad_s, b.skew_score, b.dispersion_score, b.coverage, s.beats, s.seconds.size(), s.queries,
      b.missed, polled_by, b.fundamental_s);
  f.evidence = s.details->evidence;
  s.rejected = false;  // a beacon after all
  ++stats_.detections;
  sink.emit(std::move(f));
}

void BeaconingDetector::release(const State& s) {
  auto it = sources_per_name_.find(s.name_hash);
  if (it != sources_per_name_.end() && --it->second == 0) sources_per_name_.erase(it);
}

// Drops half of the tracked pairs: first those already judged no beacon (irregular over many beats,
// or fleet software), then those with the fewest distinct events, oldest first among equals.
void BeaconingDetector::evict(FindingSink& sink) {
  std::vector<std::tuple<bool, std::size_t, std::int64_t, std::uint64_t>> order;
  order.reserve(pairs_.size());
  for (const auto& [k, s] : pairs_) order.emplace_back(!s.rejected, s.seconds.size(), s.last_ms, k);
  const std::size_t drop = order.size() / 2;
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(drop), order.end());
  for (std::size_t i = 0; i < drop; ++i) {
    auto it = pairs_.find(std::get<3>(order[i]));
    evaluate(it->second, sink);
    release(it->second);
    pairs_.erase(it);
    ++stats_.evicted;
  }
}

void BeaconingDetector::sweep(const Watermarks&, std::int64_t, FindingSink& sink) {
  for (std::uint64_t key : due_) {
    auto it = pairs_.find(key);
    if (it != pairs_.end()) evaluate(it->second, sink);
  }
  due_.clear();
}

void BeaconingDetector::finish(FindingSink& sink) {
  std::vector<std::uint64_t> keys;
  for (const auto& [k, s] : pairs_) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  for (std::uint64_t k : keys) evaluate(pairs_.at(k), sink);
  pairs_.clear();
  std::vector<Candidate>().swap(candidates_);
  sources_per_name_.clear();
  due_.clear();
}

DetectorStats BeaconingDetector::stats() const {
  DetectorStats s = stats_;
  s.keys = pairs_.size();
  const double span_s = static_cast<double>(last_event_ms_ - first_event_ms_) / 1000.0;
  if (new_pairs_ > 0 && span_s >= 3600) {  // a rate over less than an hour says little
    // A slot goes when 8 other slots of its bucket were written since its last beat (new pairs, or
    // second beats) and one more new pair arrives: modelled as Poisson arrivals of those writes.
    const double rate = static_cast<double>(new_pairs_) / span_s;
    const double writes = static_cast<double>(new_pairs_ + refreshes_) / span_s;
    s.note = fmt::format(
        "candidates: {} slots, {} new (source, name) pairs ({:.1f}/s, {:.1f} slot writes/s), {} pushed out of a "
        "full bucket; modelled chance that a beacon is lost before it is tracked: every hour {:.1e}, every 2 h {:.1e}",
        config_.candidate_slots, new_pairs_, rate, writes, candidates_evicted_,
        candidate_loss_bound(writes, 3600, static_cast<double>(bucket_mask_ + 1), kWays),
        candidate_loss_bound(writes, 7200, static_cast<double>(bucket_mask_ + 1), kWays));
  }
  return s;
}

namespace {

DetectorDoc beaconing_doc(const DetectionConfig& c) {
  const BeaconingConfig& b = c.beaconing;
  return {
      fmt::format("per (source, query name): seen in one or two distinct seconds, a 16-byte slot of a fixed "
                  "table ({} slots); from the third, tracked (at most {} pairs), the most recent {} distinct seconds "
                  "kept for the score, first seen and the count of polls over the whole series",
                  b.candidate_slots, b.max_keys, b.max_timestamps),
      fmt::format(
          "≥ {} events; score ≥ {} = mean of RITA's interval symmetry (1 − \\|Bowley skew\\|, the skew "
          "weighed by the middle half's width against the jitter tolerated), regularity "
          "(1 − MAD / ({} × median interval)) and completeness (observed / expected intervals). Intervals that "
          "are whole multiples of the median count as missed beats, but only for a series that is mostly "
          "regular already; the series is also scored as multiples of median / 2..8 (resolver caching), "
          "the better score counting. Median interval {}–{}. Names polled by ≥ {} sources and ≥ {} of all sources are "
          "fleet software, not implants",
          b.min_events, b.min_score, b.jitter_tolerance, doc_duration(b.min_interval_seconds),
          doc_duration(b.max_interval_seconds), b.min_sources_for_fleet, doc_percent(b.max_source_share))};
}

}  // namespace

const DetectorRegistration& beaconing_registration() {
  static constexpr FindingTypeInfo kTypes[] = {
      {FindingType::kBeaconing,
       "Beaconing",
       "",
       AnalyticKind::kStatistical,
       {"TA0011", "Command and Control", "T1071", "Application Layer Protocol", "T1071.004", "DNS"}}};
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::beaconing, BeaconingDetector>("beaconing", kTypes, beaconing_doc);
  return r;
}

}  // namespace dnslens
