#pragma once
// A value in force that a reload replaces while the pipeline runs (threat-intel feeds, a DNS Firewall
// policy; both reload on SIGHUP). Workers take a snapshot once per job, so a reload never changes the
// value under a record being enriched and no record waits for or misses a reload: jobs started before it
// use the old value (kept alive by their snapshots), later ones the new.
#include <cstdint>
#include <memory>
#include <mutex>

namespace dnslens {

template <class T>
class Swappable {
 public:
  explicit Swappable(std::shared_ptr<const T> initial) : current_(std::move(initial)) {}

  [[nodiscard]] std::shared_ptr<const T> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void replace(std::shared_ptr<const T> next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
    ++generation_;
  }
  [[nodiscard]] std::uint64_t generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> current_;
  std::uint64_t generation_ = 0;
};

}  // namespace dnslens
