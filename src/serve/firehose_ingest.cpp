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
// Jobs kept between groups: a large group's slices are not held on to after it.
constexpr std::size_t kKeptJobs = 2;
// A group takes waiting requests until it holds this many decoded bytes (and always one request).
constexpr std::size_t kGroupBytes = 64 << 20;

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

std::unique_ptr<FirehoseRequest> FirehoseIngest::take_spare_request() {
  std::unique_ptr<FirehoseRequest> r = spare_requests_.take();
  return r ? std::move(r) : std::make_unique<FirehoseRequest>();
}

void FirehoseIngest::give_back(std::unique_ptr<FirehoseRequest> request) noexcept {
  if (!request) return;
  const DecodedEnvelopes& d = request->decoded;
  if (d.records.capacity() + d.origin.capacity() * sizeof(d.origin[0]) > kSpareRequestBytes) return;
  request->decoded.clear();
  spare_requests_.give_back(std::move(request));
}

IngestResult FirehoseIngest::ingest(std::string_view header_request_id, std::string_view source_arn,
                                    std::string_view body) {
  IngestResult result;
  result.request_id = std::string(header_request_id);
  // Decoding (base64, gzip, JSON) needs no lock: requests decode in parallel on the HTTP threads.
  // Into a spare request's memory, handed back when this call ends (after everything below is done
  // with it: declared before them, so destroyed after them).
  struct GiveBack {
    FirehoseIngest& self;
    std::unique_ptr<FirehoseRequest> request;
    ~GiveBack() { self.give_back(std::move(request)); }
  } held{*this, take_spare_request()};
  FirehoseRequest& request = *held.request;
  try {
    // Bounded as it decodes: a request past these would cost memory, and the lock, for nothing.
    decode_firehose_request(body, "firehose request", config_.limits,
                            {.max_decoded_bytes = config_.max_decoded_bytes,
                             .max_lines = config_.max_lines,
                             .max_problems = config_.max_dead_letters},
                            request);
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
  Pending mine;
  mine.request_id = request.request_id;
  mine.source_arn = source_arn;
  mine.request = &request;
  std::unique_lock queue_lock(queue_mutex_);
  queue_.push_back(&mine);
  // Whatever ends this call, no one is left pointing at this frame's request.
  struct Unqueue {
    std::vector<Pending*>& queue;
    Pending* mine;
    ~Unqueue() { std::erase(queue, mine); }
  } unqueue{queue_, &mine};
  while (!mine.done) {
    if (group_running_) {
      queue_cv_.wait(queue_lock);
      continue;
    }
    // Group commit: the first to find no group running takes the requests waiting, oldest first (up to
    // kGroupBytes; one when the store stores request by request), and stores them in one commit; the
    // others wait for it, and a request left waiting is taken by the next group.
    std::vector<Pending*> group;
    group.reserve(queue_.size());
    const std::size_t most = store_->stores_groups() ? queue_.size() : 1;
    std::size_t bytes = 0, taken = 0;
    while (taken < most && (taken == 0 || bytes + queue_[taken]->request->decoded.records.size() <= kGroupBytes)) {
      bytes += queue_[taken]->request->decoded.records.size();
      group.push_back(queue_[taken++]);
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(taken));
    group_running_ = true;
    queue_lock.unlock();
    {
      // Every request of the group is answered, and the next group may start, however this one ends.
      struct Release {
        FirehoseIngest& self;
        std::vector<Pending*>& group;
        std::unique_lock<std::mutex>& queue_lock;
        ~Release() {
          queue_lock.lock();
          self.group_running_ = false;
          for (Pending* p : group) p->done = true;
          self.queue_cv_.notify_all();
        }
      } release{*this, group, queue_lock};
      try {
        std::lock_guard lock(mutex_);
        store_group(group);
      } catch (...) {  // no request of the group is left without an answer
        for (Pending* p : group) {
          if (p->result.status == IngestStatus::kFailed && p->result.message.empty()) {
            p->result.request_id = p->request_id;
            p->result.message = "the request could not be stored";
            counters_.requests_failed.fetch_add(1, std::memory_order_relaxed);
          }
        }
      }
    }
  }
  return std::move(mine.result);
}

std::size_t FirehoseIngest::waiting() const {
  std::lock_guard lock(queue_mutex_);
  return queue_.size();
}

void FirehoseIngest::fail(Pending& p, std::string message) {
  counters_.requests_failed.fetch_add(1, std::memory_order_relaxed);
  p.result = {};
  p.result.request_id = p.request_id;
  p.result.status = IngestStatus::kFailed;
  p.result.message = std::move(message);
}

void FirehoseIngest::store_group(const std::vector<Pending*>& group) {
  std::vector<Pending*> fresh;                       // to store, in arrival order
  std::vector<std::pair<Pending*, Pending*>> twins;  // a request, and the earlier one of its group with its id
  std::vector<Pending*> asked;
  std::vector<std::string_view> ids;
  for (Pending* p : group) {
    if (finished_) {
      fail(*p, "the server is shutting down");
      continue;
    }
    const auto twin =
        std::find_if(asked.begin(), asked.end(), [&](const Pending* f) { return f->request_id == p->request_id; });
    if (twin != asked.end()) {
      twins.emplace_back(p, *twin);
      continue;
    }
    asked.push_back(p);
    ids.push_back(p->request_id);
  }
  std::vector<std::optional<StoredCounts>> seen;
  try {
    seen = store_->find(ids);
  } catch (const std::exception& e) {
    for (Pending* p : asked) fail(*p, e.what());
    asked.clear();
  }
  for (std::size_t i = 0; i < asked.size(); ++i) {
    Pending* p = asked[i];
    if (!seen[i]) {
      fresh.push_back(p);
      continue;
    }
    // A retry of a request that was stored (its 200 lost on the way back) is acknowledged again and
    // stored no second time.
    counters_.requests_duplicate.fetch_add(1, std::memory_order_relaxed);
    p->result = {};
    p->result.request_id = p->request_id;
    p->result.status = IngestStatus::kDuplicate;
    p->result.records = seen[i]->records;
    p->result.bad_records = seen[i]->bad_records;
    p->result.dead_letters_dropped = seen[i]->dead_letters_dropped;
  }
  // One request's failure is its own: the requests of a failed group are each tried again alone (a
  // lone request's failure is its answer; a twin takes its request's outcome).
  if (!fresh.empty() && !store_together(fresh) && fresh.size() > 1) {
    for (Pending* p : fresh) store_together({p});
  }
  for (auto [p, original] : twins) {
    p->result = original->result;
    if (original->result.status == IngestStatus::kFailed) {
      counters_.requests_failed.fetch_add(1, std::memory_order_relaxed);
    } else {
      p->result.status = IngestStatus::kDuplicate;
      counters_.requests_duplicate.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void FirehoseIngest::process_request(Pending& p, std::size_t& next_job, bool keep_jobs) {
  FirehoseRequest& request = *p.request;
  DecodedEnvelopes& decoded = request.decoded;
  const std::string_view text = decoded.records;
  const std::string_view request_id = p.request_id;
  IngestResult& result = p.result;
  result = {};
  result.request_id = p.request_id;
  p.stored = StoredRequest{.request_id = request_id,
                           .received_ms = unix_now_ms(),
                           .sent_ms = request.timestamp_ms,
                           .source_arn = p.source_arn,
                           .records = 0,
                           .bad_records = 0,
                           .dead_letters_dropped = 0};
  p.first_job = next_job;
  DeadLetterTable& dead = store_->dead_letters();
  store_->begin(p.stored);
  // What could not be used goes into dead_letters with the request: the request is acknowledged as
  // a whole, and nothing in it is lost unnoticed.
  for (const EnvelopeProblem& problem : decoded.problems) {
    dead.write({.source = {},
                .firehose_request_id = request_id,
                .line = 0,
                .envelope = problem.index,
                .reason = BadReason::kBadEnvelope,
                .detail = problem.reason,
                .raw = problem.raw,
                .raw_total = problem.raw.size()});
  }
  std::uint64_t first_line = 1;  // the slice's, in the request
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t end = slice_end(text, begin);
    Job& job = slice_job(keep_jobs ? next_job++ : 0);
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
  p.jobs = keep_jobs ? next_job - p.first_job : 0;
  result.bad_records += decoded.problems.size() + decoded.problems_dropped;
  result.dead_letters_dropped = dead.dropped() + decoded.problems_dropped;
  p.stored.records = result.records;
  p.stored.bad_records = result.bad_records;
  p.stored.dead_letters_dropped = result.dead_letters_dropped;
  store_->end(p.stored);
}

bool FirehoseIngest::store_together(const std::vector<Pending*>& fresh) {
  const bool keep_jobs = sinks_.sinks().size() > 1;  // a sink besides the store reads the batches after the commit
  newest_.newest_ms = 0;
  std::size_t next_job = 0;
  try {
    for (Pending* p : fresh) process_request(*p, next_job, keep_jobs);
    if (before_commit_) before_commit_(fresh.size());
    store_->commit();
  } catch (const std::exception& e) {  // whatever failed, nothing of the group may stay pending
    store_->rollback();
    jobs_.resize(std::min(jobs_.size(), kKeptJobs));
    if (fresh.size() == 1) fail(*fresh.front(), e.what());
    return false;
  }
  counters_.commits.fetch_add(1, std::memory_order_relaxed);
  counters_.last_commit_ms.store(unix_now_ms(), std::memory_order_relaxed);
  if (newest_.newest_ms > counters_.newest_record_ms.load(std::memory_order_relaxed)) {
    counters_.newest_record_ms.store(newest_.newest_ms, std::memory_order_relaxed);
  }
  // Stored. Each request's records are handed on by themselves: one that cannot be (its output or
  // detection failed) is answered 500, and its retry, a duplicate, says 200.
  std::vector<bool> handed(fresh.size(), true);
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    Pending& p = *fresh[i];
    counters_.records.fetch_add(p.result.records, std::memory_order_relaxed);
    counters_.bad_records.fetch_add(p.result.bad_records, std::memory_order_relaxed);
    counters_.dead_letters_dropped.fetch_add(p.result.dead_letters_dropped, std::memory_order_relaxed);
    p.result.status = IngestStatus::kStored;
    try {
      announce(p);
    } catch (const std::exception& e) {
      handed[i] = false;
      fail(p, fmt::format("stored, but its records could not be handed on: {}", e.what()));
    } catch (...) {
      handed[i] = false;
      fail(p, "stored, but its records could not be handed on");
    }
  }
  // A request is a batch of a live stream: what the JSON-lines output got of it is readable at once.
  if (keep_jobs) {
    try {
      for (RecordSink* sink : sinks_.sinks()) sink->flush();
    } catch (const std::exception& e) {
      for (std::size_t i = 0; i < fresh.size(); ++i) {
        if (!handed[i]) continue;
        handed[i] = false;
        fail(*fresh[i], fmt::format("stored, but its records could not be handed on: {}", e.what()));
      }
    }
  }
  for (std::size_t i = 0; i < fresh.size(); ++i)
    if (handed[i]) counters_.requests_stored.fetch_add(1, std::memory_order_relaxed);
  if (findings_ != nullptr) {
    counters_.findings.store(findings_->size(), std::memory_order_relaxed);
  }
  jobs_.resize(std::min(jobs_.size(), kKeptJobs));
  return true;
}

void FirehoseIngest::announce(Pending& p) {
  // Announcements and detection only for what is committed, slice after slice in input order.
  std::uint64_t first_line = 1;
  for (std::size_t i = p.first_job; i < p.first_job + p.jobs; ++i) {
    Job& job = *jobs_[i];
    const BatchOrigin origin{.input = std::string_view(job.input.data(), job.size),
                             .source = {},
                             .first_line = first_line,
                             .envelopes = &p.request->decoded.origin,
                             .firehose_request_id = p.request_id};
    for (std::size_t s = 0; s < sinks_.sinks().size(); ++s) sinks_.sinks()[s]->write(*job.sink_batches[s], origin);
    first_line += job.line_count;
  }
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
