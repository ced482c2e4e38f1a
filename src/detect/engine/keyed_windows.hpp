#pragma once
// Tumbling event-time windows per key, bounded: the shared bookkeeping of the windowed detectors.
// A key's window closes when a later window's event arrives for it, when its VPC's clock passes
// the window's end plus the allowed lateness (sweep), at the end of input, or when the map is
// over its cap (the least recently seen half is closed early and counted as evicted).
#include <algorithm>
#include <cstdint>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "detect/engine/detector.hpp"

namespace dnslens {

// The start of the window of length step that holds ts (floor, also for times before 1970).
[[nodiscard]] inline std::int64_t window_start(std::int64_t ts, std::int64_t step) {
  return ts - ((ts % step) + step) % step;
}

// Closes and drops the least recently seen half of map (entries with last_ms), counting them as evicted.
template <class Map, class Close>
void evict_least_recent_half(Map& map, DetectorStats& stats, Close&& close) {
  std::vector<std::pair<std::int64_t, std::uint64_t>> by_age;
  by_age.reserve(map.size());
  for (const auto& [k, s] : map) by_age.emplace_back(s.last_ms, k);
  const std::size_t drop = by_age.size() / 2;
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop), by_age.end());
  for (std::size_t i = 0; i < drop; ++i) {
    auto it = map.find(by_age[i].second);
    close(it->second);
    map.erase(it);
    ++stats.evicted;
  }
}

// State must have: std::uint64_t vpc_hash; std::int64_t window_start_ms, first_ms, last_ms;
// Entity entity; and reset(std::int64_t window_start_ms) clearing the detector's own counts.
template <class State>
class KeyedWindows {
 public:
  // offset_ms shifts the window boundaries (hopping windows: two sets, the second offset by half a window).
  KeyedWindows(std::int64_t window_ms, std::uint64_t max_keys, std::int64_t offset_ms = 0)
      : window_ms_(window_ms), max_keys_(max_keys), offset_ms_(offset_ms) {}

  // The open window of the event's key, with its time span and entity kept up to date; close(state)
  // runs first on an older window of the key. Returns nullptr for an event older than the key's
  // open window (counted as late).
  template <class Close>
  State* at(std::uint64_t key, const EventContext& ctx, DetectorStats& stats, Close&& close) {
    const DetectionEvent& e = ctx.e;
    const std::int64_t start = window_start(e.ts_ms - offset_ms_, window_ms_) + offset_ms_;
    auto it = map_.find(key);
    bool opened = false;
    if (it == map_.end()) {
      if (map_.size() >= max_keys_) evict_least_recent_half(map_, stats, close);
      it = map_.try_emplace(key).first;
      it->second.vpc_hash = e.vpc_hash;
      it->second.entity = ctx.entity();
      stats.peak_keys = std::max<std::uint64_t>(stats.peak_keys, map_.size());
      opened = true;
    } else if (start > it->second.window_start_ms) {
      close(it->second);
      opened = true;
    } else if (start < it->second.window_start_ms) {
      ++stats.late;
      return nullptr;
    }
    State& s = it->second;
    if (opened) {
      s.reset(start);
      s.first_ms = s.last_ms = e.ts_ms;
    } else {
      s.first_ms = std::min(s.first_ms, e.ts_ms);
      s.last_ms = std::max(s.last_ms, e.ts_ms);
    }
    return &s;
  }

  template <class Close>
  void sweep(const Watermarks& clocks, std::int64_t lateness_ms, Close&& close) {
    for (auto it = map_.begin(); it != map_.end();) {
      auto next = std::next(it);
      if (it->second.window_start_ms + window_ms_ + lateness_ms <= clocks.of(it->second.vpc_hash)) {
        close(it->second);
        map_.erase(it);
      }
      it = next;
    }
  }

  template <class Close>
  void finish(Close&& close) {
    std::vector<std::uint64_t> keys;
    keys.reserve(map_.size());
    for (const auto& [k, s] : map_) keys.push_back(k);
    std::sort(keys.begin(), keys.end());  // a stable order for findings
    for (std::uint64_t k : keys) close(map_.at(k));
    map_.clear();
  }

  [[nodiscard]] std::size_t size() const { return map_.size(); }

 private:
  std::int64_t window_ms_;
  std::uint64_t max_keys_;
  std::int64_t offset_ms_;
  absl::flat_hash_map<std::uint64_t, State> map_;
};

// A detector whose state is one tumbling window per key: sweeping, finishing and statistics are
// the same for all of them; each says how to judge a closed window.
template <class State>
class WindowedDetector : public Detector {
 public:
  void sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) override {
    windows_.sweep(clocks, lateness_ms, closer(sink));
  }
  void finish(FindingSink& sink) override { windows_.finish(closer(sink)); }
  [[nodiscard]] DetectorStats stats() const override {
    DetectorStats s = stats_;
    s.keys = windows_.size();
    return s;
  }

 protected:
  WindowedDetector(std::string_view name, std::int64_t window_seconds, std::uint64_t max_keys)
      : windows_(window_seconds * 1000, max_keys) {
    stats_.name = name;
  }
  // Judges a window that has closed (and may emit a finding); the state is then reset or dropped.
  virtual void close(State& s, FindingSink& sink) = 0;
  // The open window for an event that passed the detector's own filter (counted), or nullptr.
  State* open(std::uint64_t key, const EventContext& ctx, FindingSink& sink) {
    ++stats_.events;
    return windows_.at(key, ctx, stats_, closer(sink));
  }

  DetectorStats stats_;

 private:
  auto closer(FindingSink& sink) {
    return [this, &sink](State& s) { close(s, sink); };
  }
  KeyedWindows<State> windows_;
};

}  // namespace dnslens
