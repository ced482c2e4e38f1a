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

// State must have: std::uint64_t vpc_hash; std::int64_t window_start_ms; std::int64_t last_ms;
// and reset(std::int64_t window_start_ms).
template <class State>
class KeyedWindows {
 public:
  KeyedWindows(std::int64_t window_ms, std::uint64_t max_keys) : window_ms_(window_ms), max_keys_(max_keys) {}

  // The open window of key for the event; close(state) runs first on an older window of the key.
  // Returns nullptr for an event older than the key's open window (counted as late).
  template <class Close>
  State* at(std::uint64_t key, const DetectionEvent& e, DetectorStats& stats, Close&& close, bool* created = nullptr) {
    const std::int64_t start = e.ts_ms - ((e.ts_ms % window_ms_) + window_ms_) % window_ms_;
    auto it = map_.find(key);
    if (it == map_.end()) {
      if (map_.size() >= max_keys_) evict(stats, close);
      it = map_.try_emplace(key).first;
      it->second.reset(start);
      it->second.vpc_hash = e.vpc_hash;
      stats.peak_keys = std::max<std::uint64_t>(stats.peak_keys, map_.size());
      if (created) *created = true;
    } else if (start > it->second.window_start_ms) {
      close(it->second);
      it->second.reset(start);
      if (created) *created = true;
    } else if (start < it->second.window_start_ms) {
      ++stats.late;
      return nullptr;
    }
    State& s = it->second;
    s.last_ms = std::max(s.last_ms, e.ts_ms);
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
  [[nodiscard]] std::int64_t window_ms() const { return window_ms_; }

 private:
  template <class Close>
  void evict(DetectorStats& stats, Close&& close) {
    std::vector<std::pair<std::int64_t, std::uint64_t>> by_age;
    by_age.reserve(map_.size());
    for (const auto& [k, s] : map_) by_age.emplace_back(s.last_ms, k);
    const std::size_t drop = by_age.size() / 2;
    std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop), by_age.end());
    for (std::size_t i = 0; i < drop; ++i) {
      auto it = map_.find(by_age[i].second);
      close(it->second);
      map_.erase(it);
      ++stats.evicted;
    }
  }

  std::int64_t window_ms_;
  std::uint64_t max_keys_;
  absl::flat_hash_map<std::uint64_t, State> map_;
};

}  // namespace dnslens
