#pragma once
// A per-worker consumer of enriched records (reports such as the DNS Firewall simulation). Each
// worker thread has its own observer, so observers need no locking; the caller merges them after
// the run. Called in input order within a job, not across jobs.
#include <functional>

#include "core/query_record.hpp"

namespace dnslens {

struct EnrichedRecord;

class RecordObserver {
 public:
  virtual ~RecordObserver() = default;
  virtual void observe(const QueryRecord& record, const EnrichedRecord& enriched) = 0;
};

// Returns the observer for worker i (0-based); called once per worker before the run starts.
using ObserverFactory = std::function<RecordObserver*(unsigned worker)>;

}  // namespace dnslens
