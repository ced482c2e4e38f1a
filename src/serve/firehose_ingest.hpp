#pragma once
// The live ingest path of dnslens serve, independent of HTTP: one Kinesis Data Firehose request
// body in, its records enriched and committed to the store together with the request id (so a
// retried request is recognised and never stored twice) and the records that could not be used
// (dead_letters). Requests decode in parallel; those that wait while a commit runs are committed
// together next (group commit: one transaction for them all). Only a committed request may be
// acknowledged with 200. Detection runs on what was committed, in commit order.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/spare_pool.hpp"
#include "detect/engine/detector_set.hpp"
#include "detect/findings/finding_store.hpp"
#include "io/decompress_limits.hpp"
#include "notify/match_notifier.hpp"
#include "pipeline/job.hpp"
#include "pipeline/record_observer.hpp"
#include "pipeline/record_processor.hpp"
#include "store/store_export.hpp"
#include "sinks/dead_letters/dead_letter_writer.hpp"
#include "pipeline/pipeline_config.hpp"
#include "pipeline/sink_set.hpp"
#include "serve/ingest_store.hpp"
#include "store/store_writer.hpp"

namespace dnslens {

enum class IngestStatus { kStored, kDuplicate, kBadRequest, kFailed };

struct IngestResult {
  IngestStatus status = IngestStatus::kFailed;
  std::string request_id;
  std::string message;                     // why, when not stored
  std::uint64_t records = 0;               // stored
  std::uint64_t bad_records = 0;           // could not be used: kept in dead_letters, or only counted past the cap
  std::uint64_t dead_letters_dropped = 0;  // of bad_records, those counted but not kept (past the cap)
};

// Monotonic counters for /metrics; read without the ingest lock.
struct IngestCounters {
  std::atomic<std::uint64_t> requests_stored{0};
  std::atomic<std::uint64_t> requests_duplicate{0};
  std::atomic<std::uint64_t> requests_bad{0};
  std::atomic<std::uint64_t> requests_failed{0};
  std::atomic<std::uint64_t> commits{0};  // store commits: each holds the requests stored together
  std::atomic<std::uint64_t> records{0};
  std::atomic<std::uint64_t> bad_records{0};
  std::atomic<std::uint64_t> dead_letters_dropped{0};  // bad records past a request's cap: counted, not kept
  std::atomic<std::uint64_t> decoded_bytes{0};
  std::atomic<std::uint64_t> findings{0};
  std::atomic<std::int64_t> newest_record_ms{0};  // the latest query timestamp stored
  std::atomic<std::int64_t> last_commit_ms{0};    // wall clock of the last commit
};

// What one request may hold. Firehose sends at most 64 MiB per request (its largest buffer), so a
// real request never comes near these; anything past them is refused before the ingest lock (lines,
// decoded bytes) or only counted (dead letters), so one request cannot hold the others up for long.
// 512 MiB of the shortest real query-log lines (about 300 bytes) is under 2M lines.
inline constexpr std::size_t kMaxRequestDecodedBytes = 512ull << 20;
inline constexpr std::size_t kMaxRequestLines = 2'000'000;
// A thousand samples say what is wrong with a source; the rest of its bad records are counted.
inline constexpr std::size_t kMaxRequestDeadLetters = 1000;
inline constexpr std::size_t kMaxRequestDeadLetterBytes = 16ull << 20;  // their raw bytes, all together

// The endpoint's limits on one request (the pipeline's source config gives the line limit).
struct FirehoseIngestConfig {
  // For gzip payloads inside records (CloudWatch Logs subscriptions); a record may not inflate past
  // max_decoded_bytes whatever max_output_bytes says.
  DecompressLimits limits;
  std::size_t max_decoded_bytes = kMaxRequestDecodedBytes;  // the request's lines, all records together
  std::size_t max_lines = kMaxRequestLines;
  std::size_t max_dead_letters = kMaxRequestDeadLetters;  // kept with their raw bytes; the rest counted
  std::size_t max_dead_letter_bytes = kMaxRequestDeadLetterBytes;

  void validate() const;  // throws Error(kUsage)
};

// The newest query timestamp of a request, for the ingest lag.
class NewestRecord : public RecordObserver {
 public:
  void observe(const QueryRecord& record, const EnrichedRecord&) override {
    if (record.timestamp_ms > newest_ms) newest_ms = record.timestamp_ms;
  }
  std::int64_t newest_ms = 0;
};

class FirehoseIngest {
 public:
  // pipeline: its source is the Firehose endpoint (SourceKind::kFirehoseEndpoint); its sinks are the
  // DuckDB store (required), the notifier, which announces matches and findings once their request is
  // committed (a retried request announces nothing again), and the detection stage, when set.
  FirehoseIngest(const PipelineConfig& pipeline, FirehoseIngestConfig config);
  // Into another store (ClickHouse): the pipeline's store and ClickHouse sinks are not used.
  FirehoseIngest(const PipelineConfig& pipeline, IngestStore& store, FirehoseIngestConfig config);
  ~FirehoseIngest();

  // header_request_id: X-Amz-Firehose-Request-Id (may be empty; the body's requestId must match it
  // when both are there). source_arn: X-Amz-Firehose-Source-Arn, kept with the request.
  IngestResult ingest(std::string_view header_request_id, std::string_view source_arn, std::string_view body);

  // Writes the findings so far to the store (replacing this run's earlier ones).
  void flush_findings();
  // Retention: deletes what is older than cutoff_ms (between requests).
  PruneStats prune(std::int64_t cutoff_ms);
  // Where matches and findings are announced (null: nowhere).
  [[nodiscard]] const MatchNotifier* notifier() const { return notifier_; }
  // Closes every detector window and writes the findings: call once, at shutdown.
  void finish();

  [[nodiscard]] const IngestCounters& counters() const { return counters_; }
  // Decoded requests waiting for their group.
  [[nodiscard]] std::size_t waiting() const;
  // Called under the ingest lock with the number of requests about to be committed together; what it
  // throws fails that commit. For tests: to hold a group back, or to fail one.
  void set_before_commit(std::function<void(std::size_t requests)> hook) { before_commit_ = std::move(hook); }

 private:
  // A decoded request waiting for its group.
  struct Pending {
    std::string request_id;
    std::string_view source_arn;
    struct FirehoseRequest* request = nullptr;
    IngestResult result;
    bool done = false;          // answered (under queue_mutex_)
    StoredRequest stored;       // as ingest_requests keeps it, once enriched
    std::size_t first_job = 0;  // its slices' jobs, kept for the sinks besides the store
    std::size_t jobs = 0;
  };
  // Under mutex_: the group's duplicates are answered, the rest stored in one commit.
  void store_group(const std::vector<Pending*>& group);
  // Stores the requests in one commit, then hands their records to the other sinks; false when the
  // commit failed (everything rolled back; a lone request is answered as failed).
  bool store_together(const std::vector<Pending*>& fresh);
  // Enriches the request into the store's pending group; next_job: its first slice's job.
  void process_request(Pending& p, std::size_t& next_job, bool keep_jobs);
  // Hands a committed request's slices to the sinks besides the store.
  void announce(Pending& p);
  void fail(Pending& p, std::string message);
  void wire();
  // The job for the slice-th part of a request (made the first time).
  Job& slice_job(std::size_t slice);

  std::function<void(std::size_t)> before_commit_;
  mutable std::mutex queue_mutex_;  // the requests waiting for a group, and whether one is running
  std::condition_variable queue_cv_;
  std::vector<Pending*> queue_;
  bool group_running_ = false;
  std::mutex mutex_;  // one group at a time goes into the store and the detectors
  // Decoded requests' memory (megabytes each), kept for the next requests: memory mapped afresh for
  // every request costs a page fault per 4 KiB. A few, none past kSpareRequestBytes.
  static constexpr std::size_t kSpareRequests = 8;
  static constexpr std::size_t kSpareRequestBytes = 32 << 20;
  SparePool<std::unique_ptr<FirehoseRequest>> spare_requests_{kSpareRequests};
  std::unique_ptr<FirehoseRequest> take_spare_request();
  void give_back(std::unique_ptr<FirehoseRequest> request) noexcept;
  std::unique_ptr<IngestStore> owned_store_;  // the DuckDB store's, when made here
  IngestStore* store_;
  const FindingStore* findings_;  // null without detection
  MatchNotifier* notifier_;       // null: no announcements
  FirehoseIngestConfig config_;
  RecordProcessor processor_;
  SinkSet sinks_;  // the store's sink writes into the pending request; the others are written once committed
  // A request is enriched a slice of lines at a time, so what grows per line (the job's dead letters,
  // its copy of the input) stays bounded. Each slice of a group keeps its job until the commit when
  // detection or announcements need its events afterwards; otherwise one job serves every slice.
  std::vector<std::unique_ptr<Job>> jobs_;
  NewestRecord newest_;
  IngestCounters counters_;
  bool finished_ = false;
};

}  // namespace dnslens
