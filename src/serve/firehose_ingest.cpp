#include "serve/firehose_ingest.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "core/timestamp.hpp"
#include "sources/envelope_decoder.hpp"
#include "store/store_schema.hpp"

namespace dnslens {

namespace {

}  // namespace

FirehoseIngest::FirehoseIngest(StoreWriter& store, const Enrichers& enrichers, DetectorSet* detectors,
                               FindingStore* findings, FirehoseIngestConfig config)
    : store_(store), detectors_(detectors), findings_(findings), config_(config),
      processor_(enrichers, config.max_line_bytes, /*partitioned=*/false, /*notify_matches=*/config.notifier != nullptr),
      appender_(store.make_appender()) {
  processor_.set_store(appender_.get());
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
    request = decode_firehose_request(body, "firehose request", config_.limits);
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
  if (request.request_id.empty() || request.request_id.size() > 256) {
    counters_.requests_bad.fetch_add(1, std::memory_order_relaxed);
    result.status = IngestStatus::kBadRequest;
    result.message = "the requestId must be 1 to 256 characters";
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
  DuckConnection& conn = appender_->connection();
  try {
    // A retry of a request that was committed (its 200 lost on the way back) is acknowledged again
    // and stored no second time. Requests go in one at a time, so the check cannot race.
    DuckResult seen = conn.query(fmt::format("SELECT records, bad_records FROM {} WHERE request_id = {}",
                                             kIngestRequestsTable, sql_quote(request_id)));
    if (seen.rows() > 0) {
      counters_.requests_duplicate.fetch_add(1, std::memory_order_relaxed);
      result.status = IngestStatus::kDuplicate;
      result.records = static_cast<std::uint64_t>(seen.int64(0, 0));
      result.bad_records = static_cast<std::uint64_t>(seen.int64(1, 0));
      return result;
    }
  } catch (const Error& e) {
    counters_.requests_failed.fetch_add(1, std::memory_order_relaxed);
    result.message = e.what();
    return result;
  }

  DecodedEnvelopes& decoded = request.decoded;
  job_.reset_results();
  job_.input.assign(decoded.records.begin(), decoded.records.end());
  job_.size = decoded.records.size();
  job_.input.resize(job_.size + simdjson::SIMDJSON_PADDING, '\0');
  newest_.newest_ms = 0;
  const std::int64_t now = unix_now_ms();
  const std::string received = sql_timestamp_ms(now);
  std::string bookkeeping;
  try {
    appender_->begin();
    processor_.process(job_);
    // What could not be used goes into dead_letters in the same transaction: the request is
    // acknowledged as a whole, and nothing in it is lost.
    std::string dead;
    auto add_dead = [&](std::uint64_t record_index, std::uint64_t line, std::string_view reason, std::string_view detail,
                        std::string_view raw, std::uint64_t raw_bytes) {
      dead += dead.empty() ? fmt::format("INSERT INTO {} VALUES ", kDeadLettersTable) : ",";
      dead += fmt::format("({}, {}, {}, {}, {}, {}, {})", received,
                          sql_quote(fmt::format("firehose {} record {}", request_id, record_index)),
                          line ? std::to_string(line) : std::string("NULL"), sql_quote(reason), sql_quote_or_null(detail),
                          sql_quote(raw), raw_bytes);
    };
    for (const EnvelopeProblem& p : decoded.problems) add_dead(p.index, 0, "bad_envelope", p.reason, p.raw, p.raw.size());
    for (const DeadLetter& d : job_.dead) {
      const std::uint64_t record_index = d.line < decoded.origin.size() ? decoded.origin[d.line] : 0;
      add_dead(record_index, d.line + 1, d.reason, d.detail, d.raw, d.raw_total);
    }
    result.records = job_.counters.records;
    result.bad_records = decoded.problems.size() + job_.dead.size();
    bookkeeping = fmt::format("INSERT INTO {} VALUES ({}, {}, {}, {}, {})", kIngestRequestsTable, sql_quote(request_id),
                              received, sql_quote_or_null(source_arn), result.records, result.bad_records);
    if (!dead.empty()) bookkeeping += ";\n" + dead;
    appender_->commit(bookkeeping);
  } catch (const std::exception& e) {  // whatever failed, nothing of the request may stay pending
    try {
      appender_->rollback();
    } catch (const Error&) {  // the transaction is gone with the failure
    }
    counters_.requests_failed.fetch_add(1, std::memory_order_relaxed);
    result.status = IngestStatus::kFailed;
    result.message = e.what();
    return result;
  }
  result.status = IngestStatus::kStored;
  counters_.requests_stored.fetch_add(1, std::memory_order_relaxed);
  counters_.records.fetch_add(result.records, std::memory_order_relaxed);
  counters_.bad_records.fetch_add(result.bad_records, std::memory_order_relaxed);
  counters_.last_commit_ms.store(now, std::memory_order_relaxed);
  if (newest_.newest_ms > counters_.newest_record_ms.load(std::memory_order_relaxed)) {
    counters_.newest_record_ms.store(newest_.newest_ms, std::memory_order_relaxed);
  }
  if (config_.notifier != nullptr) {
    for (MatchEvent& m : job_.matches) {
      m.json += ",\"firehose_request_id\":\"";
      append_json_escaped_bytes(m.json, request_id);
      const std::uint64_t record_index = m.line < decoded.origin.size() ? decoded.origin[m.line] : 0;
      m.json += fmt::format("\",\"firehose_record\":{},\"line\":{}}}", record_index, m.line + 1);
      config_.notifier->enqueue(std::move(m.json));
    }
  }
  if (detectors_ != nullptr) {
    detectors_->consume(job_.detection, std::string_view(job_.input.data(), job_.size));
    if (findings_ != nullptr) counters_.findings.store(findings_->size(), std::memory_order_relaxed);
  }
  return result;
}

void FirehoseIngest::replace_firewall(std::unique_ptr<FirewallEvaluator> next) {
  std::lock_guard lock(mutex_);
  processor_.set_firewall(next.get());
  firewall_ = std::move(next);  // the previous reloaded policy (if any) is no longer referenced
}

void FirehoseIngest::flush_findings() {
  std::lock_guard lock(mutex_);
  if (findings_ == nullptr) return;
  store_.replace_findings(findings_->sorted());
  counters_.findings.store(findings_->size(), std::memory_order_relaxed);
}

PruneStats FirehoseIngest::prune(std::int64_t cutoff_ms) {
  std::lock_guard lock(mutex_);
  return prune_store(store_.connection(), cutoff_ms, /*dry_run=*/false);
}

void FirehoseIngest::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (detectors_ != nullptr) detectors_->finish();
  if (findings_ != nullptr) {
    store_.replace_findings(findings_->sorted());
    counters_.findings.store(findings_->size(), std::memory_order_relaxed);
  }
}

}  // namespace dnslens
