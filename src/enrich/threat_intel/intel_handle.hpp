#pragma once
// The threat intel in force, replaceable while the pipeline runs (feeds reload on SIGHUP). Workers
// take a snapshot once per job, so a reload never changes the intel under a record being enriched
// and no record waits for or misses a reload: jobs started before it use the old feeds, later ones
// the new.
#include <cstdint>
#include <memory>
#include <mutex>

#include "enrich/threat_intel/threat_intel.hpp"

namespace dnslens {

class IntelHandle {
 public:
  explicit IntelHandle(std::shared_ptr<const ThreatIntel> initial) : current_(std::move(initial)) {}

  [[nodiscard]] std::shared_ptr<const ThreatIntel> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void replace(std::shared_ptr<const ThreatIntel> next) {
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
  std::shared_ptr<const ThreatIntel> current_;
  std::uint64_t generation_ = 0;
};

}  // namespace dnslens
