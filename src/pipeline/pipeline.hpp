#pragma once
// Wires a run: ChunkReader -> RecordProcessor (one per worker thread) -> in-order writer (enriched
// output, dead letters, match notifications, counters). With one thread everything runs inline.
#include <string>
#include <vector>

#include "detect/engine/detector_set.hpp"
#include "notify/match_notifier.hpp"
#include "pipeline/job.hpp"
#include "pipeline/record_processor.hpp"
#include "pipeline/pipeline_config.hpp"

namespace dnslens {

// One stage of a run measured alone (SourceConfig::serial_stages): its wall time over the whole input.
enum class StageKind { kReader, kWorker, kSink, kDetectors, kDeadLetters };

struct StageTime {
  std::string name;
  StageKind kind = StageKind::kSink;
  double seconds = 0;         // per batch, summed: what the stage's records/s come from
  double finish_seconds = 0;  // once, at the end of input (a sink's finish: the store's commit, the last windows)
  double in_writes = 0;       // of seconds, in write system calls (the device, or the kernel's copy)
};

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
  std::string store_path;               // set by the caller that opened the store
  std::uint64_t store_rows = 0;         // records appended to the DuckDB store
  double store_append_seconds = 0;      // time spent appending them, summed over the workers
  double store_checkpoint_seconds = 0;  // the final CHECKPOINT (after the pipeline)
  std::uint64_t store_repaired_strings = 0;
  std::vector<StageTime> stages;   // with serial_stages: the reader, one worker, then the writer's parts
  unsigned simulated_workers = 0;  // serial_stages
  int stopped_by_signal = 0;       // SIGINT/SIGTERM ended the input early (0: read to the end)

  [[nodiscard]] std::string to_text() const;
  [[nodiscard]] std::string to_json() const;
};

// Runs a pipeline over its source's inputs: validates the config, then reads, enriches and writes
// every record to the configured sinks. Throws Error for setup problems (an invalid config, an
// unwritable output); per-input and per-record problems are reported in the summary and the
// dead letters instead. The detectors are finished (the last windows judged, their findings
// announced) and the notifier closed before it returns; the caller adds the findings to the store
// and finishes it.
RunSummary run_pipeline(const PipelineConfig& config);

}  // namespace dnslens
