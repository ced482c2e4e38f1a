#pragma once
// Up to a fixed number of spare objects whose memory is worth keeping between uses (request buffers,
// decode scratch: memory mapped afresh for each use faults in a page at a time), shared by threads. What
// is worth keeping, and emptying it, is the caller's; the pool only bounds how many are kept.
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace dnslens {

template <class T>
class SparePool {
 public:
  explicit SparePool(std::size_t most) : most_(most) { spare_.reserve(most); }

  // A kept one, or T() when none is kept.
  [[nodiscard]] T take() {
    std::lock_guard lock(mutex_);
    if (spare_.empty()) return T();
    T item = std::move(spare_.back());
    spare_.pop_back();
    return item;
  }
  // Kept when there is room, else dropped. Never allocates (the room is reserved), so it may run while
  // an exception unwinds.
  void give_back(T item) noexcept {
    std::lock_guard lock(mutex_);
    if (spare_.size() < most_) spare_.push_back(std::move(item));
  }
  // Lets every kept one go (its user is done).
  void clear() noexcept {
    std::lock_guard lock(mutex_);
    spare_.clear();
  }

 private:
  const std::size_t most_;
  std::mutex mutex_;
  std::vector<T> spare_;
};

}  // namespace dnslens
