#include "pipeline/record_processor.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "detect/name_features/name_signal_enricher.hpp"
#include "enrich/dns_firewall/firewall_enricher.hpp"
#include "enrich/interesting_domains/interesting_enricher.hpp"
#include "enrich/registered_domain/name_enricher.hpp"
#include "enrich/threat_intel/threat_intel_enricher.hpp"
#include "sinks/jsonl/jsonl_encoder.hpp"

namespace dnslens {

EnricherChain build_enricher_chain(const Enrichers& e) {
  EnricherChain chain;
  chain.add(std::make_shared<NameEnricher>(*e.psl));
  if (e.interesting != nullptr) chain.add(std::make_shared<InterestingEnricher>(*e.interesting));
  if (e.intel != nullptr) chain.add(std::make_shared<ThreatIntelEnricher>(*e.intel, *e.psl, e.intel_match_srcaddr));
  // The name signals before the firewall: DNS Firewall Advanced rules read them.
  if (e.dga != nullptr) chain.add(std::make_shared<NameSignalEnricher>(*e.dga, e.benign_noise));
  if (e.firewall != nullptr) chain.add(std::make_shared<FirewallEnricher>(*e.firewall));
  return chain;
}

RecordProcessor::RecordProcessor(Enrichers enrichers, std::size_t max_line_bytes)
    : enrichers_(enrichers),
      max_line_bytes_(max_line_bytes),
      chain_(build_enricher_chain(enrichers_)),
      chain_local_(chain_.make_local()) {
  chain_.begin_batch(chain_local_);  // append_enriched() enriches with the intel of construction or the last job
}

const NameMemo<NameSignals>* RecordProcessor::signal_memo() const {
  if (enrichers_.dga == nullptr) return nullptr;
  // The name-signal enricher is the chain's last, or the last but the firewall.
  const std::size_t index = chain_.size() - (enrichers_.firewall != nullptr ? 2 : 1);
  return &chain_local_.state<NameSignalEnricher::State>(index)->memo;
}

EnrichedRecord RecordProcessor::append_enriched(std::string_view line, const QueryRecord& record, OutputBuffer& out) {
  EnrichedRecord enriched;
  chain_.enrich(record, enriched, chain_local_);
  encode_enriched_line(line, enriched, out);
  return enriched;
}

RecordProcessor::~RecordProcessor() = default;

void RecordProcessor::add_sink(RecordSink& sink, unsigned worker, unsigned workers) {
  sinks_.push_back({&sink, sink.make_local(worker, workers)});
}

void RecordProcessor::process(Job& job) {
  if (job.kind == Job::Kind::kPassThrough) return;
  if (job.kind == Job::Kind::kRange) throw Error(ErrorCode::kInternal, "a range job reached a worker unread");
  chain_.begin_batch(chain_local_);
  // What the reader dead-lettered in a lines job (a truncated tail, a too-long last line) comes after
  // the job's lines; it moves behind the lines' own dead letters below, so the file stays in line order.
  const std::size_t read_dead = job.dead.size();
  const char* const base = job.input.data();
  const char* const buffer_end = base + job.input.size();
  const char* p = base;
  const char* const end = base + job.size;
  std::uint64_t line_no = 0;  // offset from the job's first line
  if (job.sink_batches.size() < sinks_.size()) job.sink_batches.resize(sinks_.size());
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    if (!job.sink_batches[i]) job.sink_batches[i] = sinks_[i].sink->make_batch();
    sinks_[i].local->begin_batch(*job.sink_batches[i], std::string_view(base, job.size));
  }
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl) nl = end;
    const std::string_view line = trim_json_space(std::string_view(p, static_cast<std::size_t>(nl - p)));
    if (line.empty()) {
      ++job.counters.blank_lines;
    } else if (line.size() > max_line_bytes_) {
      dead_letter(job, line_no, line,
                  ParseOutcome::failure(BadReason::kLineTooLong, {}, "line longer than --max-line-bytes"));
    } else {
      auto outcome = parser_.parse(line, static_cast<std::size_t>(buffer_end - line.data()), record_);
      if (outcome.next == 0 && (outcome.ok || !holds_several_objects(line))) {
        process_record(job, line_no, line, outcome);
      } else {
        // Objects concatenated without a delimiter: each is parsed alone (its own bytes only, so the
        // line is read once), and a bad one is dead-lettered without its neighbours.
        for (std::string_view rest = line; !rest.empty();) {
          const std::size_t end = json_object_end(rest);
          const std::string_view object = end == std::string_view::npos ? rest : rest.substr(0, end);
          rest = end == std::string_view::npos ? std::string_view{} : trim_json_space(rest.substr(end));
          auto one = parser_.parse(object, static_cast<std::size_t>(buffer_end - object.data()), record_);
          process_record(job, line_no, object, one);
        }
      }
    }
    p = nl + 1;
    ++line_no;
  }
  job.line_count += line_no;  // the reader may have counted a too-long last line it kept out of the job
  if (read_dead > 0 && job.dead.size() > read_dead)
    std::rotate(job.dead.begin(), job.dead.begin() + static_cast<std::ptrdiff_t>(read_dead), job.dead.end());
  for (std::size_t i = 0; i < sinks_.size(); ++i) sinks_[i].local->end_batch(*job.sink_batches[i]);
}

std::size_t json_object_end(std::string_view s) {
  if (s.empty() || s.front() != '{') return std::string_view::npos;
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

bool holds_several_objects(std::string_view line) {
  const std::size_t end = json_object_end(line);
  return end != std::string_view::npos && end < line.size() && trim_json_space(line.substr(end)).starts_with('{');
}

void RecordProcessor::process_record(Job& job, std::uint64_t line_no, std::string_view line,
                                     const ParseOutcome& outcome) {
  if (!outcome.ok) {
    dead_letter(job, line_no, line, outcome);
  } else {
    chain_.enrich(record_, enriched_, chain_local_);
    const EnrichedRecord& enriched = enriched_;
    const SinkRecord r{line, line_no, record_, enriched};
    for (std::size_t i = 0; i < sinks_.size(); ++i) sinks_[i].local->add(r, *job.sink_batches[i]);
    ++job.counters.records;
    job.counters.record_bytes += line.size() + 1;
    if (!enriched.tld_valid) ++job.counters.invalid_tld;
    if (enriched.firewall.drift != FirewallDrift::kNone) ++job.counters.firewall_drift;
    if (enriched.signals.benign_noise) ++job.counters.benign_noise;
    if (enriched.threat.hit()) ++job.counters.threat_hits;
    if (enriched.matched) ++job.counters.matches;
    if (observer_ != nullptr) observer_->observe(record_, enriched);
  }
}

void RecordProcessor::dead_letter(Job& job, std::uint64_t line_no, std::string_view line, const ParseOutcome& outcome) {
  ++job.counters.bad[static_cast<std::size_t>(outcome.reason)];
  DeadLetter& d = job.dead.emplace_back();
  d.line = line_no;
  d.reason = outcome.reason;
  if (!outcome.field.empty() && !outcome.detail.empty()) {
    d.detail = fmt::format("field '{}': {}", outcome.field, outcome.detail);
  } else if (!outcome.field.empty()) {
    d.detail = fmt::format("field '{}'", outcome.field);
  } else {
    d.detail = std::string(outcome.detail);
  }
  d.raw.assign(line.substr(0, kDeadLetterRawBytes));
  d.raw_total = line.size();
}

}  // namespace dnslens
