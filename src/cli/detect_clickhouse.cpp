#include "cli/detect_clickhouse.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <thread>

#include <fmt/format.h>

#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "pipeline/pipeline.hpp"
#include "sinks/clickhouse/clickhouse_sink.hpp"
#include "store/clickhouse/clickhouse_export.hpp"
#include "store/store_export.hpp"

namespace dnslens::cli {

namespace {

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::kIo, fmt::format("writing records to the detectors: {}", std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void DetectClickHouseOptions::add(CLI::App* sub) {
  clickhouse.add(sub, /*required=*/false);
  sub->add_option("--since", since,
                  "With --clickhouse: the findings of records from this time (ISO 8601, or an age such as 24h)");
  sub->add_option("--until", until, "With --clickhouse: up to this time (default: now)");
  sub->add_option("--lookback", lookback,
                  "With --clickhouse: records read before --since as well, so detection windows that start "
                  "before it are whole")
      ->capture_default_str();
  sub->add_option("--findings", findings, "With --clickhouse: the findings also as JSON lines in this file");
  sub->add_option("-j,--threads", threads, "Enrichment worker threads (0 = one per core)");
  sub->add_flag("-q,--quiet", quiet, "Only errors on stderr");
  detect.add(sub, /*findings_file=*/false);
  psl.add(sub);
}

int detect_clickhouse(const DetectClickHouseOptions& o) {
  if (o.since.empty()) throw Error(ErrorCode::kUsage, "detect --clickhouse needs --since");
  const std::int64_t since = parse_time_option(o.since, "--since");
  const std::int64_t until = o.until.empty() ? unix_now_ms() : parse_time_option(o.until, "--until");
  const std::optional<std::int64_t> lookback = parse_age_ms(o.lookback);
  if (!lookback && o.lookback != "0" && o.lookback != "0h") {
    throw Error(ErrorCode::kUsage, fmt::format("--lookback '{}' is not an age like 24h", o.lookback));
  }
  if (until <= since) throw Error(ErrorCode::kUsage, "--until must be after --since");
  std::unique_ptr<Detection> detection = o.detect.build();
  if (!detection) throw Error(ErrorCode::kUsage, "detect --clickhouse runs the detectors: drop --no-detect");
  // Findings are stored under one run id per window: running the same window again replaces them.
  ClickHouseSink findings_out(o.clickhouse.client_config(), o.clickhouse.schema);
  findings_out.set_run_id(fmt::format("detect:{}:{}", iso8601_seconds(since), iso8601_seconds(until)));
  ClickHouseClient reader(o.clickhouse.client_config());

  PublicSuffixList psl = o.psl.load();
  PipelineConfig p;
  p.source.inputs = {"-"};
  p.source.threads = o.threads;
  p.sinks.json = std::nullopt;
  p.sinks.dead_letter_path = "/dev/null";  // rebuilt lines of stored records
  p.enrich = Enrichers{.psl = &psl,
                       .interesting = nullptr,
                       .intel = nullptr,
                       .intel_match_srcaddr = false,
                       .firewall = nullptr,
                       .dga = nullptr,
                       .benign_noise = nullptr};
  detection->wire(p);

  // The records stream to the pipeline's stdin through a pipe, an hour at a time.
  std::signal(SIGPIPE, SIG_IGN);  // a pipe whose reader is gone fails a write (EPIPE) instead of ending the process
  int fds[2];
  if (::pipe(fds) != 0) throw Error(ErrorCode::kIo, fmt::format("pipe: {}", std::strerror(errno)));
  if (::dup2(fds[0], STDIN_FILENO) < 0) throw Error(ErrorCode::kIo, fmt::format("dup2: {}", std::strerror(errno)));
  ::close(fds[0]);
  std::exception_ptr read_failed;
  ClickHouseExportStats exported;
  std::thread producer([&] {
    std::string batch;
    try {
      exported = export_clickhouse_lines(reader, o.clickhouse.schema, since - lookback.value_or(0), until,
                                         [&](std::string_view line) {
                                           batch += line;
                                           batch += '\n';
                                           if (batch.size() >= (1u << 20)) {
                                             write_all(fds[1], batch);
                                             batch.clear();
                                           }
                                         });
      write_all(fds[1], batch);
    } catch (...) {
      read_failed = std::current_exception();
    }
    ::close(fds[1]);
  });
  RunSummary summary;
  try {
    summary = run_pipeline(p);
  } catch (...) {
    ::close(STDIN_FILENO);  // the producer's next write fails (EPIPE) instead of waiting for a reader
    producer.join();
    throw;
  }
  ::close(STDIN_FILENO);  // a run stopped by a signal reads no further: the producer must not wait for it
  producer.join();
  if (summary.stopped_by_signal != 0) return 128 + summary.stopped_by_signal;
  if (read_failed) std::rethrow_exception(read_failed);

  std::vector<Finding> found;
  for (Finding& f : detection->store->sorted()) {
    if (f.last_seen_ms >= since) found.push_back(std::move(f));  // the look-back's own belong to earlier windows
  }
  findings_out.add_findings(found);
  if (!o.findings.empty()) {
    std::FILE* file = std::fopen(o.findings.c_str(), "w");
    if (file == nullptr) throw Error(ErrorCode::kIo, fmt::format("{}: {}", o.findings, std::strerror(errno)));
    for (const Finding& f : found) std::fprintf(file, "%s\n", finding_to_json(f).c_str());
    std::fclose(file);
  }
  if (!o.quiet) {
    std::fprintf(stderr,
                 "dnslens: %llu records from ClickHouse (%s to %s, %llu queries), %zu findings stored under run id "
                 "%s\n",
                 static_cast<unsigned long long>(exported.records),
                 iso8601_seconds(since - lookback.value_or(0)).c_str(), iso8601_seconds(until).c_str(),
                 static_cast<unsigned long long>(exported.queries), found.size(), findings_out.run_id().c_str());
  }
  return summary.counters.bad_total() > 0 ? 4 : 0;
}

}  // namespace dnslens::cli
