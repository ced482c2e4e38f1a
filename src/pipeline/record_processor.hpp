#pragma once
// Per-thread stage: parse each line, run the enricher chain, hand the enriched record to every sink's
// local state (JSON lines, the store, notifications, detection events), count, and dead-letter what
// cannot be parsed. Owns one parser and the chain's per-thread state; the enrichers are shared const.
#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/dga_model.hpp"
#include "detect/name_features/name_memo.hpp"
#include "enrich/enricher.hpp"
#include "enrich/dns_firewall/firewall_evaluator.hpp"
#include "enrich/interesting_domains/interesting_domains.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"
#include "enrich/threat_intel/intel_handle.hpp"
#include "core/dns_name.hpp"
#include "core/enriched_record.hpp"
#include "parse/query_log_parser.hpp"
#include "pipeline/job.hpp"
#include "pipeline/pipeline_config.hpp"
#include "pipeline/record_observer.hpp"
#include "sinks/formats/output_buffer.hpp"

namespace dnslens {

// The enricher chain the configured enrichers make, in order: name, interesting domains, threat
// intel, DNS Firewall, name signals.
[[nodiscard]] EnricherChain build_enricher_chain(const Enrichers& enrichers);

// Where the JSON object that begins s ends (one past its closing brace), by brackets outside strings;
// npos when s does not begin with '{' or the object is not closed.
[[nodiscard]] std::size_t json_object_end(std::string_view s);
// Whether a line holds another JSON object after its first (objects concatenated without a delimiter).
[[nodiscard]] bool holds_several_objects(std::string_view line);

class RecordProcessor {
 public:
  ~RecordProcessor();
  RecordProcessor(Enrichers enrichers, std::size_t max_line_bytes);

  void process(Job& job);
  // This worker's memo of name signals (null without a DGA model).
  [[nodiscard]] const NameMemo<NameSignals>* signal_memo() const;
  void set_observer(RecordObserver* observer) { observer_ = observer; }
  // Every record of each job goes to this sink's local state (worker: this processor's 0-based
  // index among workers), into the job's batch for the sink at the next index.
  void add_sink(RecordSink& sink, unsigned worker, unsigned workers);

  // Appends the enriched form of one parsed record (exposed for tests and benchmarks), with the
  // threat intel as of construction or the last job.
  EnrichedRecord append_enriched(std::string_view line, const QueryRecord& record, OutputBuffer& out);

 private:
  void dead_letter(Job& job, std::uint64_t line_no, std::string_view line, const ParseOutcome& outcome);
  // One parsed object of a line: enriched and handed to the sinks, or dead-lettered.
  void process_record(Job& job, std::uint64_t line_no, std::string_view line, const ParseOutcome& outcome);

  Enrichers enrichers_;
  std::size_t max_line_bytes_;
  RecordObserver* observer_ = nullptr;
  QueryLogParser parser_;
  QueryRecord record_;
  EnrichedRecord enriched_;
  EnricherChain chain_;
  EnricherChain::Local chain_local_;
  struct SinkSlot {
    RecordSink* sink;
    std::unique_ptr<SinkLocal> local;
  };
  std::vector<SinkSlot> sinks_;
};

}  // namespace dnslens
