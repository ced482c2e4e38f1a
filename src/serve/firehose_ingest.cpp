#include "serve/firehose_ingest.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "sources/envelope_decoder.hpp"
#include "store/store_schema.hpp"
#include "store/store_text.hpp"

namespace dnslens {

namespace {

// A slice is whole lines, up to this many bytes or lines (a line longer than a slice is a slice).
constexpr std::size_t kSliceBytes = 4 << 20;
constexpr std::size_t kSliceLines = 16384;
// Jobs kept between requests: a large request's slices are not held on to after it.
constexpr std::size_t kKeptJobs = 2;

// The end of the slice starting at begin: after its last whole line.
std::size_t slice_end(std::string_view text, std::size_t begin) {
  const std::size_t limit = std::min(text.size(), begin + kSliceBytes);
  std::size_t pos = begin, lines = 0;
  while (pos < limit && lines < kSliceLines) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    pos = nl == nullptr ? text.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
    ++lines;
  }
  return pos;
}

}  // namespace

void FirehoseIngestConfig::validate() const {
  if (max_decoded_bytes == 0 || max_lines == 0) {
    throw Error(ErrorCode::kUsage, "a Firehose request must be allowed some decoded bytes and lines");
  }
  limits.validate();
}

namespace {

const PipelineConfig& validated(const PipelineConfig& pipeline) {
  pipeline.validate();
  if (pipeline.source.kind != SourceKind::kFirehoseEndpoint) {
    throw Error(ErrorCode::kUsage, "FirehoseIngest serves the Firehose endpoint source");
  }
  return pipeline;
}

StoreWriter& duckdb_store(const PipelineConfig& pipeline) {
  if (pipeline.sinks.store == nullptr) {
    throw Error(ErrorCode::kUsage, "the Firehose endpoint commits each request to the store: it needs one");
  }
  return *pipeline.sinks.store;
}

}  // namespace

FirehoseIngest::FirehoseIngest(const PipelineConfig& pipeline, FirehoseIngestConfig config)
    : owned_store_(std::make_unique<DuckIngestStore>(
          duckdb_store(validated(pipeline)), DeadLetterCaps{config.max_dead_letters, config.max_dead_letter_bytes})),
      store_(owned_store_.get()),
      findings_(pipeline.detection.findings),
      notifier_(pipeline.sinks.notifier),
      config_(config),
      processor_(pipeline.enrich, pipeline.source.max_line_bytes),
      sinks_(pipeline, &store_->records()) {
  wire();
}

FirehoseIngest::FirehoseIngest(const PipelineConfig& pipeline, IngestStore& store, FirehoseIngestConfig config)
    : store_(&store),
      findings_(validated(pipeline).detection.findings),
      notifier_(pipeline.sinks.notifier),
      config_(config),
      processor_(pipeline.enrich, pipeline.source.max_line_bytes),
      sinks_(pipeline, &store_->records()) {
  wire();
}

void FirehoseIngest::wire() {
  config_.validate();
  // A record's own inflation is bounded by what the whole request may decode to; the request's
  // total is checked once it is decoded.
  if (config_.limits.max_output_bytes == 0 || config_.limits.max_output_bytes > config_.max_decoded_bytes) {
    config_.limits.max_output_bytes = config_.max_decoded_bytes;
  }
  // The records go into the pending request; once it is committed, the detectors read the request's
  // records (and announce new findings) before its matches are announced.
  for (RecordSink* sink : sinks_.sinks()) processor_.add_sink(*sink, 0, 1);
  processor_.set_observer(&newest_);
}

FirehoseIngest::~FirehoseIngest() = default;

IngestResult FirehoseIngest::ingest(std::string_view header_request_id, std::string_view source_arn,
                                    std::string_view body) {
  IngestResult result;
  result.request_id = std::string(header_request_id);
  // Decoding (base64, gzip, JSON) needs no lock: requests decode in parallel on the HTTP threads.
  FirehoseRequest request;
  try {
    // Bounded as it decodes: a request past these would cost memory, and the lock, for nothing.
    request = decode_firehose_request(body, "firehose request", config_.limits,
                                      {.max_decoded_bytes = config_.max_decoded_bytes,
                                       .max_lines = config_.max_lines,
                                       .max_problems = config_.max_dead_letters});
  } catch (const Error& e) {
    counters_.requests_bad.fetch_add(1, std::memory_order_relaxed);
    result.status = IngestStatus::kBadRequest;
    result.message = e.what();
    return result;
  }
  if (!header_request_id.empty() && request.request_id != header_request_id) {
    counters_.requests_bad.fetch_add(1, std::memory_order_relaxed);
    result.status = IngestStatus::kBadRequest;
    result.message = "the body's requestId differs from the X-Amz-Firehose-Request-Id header";
    return result;
  }
  // The id is the key that makes a retry idempotent: stored as is, never repaired (a repaired id
  // could equal another request's).
  if (request.request_id.empty() || request.request_id.size() > 256 || !storable_text(request.request_id)) {
    counters_.requests_bad.fetch_add(1, std::memory_order_relaxed);
    result.status = IngestStatus::kBadRequest;
    result.message = "the requestId must be 1 to 256 characters of UTF-8 text without NUL";
    return result;
  }
  counters_.decoded_bytes.fetch_add(request.decoded.records.size(), std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  std::string id = request.request_id;
  return ingest_locked(std::move(id), source_arn, request);
}

IngestResult FirehoseIngest::ingest_locked(std::string request_id, std::string_view source_arn,
                                           FirehoseRequest& request) {
  IngestResult result;
  result.request_id = request_id;
  if (finished_) {
    result.message = "the server is shutting down";
    counters_.requests_failed.fetch_add(1, std::memory_order_relaxed);
    return result;
  }
  try {
    // A retry of a request that was stored (its 200 lost on the way back) is acknowledged again and
    // stored no second time.
    if (const std::optional<StoredCounts> seen = store_->find(request_id)) {
      counters_.requests_duplicate.fetch_add(1, std::memory_order_relaxed);
      result.status = IngestStatus::kDuplicate;
      result.records = seen->records;
      result.bad_records = seen->bad_records;
      result.dead_letters_dropped = seen->dead_letters_dropped;
      return result;
    }
  } catch (const Error& e) {
    counters_.requests_failed.fetch_add(1, std::memory_order_relaxed);
    result.message = e.what();
    return result;
  }

  DecodedEnvelopes& decoded = request.decoded;
  const std::string_view text = decoded.records;
  const bool keep_jobs = sinks_.sinks().size() > 1;  // a sink besides the store reads the batches after the commit
  newest_.newest_ms = 0;
  const std::int64_t now = unix_now_ms();
  StoredRequest stored{.request_id = request_id,
                       .received_ms = now,
                       .sent_ms = request.timestamp_ms,
                       .source_arn = source_arn,
                       .records = 0,
                       .bad_records = 0,
                       .dead_letters_dropped = 0};
  DeadLetterTable& dead = store_->dead_letters();
  std::size_t slices = 0;
  try {
    store_->begin(stored);
    // What could not be used goes into dead_letters with the request: the request is acknowledged as
    // a whole, and nothing in it is lost unnoticed.
    for (const EnvelopeProblem& p : decoded.problems) {
      dead.write({.source = {},
                  .firehose_request_id = request_id,
                  .line = 0,
                  .envelope = p.index,
                  .reason = BadReason::kBadEnvelope,
                  .detail = p.reason,
                  .raw = p.raw,
                  .raw_total = p.raw.size()});
    }
    std::uint64_t first_line = 1;  // the slice's, in the request
    for (std::size_t begin = 0; begin < text.size(); ++slices) {
      const std::size_t end = slice_end(text, begin);
      Job& job = slice_job(keep_jobs ? slices : 0);
      job.reset_results();
      job.input.assign(text.data() + begin, text.data() + end);
      job.size = end - begin;
      job.input.resize(job.size + simdjson::SIMDJSON_PADDING, '\0');
      processor_.process(job);
      result.records += job.counters.records;
      const BatchOrigin origin{.input = std::string_view(job.input.data(), job.size),
                               .source = {},
                               .first_line = first_line,
                               .envelopes = &decoded.origin,
                               .firehose_request_id = request_id};
      for (const DeadLetter& d : job.dead) dead.write(dead_letter_entry(d, origin, job.line_count));
      result.bad_records += job.dead.size();
      job.dead.clear();
      first_line += job.line_count;
      begin = end;
    }
    result.bad_records += decoded.problems.size() + decoded.problems_dropped;
    result.dead_letters_dropped = dead.dropped() + decoded.problems_dropped;
    stored.records = result.records;
    stored.bad_records = result.bad_records;
    stored.dead_letters_dropped = result.dead_letters_dropped;
    store_->commit(stored);
  } catch (const std::exception& e) {  // whatever failed, nothing of the request may stay pending
    store_->rollback();
    jobs_.resize(std::min(jobs_.size(), kKeptJobs));
    counters_.requests_failed.fetch_add(1, std::memory_order_relaxed);
    IngestResult failed;
    failed.request_id = request_id;
    failed.status = IngestStatus::kFailed;
    failed.message = e.what();
    return failed;
  }
  result.status = IngestStatus::kStored;
  counters_.requests_stored.fetch_add(1, std::memory_order_relaxed);
  counters_.records.fetch_add(result.records, std::memory_order_relaxed);
  counters_.bad_records.fetch_add(result.bad_records, std::memory_order_relaxed);
  counters_.dead_letters_dropped.fetch_add(result.dead_letters_dropped, std::memory_order_relaxed);
  counters_.last_commit_ms.store(now, std::memory_order_relaxed);
  if (newest_.newest_ms > counters_.newest_record_ms.load(std::memory_order_relaxed)) {
    counters_.newest_record_ms.store(newest_.newest_ms, std::memory_order_relaxed);
  }
  // Announcements and detection only for what is committed, slice after slice in input order.
  std::uint64_t first_line = 1;
  for (std::size_t i = 0; keep_jobs && i < slices; ++i) {
    Job& job = *jobs_[i];
    const BatchOrigin origin{.input = std::string_view(job.input.data(), job.size),
                             .source = {},
                             .first_line = first_line,
                             .envelopes = &decoded.origin,
                             .firehose_request_id = request_id};
    for (std::size_t s = 0; s < sinks_.sinks().size(); ++s) sinks_.sinks()[s]->write(*job.sink_batches[s], origin);
    first_line += job.line_count;
  }
  // A request is a batch of a live stream: what the JSON-lines output got of it is readable at once.
  if (keep_jobs)
    for (RecordSink* sink : sinks_.sinks()) sink->flush();
  if (findings_ != nullptr) {
    counters_.findings.store(findings_->size(), std::memory_order_relaxed);
  }
  jobs_.resize(std::min(jobs_.size(), kKeptJobs));
  return result;
}

Job& FirehoseIngest::slice_job(std::size_t slice) {
  while (jobs_.size() <= slice) jobs_.push_back(std::make_unique<Job>());
  return *jobs_[slice];
}

void FirehoseIngest::flush_findings() {
  std::lock_guard lock(mutex_);
  if (findings_ == nullptr) return;
  store_->replace_findings(findings_->sorted());
  counters_.findings.store(findings_->size(), std::memory_order_relaxed);
}

PruneStats FirehoseIngest::prune(std::int64_t cutoff_ms) {
  std::lock_guard lock(mutex_);
  return store_->prune(cutoff_ms);
}

void FirehoseIngest::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  for (RecordSink* sink : sinks_.sinks()) sink->finish();  // the detection sink judges the open windows
  if (findings_ != nullptr) {
    store_->replace_findings(findings_->sorted());
    counters_.findings.store(findings_->size(), std::memory_order_relaxed);
  }
}

}  // namespace dnslens
