#include "pipeline/pipeline.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "core/bounded_queue.hpp"
#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "core/stop_signal.hpp"
#include "pipeline/chunk_reader.hpp"
#include "pipeline/sink_set.hpp"
#include "sinks/detection/detection_sink.hpp"
#include "store/store_writer.hpp"

namespace dnslens {

namespace {

using Clock = std::chrono::steady_clock;

class Writer {
 public:
  Writer(const PipelineConfig& config, const std::vector<std::string>& sources, std::vector<RecordSink*> sinks,
         RunSummary& summary)
      : config_(config),
        sources_(sources),
        sinks_(std::move(sinks)),
        dead_(config.sinks.dead_letter_path),
        summary_(summary) {}

  void write(Job& job) {
    // A file whose range could not be read ends there, as a stream ends at its failure: the ranges
    // after it, which other workers may have read, are dropped (their line numbers would be wrong).
    if (job.file && job.source_index == failed_source_) return;
    if (job.read_failed) failed_source_ = job.source_index;
    summary_.counters.add(job.counters);
    if (job.source_index != line_source_) {
      line_source_ = job.source_index;
      line_base_ = 1;
    }
    const BatchOrigin origin{
        .input = std::string_view(job.input.data(), job.size),
        .source = job.source_index < sources_.size() ? std::string_view(sources_[job.source_index]) : "",
        .first_line = line_base_,
        .envelopes = job.origin.get(),
        .firehose_request_id = {}};
    for (std::size_t i = 0; i < sinks_.size() && i < job.sink_batches.size(); ++i)
      timed(i, &StageTime::seconds, [&] { sinks_[i]->write(*job.sink_batches[i], origin); });
    timed(sinks_.size(), &StageTime::seconds, [&] {
      for (const DeadLetter& d : job.dead) {
        const DeadLetterEntry entry = dead_letter_entry(d, origin, job.line_count);
        dead_.write(entry);
        for (RecordSink* s : sinks_) s->dead_letter(entry);
      }
    });
    line_base_ += job.line_count;
    for (const auto& e : job.file_errors) {
      std::fprintf(stderr, "%sdnslens: error: %s\n", config_.source.progress ? "\r\033[K" : "", e.c_str());
      summary_.file_errors.push_back(e);
    }
  }

  // Each sink's write (and finish), and the dead letters, timed into a stage of their own, appended to
  // stages (SourceConfig::serial_stages).
  void time_stages(std::vector<StageTime>& stages) {
    stage_base_ = stages.size();
    for (RecordSink* s : sinks_) {
      stages.push_back(StageTime{.name = "writer: " + std::string(s->name()),
                                 .kind = dynamic_cast<DetectionSink*>(s) ? StageKind::kDetectors : StageKind::kSink});
    }
    stages.push_back(StageTime{.name = "writer: dead letters", .kind = StageKind::kDeadLetters});
    stages_ = &stages;
  }

  // Input has paused: what the writer wrote becomes visible in the output file.
  void idle() {
    for (RecordSink* s : sinks_) s->flush();
  }

  // The dead letters are finished first: a sink that fails to finish (a store commit on a full
  // disk) must not leave the dead-letter file without its end.
  void finish() {
    summary_.dead_letters = dead_.written();
    summary_.dead_letter_path = dead_.created_path();
    timed(sinks_.size(), &StageTime::finish_seconds, [&] { dead_.finish(); });
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
      timed(i, &StageTime::finish_seconds, [&] { sinks_[i]->finish(); });
      if (stages_ != nullptr) (*stages_)[stage_base_ + i].in_writes = sinks_[i]->seconds_in_writes();
    }
  }

 private:
  // Runs work; with time_stages, its seconds go to the member of the writer's stage-th stage.
  template <class Work>
  void timed(std::size_t stage, double StageTime::*member, Work&& work) {
    if (stages_ == nullptr) return work();
    const auto start = Clock::now();
    work();
    (*stages_)[stage_base_ + stage].*member += std::chrono::duration<double>(Clock::now() - start).count();
  }

  const PipelineConfig& config_;
  const std::vector<std::string>& sources_;
  std::vector<RecordSink*> sinks_;
  DeadLetterFile dead_;
  RunSummary& summary_;
  std::vector<StageTime>* stages_ = nullptr;  // time_stages
  std::size_t stage_base_ = 0;
  std::uint32_t line_source_ = ~std::uint32_t{0};    // the source the line numbering below belongs to
  std::uint64_t line_base_ = 1;                      // absolute number of the next job's first line
  std::uint32_t failed_source_ = ~std::uint32_t{0};  // a plain file whose range failed to read
};

class ProgressBar {
 public:
  ProgressBar(bool enabled, std::uint64_t total_bytes, const ReaderProgress& reader, const RunSummary& summary)
      : enabled_(enabled), total_(total_bytes), reader_(reader), summary_(summary) {
    if (enabled_) thread_ = std::thread([this] { loop(); });
  }
  ~ProgressBar() { stop(); }
  void stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    std::fputs("\r\033[K", stderr);
  }

 private:
  void loop() {
    auto start = Clock::now();
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stop_; })) {
      double secs = std::chrono::duration<double>(Clock::now() - start).count();
      std::uint64_t done = reader_.raw_bytes_done.load() + reader_.raw_bytes_current.load();
      double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
      std::string line;
      if (total_ > 0) {
        double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
        int filled = static_cast<int>(frac * 30);
        double eta = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : 0;
        line = fmt::format("\r[{:=<{}}{: <{}}] {:5.1f}% {:.1f}/{:.1f} MB  {:.1f} MB/s  ETA {:.0f}s\033[K", "", filled,
                           "", 30 - filled, frac * 100, static_cast<double>(done) / 1e6,
                           static_cast<double>(total_) / 1e6, rate / 1e6, eta);
      } else {
        line = fmt::format("\r{:.1f} MB read  {:.1f} MB/s\033[K", static_cast<double>(done) / 1e6, rate / 1e6);
      }
      std::fputs(line.c_str(), stderr);
    }
  }

  bool enabled_;
  std::uint64_t total_;
  const ReaderProgress& reader_;
  const RunSummary& summary_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
};

std::uint64_t total_input_bytes(const std::vector<std::string>& sources) {
  std::uint64_t total = 0;
  for (const auto& s : sources) {
    struct stat st {};
    if (s == "-" || ::stat(s.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    total += static_cast<std::uint64_t>(st.st_size);
  }
  return total;
}

// How long the writer waits for the next job before it flushes the output: long enough that a batch
// run never flushes between jobs (a flushed partial block costs the device a synchronous write when
// the direct write after it covers the block again), short enough for a live stream's output to show.
constexpr auto kIdleFlushAfter = std::chrono::milliseconds(100);

void run_threaded(unsigned workers, const SourceConfig& source, ChunkReader& reader,
                  const std::vector<RecordProcessor*>& processors, Writer& writer) {
  const std::size_t pool_size = workers * 2 + 2;
  BoundedQueue<std::unique_ptr<Job>> free_jobs(pool_size);
  BoundedQueue<std::unique_ptr<Job>> work(pool_size);
  for (std::size_t i = 0; i < pool_size; ++i) (void)free_jobs.push(std::make_unique<Job>());

  std::mutex done_mutex;
  std::condition_variable done_cv;
  std::map<std::uint64_t, std::unique_ptr<Job>> done;
  std::uint64_t produced = 0;
  bool reader_finished = false;
  std::string reader_failure;
  std::string worker_failure;

  std::thread reader_thread([&] {
    try {
      while (auto job = free_jobs.pop()) {
        if (!reader.next(**job)) break;
        if (!work.push(std::move(*job))) break;
        std::lock_guard lock(done_mutex);
        ++produced;
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(done_mutex);
      reader_failure = e.what();
    }
    work.close();
    std::lock_guard lock(done_mutex);
    reader_finished = true;
    done_cv.notify_all();
  });

  std::vector<std::thread> worker_threads;
  for (unsigned w = 0; w < workers; ++w) {
    worker_threads.emplace_back([&, w] {
      while (auto job = work.pop()) {
        std::string failure;
        try {
          ChunkReader::read_range(**job, source);  // a plain file's range: this worker reads it
          processors[w]->process(**job);
        } catch (const std::exception& e) {  // the store failed (disk full, ...): the run stops
          failure = e.what();
        }
        std::lock_guard lock(done_mutex);
        if (!failure.empty() && worker_failure.empty()) worker_failure = std::move(failure);
        std::uint64_t seq = (*job)->seq;
        done.emplace(seq, std::move(*job));
        done_cv.notify_all();
      }
    });
  }

  std::uint64_t next_seq = 0;
  std::string writer_failure;
  while (true) {
    std::unique_ptr<Job> job;
    {
      std::unique_lock lock(done_mutex);
      auto ready = [&] { return done.contains(next_seq) || (reader_finished && next_seq == produced); };
      if (!done_cv.wait_for(lock, kIdleFlushAfter, ready)) {
        // Input has paused (a live stream): what was written so far becomes visible in the output.
        lock.unlock();
        if (writer_failure.empty()) {
          try {
            writer.idle();
          } catch (const std::exception& e) {
            writer_failure = e.what();
            free_jobs.close();
          }
        }
        lock.lock();
        done_cv.wait(lock, ready);
      }
      if (!done.contains(next_seq)) break;
      job = std::move(done[next_seq]);
      done.erase(next_seq);
    }
    ++next_seq;
    if (writer_failure.empty()) {
      std::string failed_worker;
      {
        std::lock_guard lock(done_mutex);
        failed_worker = worker_failure;
      }
      if (!failed_worker.empty()) {
        writer_failure = failed_worker;
        free_jobs.close();
      }
    }
    if (writer_failure.empty()) {
      try {
        writer.write(*job);
      } catch (const std::exception& e) {
        writer_failure = e.what();
        free_jobs.close();  // stop reading; drain what is in flight
      }
    }
    job->file.reset();  // the last job of a plain file closes it and counts it
    (void)free_jobs.try_push(std::move(job));
  }
  reader_thread.join();
  for (auto& t : worker_threads) t.join();
  if (!writer_failure.empty()) throw Error(ErrorCode::kIo, writer_failure);
  if (!reader_failure.empty()) throw Error(ErrorCode::kInternal, reader_failure);
}

// SourceConfig::serial_stages: one thread reads, enriches and writes each job in turn, each stage
// timed alone (the writer times its sinks). stages holds the reader's and the worker's entries first.
void run_staged(const SourceConfig& source, ChunkReader& reader, RecordProcessor& processor, Writer& writer,
                std::vector<StageTime>& stages) {
  Job job;
  while (true) {
    const auto start = Clock::now();
    const bool more = reader.next(job);
    const auto read = Clock::now();
    stages[0].seconds += std::chrono::duration<double>(read - start).count();
    if (!more) break;
    try {
      ChunkReader::read_range(job, source);  // a plain file's range is read by the worker: not serial
      processor.process(job);
    } catch (const std::exception& e) {  // as a worker's failure ends a threaded run
      throw Error(ErrorCode::kIo, e.what());
    }
    stages[1].seconds += std::chrono::duration<double>(Clock::now() - read).count();
    writer.write(job);
    job.file.reset();
  }
}

}  // namespace

RunSummary run_pipeline(const PipelineConfig& config) {
  config.validate();
  if (config.source.kind != SourceKind::kInputs)
    throw Error(ErrorCode::kUsage, "run_pipeline reads inputs: the Firehose endpoint is served");
  RunSummary summary;
  auto start = Clock::now();
  ExpandedInputs inputs = expand_inputs(config.source.inputs);
  summary.sources = std::move(inputs.paths);
  const unsigned threads = config.source.workers();
  summary.threads = threads;
  ReaderProgress progress;
  SinkSet sink_set(config);
  const std::vector<RecordSink*>& sinks = sink_set.sinks();
  std::size_t batch_bytes = kDefaultBatchInputBytes;
  for (const RecordSink* sink : sinks) batch_bytes = std::max(batch_bytes, sink->batch_input_bytes());
  // Plain files in ranges that the workers read, unless one worker does all the work: then the reader's
  // thread reading ahead of it takes the copy out of the page cache off its hands (-j1 is 8% faster so).
  // The simulation of many workers reads in ranges, as they would.
  const bool in_ranges = config.source.serial_stages > 0 ? config.source.serial_stages > 1 : threads > 1;
  ChunkReader reader(config.source, batch_bytes, summary.sources, inputs.problems, progress, in_ranges);
  Writer writer(config, summary.sources, sinks, summary);
  {
    ProgressBar bar(config.source.progress, total_input_bytes(summary.sources), progress, summary);
    // Also with one worker the reader (file reads, decompression) and the writer (output, dead
    // letters, detectors) run on their own threads, so a single enrichment thread never waits for I/O.
    std::vector<std::unique_ptr<RecordProcessor>> owned;
    std::vector<RecordProcessor*> processors;
    if (const unsigned simulated = config.source.serial_stages; simulated > 0) {
      summary.simulated_workers = simulated;
      summary.threads = 1;
      RecordProcessor processor(config.enrich, config.source.max_line_bytes);
      for (RecordSink* sink : sinks) processor.add_sink(*sink, 0, simulated);
      if (config.observers) processor.set_observer(config.observers(0));
      summary.stages = {StageTime{.name = "reader", .kind = StageKind::kReader},
                        StageTime{.name = "one worker", .kind = StageKind::kWorker}};
      writer.time_stages(summary.stages);
      run_staged(config.source, reader, processor, writer, summary.stages);
    } else {
      for (unsigned i = 0; i < threads; ++i) {
        owned.push_back(std::make_unique<RecordProcessor>(config.enrich, config.source.max_line_bytes));
        for (RecordSink* sink : sinks) owned.back()->add_sink(*sink, i, threads);
        if (config.observers) owned.back()->set_observer(config.observers(i));
        processors.push_back(owned.back().get());
      }
      run_threaded(threads, config.source, reader, processors, writer);
    }
  }
  writer.finish();
  if (sink_set.json() != nullptr) summary.partition_files = sink_set.json()->partition_files();
  if (StoreWriter* store = config.sinks.store) {
    summary.store_rows = store->stats().rows;
    summary.store_append_seconds = store->stats().append_seconds;
    summary.store_repaired_strings = store->stats().repaired_strings;
  }
  if (const DetectorSet* detectors = config.detection.detectors) {  // finished with the detection sink
    summary.detectors = detectors->stats();
    summary.detection_events = detectors->events();
  }
  if (const FindingStore* findings = config.detection.findings) {
    summary.findings = findings->stats();
    summary.findings_distinct = findings->size();
  }
  if (MatchNotifier* notifier = config.sinks.notifier) {
    notifier->close();
    summary.notifier = notifier->stats();
  }
  summary.stopped_by_signal = stop_signal();
  summary.files_ok = progress.files_ok.load();
  summary.files_failed = progress.files_failed.load();
  summary.raw_bytes = progress.raw_bytes_done.load();
  summary.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

namespace {

// What the stages measured alone imply: each stage's records/s, the workers a serial stage can feed
// (its records/s over one worker's), and the pipeline's records/s with one worker and with the
// simulated count, each serial stage on a core of its own (the writer's parts share its thread).
struct StageFigures {
  double worker = 0;  // records/s
  double reader = 0;
  double writer = 0;  // all the writer's parts, one after another
  double with_one = 0;
  double with_simulated = 0;
  double writer_cpu = 0;          // the writer without its time in write calls
  double with_simulated_cpu = 0;  // with_simulated if the writes cost the writer nothing (overlapped)
};

double rate(std::uint64_t records, double seconds) { return static_cast<double>(records) / std::max(seconds, 1e-9); }

// The detector that took longest (its end included): what bounds the detectors' stage when they run
// side by side; null without detectors.
const DetectorStats* slowest_detector(const std::vector<DetectorStats>& detectors) {
  const auto it =
      std::max_element(detectors.begin(), detectors.end(),
                       [](const DetectorStats& a, const DetectorStats& b) { return a.seconds < b.seconds; });
  return it == detectors.end() || it->seconds <= 0 ? nullptr : &*it;
}

StageFigures stage_figures(const RunSummary& s) {
  StageFigures f;
  double writer_seconds = 0;
  double in_writes = 0;
  for (const StageTime& t : s.stages) {
    if (t.kind == StageKind::kWorker) f.worker = rate(s.counters.records, t.seconds);
    if (t.kind == StageKind::kReader) f.reader = rate(s.counters.records, t.seconds);
    if (t.kind != StageKind::kReader && t.kind != StageKind::kWorker) writer_seconds += t.seconds;
    in_writes += t.in_writes;
  }
  f.writer = rate(s.counters.records, writer_seconds);
  f.writer_cpu = rate(s.counters.records, std::max(writer_seconds - in_writes, 0.0));
  f.with_one = std::min({f.worker, f.reader, f.writer});
  f.with_simulated = std::min({f.worker * s.simulated_workers, f.reader, f.writer});
  f.with_simulated_cpu = std::min({f.worker * s.simulated_workers, f.reader, f.writer_cpu});
  return f;
}

}  // namespace

std::string RunSummary::to_text() const {
  const double secs = std::max(elapsed_seconds, 1e-9);
  std::string s = fmt::format(
      "dnslens run summary\n"
      "  inputs        {} ok, {} failed\n"
      "  read          {:.1f} MB from disk, {:.1f} MB of records\n"
      "  records       {} enriched, {} bad, {} blank lines skipped\n"
      "  matches       {} (isMatchedDomain = Y)\n"
      "  threat intel  {} records matched an indicator\n"
      "  unknown TLD   {}\n"
      "  elapsed       {:.3f} s with {} worker(s): {:.0f} records/s, {:.1f} MB/s\n",
      files_ok, files_failed, static_cast<double>(raw_bytes) / 1e6, static_cast<double>(counters.record_bytes) / 1e6,
      counters.records, counters.bad_total(), counters.blank_lines, counters.matches, counters.threat_hits,
      counters.invalid_tld, secs, threads, static_cast<double>(counters.records) / secs,
      static_cast<double>(counters.record_bytes) / 1e6 / secs);
  if (!stages.empty() && counters.records == 0) {
    s += "  stages        no records: nothing to measure\n";
  } else if (!stages.empty()) {
    const StageFigures f = stage_figures(*this);
    s += fmt::format(
        "  stages        measured alone on one thread, sinks set up for {} workers; a serial stage feeds\n"
        "                its records/s over one worker's records/s (what runs once at the end apart):\n",
        simulated_workers);
    for (const StageTime& t : stages) {
      const double r = rate(counters.records, t.seconds);
      s += fmt::format(
          "    {:<26} {:8.3f} s {:>12.0f} records/s{}{}\n", t.name, t.seconds, r,
          t.kind != StageKind::kWorker ? fmt::format("   feeds {:.1f} workers", r / std::max(f.worker, 1e-9)) : "",
          t.finish_seconds >= 0.0005 ? fmt::format(", then {:.3f} s at the end", t.finish_seconds) : "");
      if (const DetectorStats* d = slowest_detector(detectors); d != nullptr && t.kind == StageKind::kDetectors)
        s += fmt::format(
            "      the slowest detector, {}, {:.3f} s (its end included): side by side (--detector-threads) they "
            "feed up to {:.1f} workers\n",
            d->name, d->seconds, rate(counters.records, d->seconds) / std::max(f.worker, 1e-9));
      if (t.in_writes >= 0.0005)
        s += fmt::format("      of which {:.3f} s in write calls; without them it feeds {:.1f} workers\n", t.in_writes,
                         rate(counters.records, std::max(t.seconds - t.in_writes, 1e-9)) / std::max(f.worker, 1e-9));
    }
    s += fmt::format(
        "    {:<26} {:>23.0f} records/s   feeds {:.1f} workers\n"
        "  implied       {:.0f} records/s with one worker, {:.0f} with {} ({:.1f}x), each serial stage on a core of "
        "its own\n",
        "writer, all parts", f.writer, f.writer / std::max(f.worker, 1e-9), f.with_one, f.with_simulated,
        simulated_workers, f.with_simulated / std::max(f.with_one, 1e-9));
    if (f.with_simulated_cpu > f.with_simulated * 1.01)
      s += fmt::format(
          "                {:.0f} records/s with {} ({:.1f}x) on a device fast enough that the writer never waits "
          "on it\n",
          f.with_simulated_cpu, simulated_workers, f.with_simulated_cpu / std::max(f.with_one, 1e-9));
  }
  if (counters.firewall_drift > 0) {
    s +=
        fmt::format("  firewall      {} records where the simulated DNS Firewall outcome differs from the logged one\n",
                    counters.firewall_drift);
  }
  if (!detectors.empty()) {
    s += fmt::format("  findings      {} ({} detections merged, {} dropped past the cap)", findings_distinct,
                     findings.merged, findings.dropped);
    std::string by_type;
    for (std::size_t i = 0; i < kFindingTypeCount; ++i) {
      if (findings.by_type[i])
        by_type += fmt::format("{}{} {}", by_type.empty() ? "" : ", ", findings.by_type[i],
                               finding_type_name(static_cast<FindingType>(i)));
    }
    s += by_type.empty() ? "\n" : ": " + by_type + "\n";
    s += fmt::format("  detectors     {} events; benign noise {} records\n", detection_events, counters.benign_noise);
    for (const auto& d : detectors) {
      s += fmt::format("    {:<13} {} events, {} keys at the end (peak {}), {} evicted, {} late\n", d.name, d.events,
                       d.keys, d.peak_keys, d.evicted, d.late);
      if (!d.note.empty()) s += fmt::format("      {}\n", d.note);
    }
  }
  if (!store_path.empty()) {
    s += fmt::format(
        "  store         {} records into {} ({:.3f} s appending, summed over workers; {:.3f} s checkpoint{})\n",
        store_rows, store_path, store_append_seconds, store_checkpoint_seconds,
        store_repaired_strings ? fmt::format(", {} non-UTF-8 strings kept as \\xNN", store_repaired_strings) : "");
  }
  if (counters.bad_total() > 0) {
    s += "  bad records by reason:\n";
    for (std::size_t i = 0; i < kBadReasonCount; ++i) {
      if (counters.bad[i])
        s += fmt::format("    {:<16} {}\n", bad_reason_name(static_cast<BadReason>(i)), counters.bad[i]);
    }
    s += fmt::format("  dead letters  {} written to {}\n", dead_letters, dead_letter_path);
  }
  if (notifier.events_in > 0) {
    s += fmt::format("  notifications {} delivered, {} dropped, {} batches ({} failed, {} retries)\n",
                     notifier.events_delivered, notifier.events_dropped, notifier.batches_sent, notifier.batches_failed,
                     notifier.retries);
  }
  for (const auto& e : file_errors) s += fmt::format("  error: {}\n", e);
  if (stopped_by_signal != 0) {
    s += fmt::format(
        "  stopped       by {}: the input after the last whole line read was not taken; everything "
        "before it is written\n",
        stopped_by_signal == SIGINT    ? "SIGINT"
        : stopped_by_signal == SIGTERM ? "SIGTERM"
                                       : "a signal");
  }
  return s;
}

std::string RunSummary::to_json() const {
  const double secs = std::max(elapsed_seconds, 1e-9);
  std::string bad = "{";
  for (std::size_t i = 0; i < kBadReasonCount; ++i) {
    bad += fmt::format("{}\"{}\":{}", i ? "," : "", bad_reason_name(static_cast<BadReason>(i)), counters.bad[i]);
  }
  bad += '}';
  std::string errors = "[";
  for (std::size_t i = 0; i < file_errors.size(); ++i) {
    errors += i ? ",\"" : "\"";
    append_json_escaped_bytes(errors, file_errors[i]);
    errors += '"';
  }
  errors += ']';
  std::string detect = "null";
  if (!detectors.empty()) {
    detect =
        fmt::format("{{\"events\":{},\"benign_noise\":{},\"findings\":{},\"merged\":{},\"dropped\":{},\"by_type\":{{",
                    detection_events, counters.benign_noise, findings_distinct, findings.merged, findings.dropped);
    for (std::size_t i = 0; i < kFindingTypeCount; ++i) {
      detect +=
          fmt::format("{}\"{}\":{}", i ? "," : "", finding_type_name(static_cast<FindingType>(i)), findings.by_type[i]);
    }
    detect += "},\"detectors\":{";
    for (std::size_t i = 0; i < detectors.size(); ++i) {
      const auto& d = detectors[i];
      detect += fmt::format(
          "{}\"{}\":{{\"events\":{},\"keys\":{},\"peak_keys\":{},\"evicted\":{},\"late\":{},\"detections\":{}}}",
          i ? "," : "", d.name, d.events, d.keys, d.peak_keys, d.evicted, d.late, d.detections);
    }
    detect += "}}";
  }
  std::string stages_json = "null";
  if (!stages.empty() && counters.records > 0) {
    const StageFigures f = stage_figures(*this);
    stages_json = fmt::format("{{\"workers\":{},\"stages\":[", simulated_workers);
    for (std::size_t i = 0; i < stages.size(); ++i) {
      const StageTime& t = stages[i];
      const double r = rate(counters.records, t.seconds);
      stages_json += i ? ",{\"name\":\"" : "{\"name\":\"";
      append_json_escaped_bytes(stages_json, t.name);
      stages_json += fmt::format(
          "\",\"serial\":{},\"seconds\":{:.6f},\"finish_seconds\":{:.6f},\"in_writes\":{:.6f},"
          "\"records_per_second\":{:.1f}",
          t.kind != StageKind::kWorker, t.seconds, t.finish_seconds, t.in_writes, r);
      if (const DetectorStats* d = slowest_detector(detectors); d != nullptr && t.kind == StageKind::kDetectors) {
        stages_json += ",\"slowest\":\"";
        append_json_escaped_bytes(stages_json, d->name);
        stages_json += fmt::format("\",\"slowest_seconds\":{:.6f}", d->seconds);
      }
      stages_json +=
          t.kind != StageKind::kWorker ? fmt::format(",\"workers_fed\":{:.3f}}}", r / std::max(f.worker, 1e-9)) : "}";
    }
    stages_json += fmt::format(
        "],\"writer_records_per_second\":{:.1f},\"implied_records_per_second_one_worker\":{:.1f},"
        "\"implied_records_per_second\":{:.1f},\"implied_speedup\":{:.3f},"
        "\"implied_records_per_second_writes_overlapped\":{:.1f}}}",
        f.writer, f.with_one, f.with_simulated, f.with_simulated / std::max(f.with_one, 1e-9), f.with_simulated_cpu);
  }
  std::string store_json = "null";
  if (!store_path.empty()) {
    store_json = "{\"path\":\"";
    append_json_escaped_bytes(store_json, store_path);
    store_json += fmt::format(
        "\",\"records\":{},\"append_seconds\":{:.6f},\"checkpoint_seconds\":{:.6f},"
        "\"repaired_strings\":{}}}",
        store_rows, store_append_seconds, store_checkpoint_seconds, store_repaired_strings);
  }
  return fmt::format(
      "{{\"files_ok\":{},\"files_failed\":{},\"raw_bytes\":{},\"record_bytes\":{},\"records\":{},\"bad_records\":{},"
      "\"bad_by_reason\":{},\"blank_lines\":{},\"matches\":{},\"threat_hits\":{},\"firewall_drift\":{},\"invalid_tld\":"
      "{},\"dead_letters\":{},"
      "\"elapsed_seconds\":{:.6f},\"records_per_second\":{:.1f},\"threads\":{},\"partition_files\":{},"
      "\"notifications\":{{\"events\":{},\"delivered\":{},\"dropped\":{},\"batches\":{},\"failed_batches\":{},"
      "\"retries\":{}}},\"detection\":{},\"store\":{},\"serial_stages\":{},\"errors\":{},\"stopped_by_signal\":{}}}\n",
      files_ok, files_failed, raw_bytes, counters.record_bytes, counters.records, counters.bad_total(), bad,
      counters.blank_lines, counters.matches, counters.threat_hits, counters.firewall_drift, counters.invalid_tld,
      dead_letters, elapsed_seconds, static_cast<double>(counters.records) / secs, threads, partition_files,
      notifier.events_in, notifier.events_delivered, notifier.events_dropped, notifier.batches_sent,
      notifier.batches_failed, notifier.retries, detect, store_json, stages_json, errors, stopped_by_signal);
}

}  // namespace dnslens
