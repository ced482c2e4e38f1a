#pragma once
// Wires a run: ChunkReader -> RecordProcessor (one per worker thread) -> in-order writer (enriched
// output, dead letters, match notifications, counters). With one thread everything runs inline.
#include <string>
#include <vector>

#include "detect/engine/detector_set.hpp"
#include "notify/match_notifier.hpp"
#include "pipeline/job.hpp"
#include "pipeline/record_processor.hpp"
#include "pipeline/run_config.hpp"

namespace dnslens {

class StoreWriter;  // store/store_writer.hpp

struct RunSummary {
  RunCounters counters;
  std::vector<std::string> sources;
  std::uint64_t files_ok = 0;
  std::uint64_t files_failed = 0;
  std::vector<std::string> file_errors;
  std::uint64_t raw_bytes = 0;
  std::uint64_t dead_letters = 0;
  std::string dead_letter_path;  // empty when nothing was dead-lettered
  std::size_t partition_files = 0;
  unsigned threads = 1;
  double elapsed_seconds = 0;
  NotifierStats notifier;
  std::vector<DetectorStats> detectors;  // when detectors ran
  std::uint64_t detection_events = 0;
  FindingStoreStats findings;
  std::size_t findings_distinct = 0;
  std::string store_path;                  // set by the caller that opened the store
  std::uint64_t store_rows = 0;            // records appended to the DuckDB store
  double store_append_seconds = 0;         // time spent appending them, summed over the workers
  double store_checkpoint_seconds = 0;     // the final CHECKPOINT (after the pipeline)
  std::uint64_t store_repaired_strings = 0;
  int stopped_by_signal = 0;               // SIGINT/SIGTERM ended the input early (0: read to the end)

  [[nodiscard]] std::string to_text() const;
  [[nodiscard]] std::string to_json() const;
};

// Throws Error for setup problems (unwritable output); per-input and per-record problems are
// reported in the summary and the dead-letter output instead.
// observers, when given, yields one RecordObserver per worker thread. detectors, when given, sees
// every job's detection events in input order (Enrichers::dga must be set: the events carry name signals) and is
// finished before the notifier closes, so findings of the last windows are announced too. store,
// when given, receives every record (in input order) and is flushed at the end; the caller adds the
// findings and finishes it.
RunSummary run_pipeline(const RunConfig& config, const Enrichers& enrichers, MatchNotifier* notifier,
                        const ObserverFactory& observers = {}, DetectorSet* detectors = nullptr,
                        const FindingStore* findings = nullptr, StoreWriter* store = nullptr);

}  // namespace dnslens
