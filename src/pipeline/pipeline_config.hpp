#pragma once
// What a pipeline reads, how it enriches, where records go and what detects: run, serve, demo,
// detect eval, firewall simulate/suggest and dga train all map their options to a PipelineConfig.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <optional>

#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/dga_model.hpp"
#include "detect/engine/detector_set.hpp"
#include "detect/findings/finding_store.hpp"
#include "enrich/dns_firewall/firewall_enricher.hpp"
#include "enrich/interesting_domains/interesting_domains.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"
#include "enrich/threat_intel/intel_handle.hpp"
#include "io/decoders.hpp"
#include "io/decompress_limits.hpp"
#include "notify/match_notifier.hpp"
#include "pipeline/record_observer.hpp"
#include "sinks/jsonl/jsonl_sink.hpp"
#include "sources/envelope_decoder.hpp"
#include "store/store_writer.hpp"

namespace dnslens {

// Where the records come from: inputs (files, directories, stdin) read in chunks of whole lines by
// run_pipeline, or the Firehose HTTP endpoint, whose requests FirehoseIngest (serve) commits one by one.
enum class SourceKind { kInputs, kFirehoseEndpoint };

struct SourceConfig {
  SourceKind kind = SourceKind::kInputs;
  std::vector<std::string> inputs;  // kInputs: files, directories (recursive), "-" for stdin
  InputFormat format = InputFormat::kAuto;
  unsigned threads = 0;                  // enrichment workers; 0 = one per core
  std::size_t max_line_bytes = 1 << 20;  // longer lines are dead-lettered
  std::uint64_t max_envelope_bytes = 1ull << 30;
  DecompressLimits limits;
  bool progress = false;  // a progress bar on stderr
  // > 0: the run measures its serial stages instead of overlapping them. One thread reads, enriches and
  // writes each job in turn and times each stage alone (the reader, one worker, each sink's write, the
  // dead letters); the sinks are set up as for this many workers (see RunSummary::stages).
  unsigned serial_stages = 0;

  // Throws Error(kUsage) naming the offending option.
  void validate() const;
  // The most one job's input grows to while a single line does not fit in the run's batch size
  // (RecordSink::batch_input_bytes): a line of max_line_bytes always fits whole.
  [[nodiscard]] std::size_t max_chunk_bytes(std::size_t batch_bytes) const {
    return std::max<std::size_t>(batch_bytes, 2 * max_line_bytes + 4096);
  }
  [[nodiscard]] unsigned workers() const;
};

// What is known about each record: the loaded resources, shared const by every worker; a null one
// turns its enrichment off. The chain runs them in this order (name first, always).
struct Enrichers {
  const PublicSuffixList* psl = nullptr;            // required: the name, its registered domain, TLD validity
  const InterestingDomains* interesting = nullptr;  // isMatchedDomain
  const IntelHandle* intel = nullptr;               // threat intel; snapshotted once per job
  bool intel_match_srcaddr = false;                 // ... also on the source address
  const FirewallHandle* firewall = nullptr;         // the simulated DNS Firewall outcome; snapshotted once per job
  const DgaModel* dga = nullptr;                    // name signals (entropy, DGA score, ...)
  const BenignNoise* benign_noise = nullptr;        // with dga: marks known-benign noise
};

// Where the enriched records, the dead letters and the announcements go. The pipeline makes one
// record sink of each that is set (pipeline/sink_set.hpp).
struct SinkConfig {
  std::optional<JsonLinesConfig> json;  // enriched JSON lines: a file, stdout ("-") or the S3 layout
  std::string dead_letter_path = "dnslens-dead-letter.jsonl";  // created on the first bad record
  StoreWriter* store = nullptr;       // the DuckDB store (the caller adds the findings and finishes it)
  MatchNotifier* notifier = nullptr;  // interesting-domain and threat-intel matches, new findings
  RecordSink* clickhouse = nullptr;   // ClickHouse's route53query (the caller owns it; finished with the run)
};

struct DetectionStage {
  DetectorSet* detectors = nullptr;        // reads every batch's detection events in input order
  const FindingStore* findings = nullptr;  // the detectors' findings, for the summary
};

// The one description of a pipeline every command maps its options to.
struct PipelineConfig {
  SourceConfig source;
  Enrichers enrich;
  SinkConfig sinks;
  DetectionStage detection;
  ObserverFactory observers;  // when set: one RecordObserver per worker (reports merged after the run)

  // The whole before anything runs: the source's options, then what the stages need of each other.
  // Throws Error(kUsage).
  void validate() const;
};

// The run's inputs after directories are expanded: every path is read in this order, except those
// whose problem is set, which are reported as failed inputs with that problem.
struct ExpandedInputs {
  std::vector<std::string> paths;
  std::vector<std::string> problems;  // one per path; empty: readable as far as listing can tell
};

// Expands directories recursively (sorted; files and symbolic links to files). Nothing in a
// directory is skipped silently: an unreadable subdirectory, a broken or looping symbolic link, a
// directory reached twice (through a link) and anything that is not a file become failed inputs.
// Missing top-level paths are kept so the run reports them as unreadable.
[[nodiscard]] ExpandedInputs expand_inputs(const std::vector<std::string>& inputs);

// A file the run writes that is also one of its inputs (directories expanded, links followed) would be
// emptied or written into before it is read: Error(kUsage) naming the option, the file and the input.
// outputs: (option, path); "-", "none" and paths that do not exist yet are never inputs.
void refuse_outputs_that_are_inputs(const std::vector<std::string>& inputs,
                                    const std::vector<std::pair<std::string_view, std::string>>& outputs);

}  // namespace dnslens
