#pragma once
// Where interesting-domain matches, threat-intel matches and new findings are announced. The
// notifier batches them on its own thread so a slow or failing receiver never stalls the pipeline.
#include <cstdint>
#include <string>

#include "notify/notification.hpp"

namespace dnslens {

struct NotifierStats {
  std::uint64_t events_in = 0;
  std::uint64_t events_delivered = 0;
  std::uint64_t events_dropped = 0;  // queue full, or rate limit exceeded
  std::uint64_t batches_sent = 0;
  std::uint64_t batches_failed = 0;  // given up after all retries
  std::uint64_t retries = 0;
};

class MatchNotifier {
 public:
  virtual ~MatchNotifier() = default;
  virtual void enqueue(Notification event) = 0;
  // Flushes what is queued (bounded by the retry policy) and stops the thread.
  virtual void close() = 0;
  [[nodiscard]] virtual NotifierStats stats() const = 0;
};

}  // namespace dnslens
