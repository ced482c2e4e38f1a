#include <unistd.h>

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/detect_options.hpp"
#include "cli/intel_options.hpp"
#include "core/error.hpp"
#include "core/stop_signal.hpp"
#include "enrich/interesting_domains/interesting_domains.hpp"
#include "pipeline/pipeline.hpp"
#include "sinks/clickhouse/clickhouse_sink.hpp"
#include "sinks/formats/record_format.hpp"
#include "io/output_sink.hpp"
#include "store/store_writer.hpp"

namespace dnslens::cli {

namespace {

struct RunOptions {
  SourceConfig source;
  OutputOptions output;
  std::string dead_letter = "dnslens-dead-letter.jsonl";
  std::string interesting_path;
  std::string summary_json_path;
  PslOptions psl;
  NotifierConfig notify;
  std::string format = "auto";
  std::string progress = "auto";
  bool quiet = false;
  bool fail_on_bad = false;
  IntelOptions intel;
  FirewallPolicyOptions firewall;
  DetectOptions detect;
  std::string store_path;  // DuckDB file; empty: no store
  ClickHouseOptions clickhouse;
};

int execute(RunOptions& o) {
  PipelineConfig p;
  p.source = o.source;
  p.source.format = parse_input_format(o.format);
  p.source.progress = o.progress == "always" || (o.progress == "auto" && !o.quiet && ::isatty(STDERR_FILENO));
  p.sinks.json = o.output.config();
  if (o.notify.to_stdout && o.output.to_stdout()) {
    throw Error(ErrorCode::kUsage, "--notify-stdout needs the enriched output elsewhere (--output FILE or none)");
  }
  p.sinks.dead_letter_path = o.dead_letter;
  p.source.validate();
  refuse_outputs_that_are_inputs(p.source.inputs, {{"--output", o.output.output},
                                                   {"--dead-letter", o.dead_letter},
                                                   {"--findings", o.detect.off ? "" : o.detect.findings},
                                                   {"--notify-file", o.notify.file},
                                                   {"--summary-json", o.summary_json_path},
                                                   {"--store", o.store_path},
                                                   {"--domain-history", o.detect.domain_history}});
  PublicSuffixList psl = o.psl.load();
  InterestingDomains interesting;
  const bool have_interesting = !o.interesting_path.empty();
  if (have_interesting) {
    interesting = InterestingDomains::load_file(o.interesting_path, psl);
    if (!o.quiet) {
      std::fprintf(stderr, "dnslens: %zu interesting domains loaded from %s (%zu entries ignored)\n",
                   interesting.size(), o.interesting_path.c_str(), interesting.rejected());
    }
  }
  o.intel.quiet = o.quiet;
  std::shared_ptr<const ThreatIntel> loaded = o.intel.load(psl);
  std::optional<IntelHandle> intel;
  if (loaded) intel.emplace(std::move(loaded));
  std::unique_ptr<Detection> detection = o.detect.build();
  std::unique_ptr<MatchNotifier> notifier = notifier_from_options(o.notify, have_interesting || intel || detection);
  if (detection) detection->announce_to(notifier.get(), o.notify.min_finding_severity);
  std::optional<FirewallHandle> firewall;
  if (!o.firewall.sources.empty()) {
    firewall.emplace(std::make_shared<const FirewallEvaluator>(o.firewall.load(o.quiet)));
    if (!o.quiet) {
      std::fprintf(stderr, "dnslens: DNS Firewall policy: %zu rules, %zu domain specifications\n",
                   firewall->current()->rules().size(), firewall->current()->domain_count());
    }
  }
  // SIGHUP reloads the threat-intel feeds and the DNS Firewall policy (a live run on a stream: jobs
  // started after the reload use the new ones); a policy that no longer loads or validates keeps the one
  // in force.
  std::function<void()> reload_firewall;
  if (firewall) {
    reload_firewall = [&] {
      auto next = std::make_shared<const FirewallEvaluator>(o.firewall.load(/*quiet=*/true));
      refuse_without_name_signals(*next, p.enrich);
      const std::size_t rules = next->rules().size(), domains = next->domain_count();
      firewall->replace(std::move(next));
      std::fprintf(stderr, "dnslens: DNS Firewall policy reloaded: %zu rules, %zu domain specifications\n", rules,
                   domains);
    };
  }
  IntelReloader reloader(o.intel, psl, intel ? &*intel : nullptr, reload_firewall);
  p.enrich = Enrichers{.psl = &psl,
                       .interesting = have_interesting ? &interesting : nullptr,
                       .intel = intel ? &*intel : nullptr,
                       .intel_match_srcaddr = o.intel.srcaddr,
                       .firewall = firewall ? &*firewall : nullptr,
                       .dga = nullptr,
                       .benign_noise = nullptr};
  if (detection) detection->wire(p);
  give_firewall_name_signals(p.enrich);
  std::unique_ptr<StoreWriter> store;
  if (!o.store_path.empty()) store = std::make_unique<StoreWriter>(o.store_path, /*duckdb_threads=*/1);
  p.sinks.store = store.get();
  std::unique_ptr<ClickHouseSink> clickhouse;
  if (o.clickhouse.given()) {
    clickhouse = std::make_unique<ClickHouseSink>(o.clickhouse.client_config(), o.clickhouse.schema);
    p.sinks.clickhouse = clickhouse.get();
  }
  p.sinks.notifier = notifier.get();
  install_stop_signal_handlers();
  RunSummary summary = run_pipeline(p);
  reloader.stop();
  if (detection) detection->write_findings(o.detect.findings, o.output.format);
  // A ClickHouse failure must not cost the DuckDB store its findings or the summary: reported after them.
  std::exception_ptr clickhouse_failed;
  if (clickhouse && detection) {
    try {
      clickhouse->add_findings(detection->store->sorted());
    } catch (const Error&) {
      clickhouse_failed = std::current_exception();
    }
  }
  if (store) {
    if (detection) store->add_findings(detection->store->sorted());
    store->finish();
    summary.store_path = o.store_path;
    summary.store_checkpoint_seconds = store->stats().checkpoint_seconds;
  }
  if (!o.quiet) std::fputs(summary.to_text().c_str(), stderr);
  if (clickhouse && !o.quiet) {
    const ClickHouseSinkStats& ch = clickhouse->stats();
    std::fprintf(stderr,
                 "  clickhouse    %llu records, %llu dead letters, %llu findings in %llu inserts (%.1f MB RowBinary "
                 "records), %llu retries\n",
                 static_cast<unsigned long long>(ch.rows), static_cast<unsigned long long>(ch.dead_letters),
                 static_cast<unsigned long long>(ch.findings), static_cast<unsigned long long>(ch.inserts),
                 static_cast<double>(ch.bytes) / 1e6, static_cast<unsigned long long>(ch.retries));
  }
  if (!o.summary_json_path.empty()) {
    auto sink = make_file_sink(o.summary_json_path, Compression::kNone);
    sink->write(summary.to_json());
    sink->finish();
  }
  if (clickhouse_failed) std::rethrow_exception(clickhouse_failed);
  if (summary.stopped_by_signal != 0) return 128 + summary.stopped_by_signal;
  if (summary.files_failed > 0) return 3;
  if (o.fail_on_bad && summary.counters.bad_total() > 0) return 4;
  return 0;
}

}  // namespace

void register_run(CLI::App& app, CommandRegistry& registry) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand("run",
                                     "Enrich query logs: registered domain, TLD validity, interesting-domain "
                                     "matches (isMatchedDomain), threat intel, simulated DNS Firewall action, "
                                     "notifications");
  SourceConfig& c = opts->source;
  sub->add_option("inputs", c.inputs, "Files (.json/.jsonl/.log, .gz, .zst), directories (recursive) or - for stdin")
      ->required();
  opts->output.add(sub, "-", "Enriched records");
  sub->add_option("--dead-letter", opts->dead_letter, "Where bad records go (file, line, reason, raw bytes)")
      ->capture_default_str();
  sub->add_option("--interesting", opts->interesting_path,
                  "Interesting-domain list (one domain per line; see 'domains import')");
  opts->intel.add(sub);
  opts->firewall.add(sub, "--firewall-policy", false);
  opts->detect.add(sub);
  opts->psl.add(sub);
  CLI::Option* threads =
      sub->add_option("-j,--threads", c.threads,
                      "Enrichment worker threads (0 = one per core); reading and writing have a thread each besides")
          ->capture_default_str();
  sub->add_option("--serial-stages", c.serial_stages,
                  "Measure instead of overlapping: one thread reads, enriches and writes each chunk in turn, each "
                  "stage timed alone with the sinks set up for N workers; the summary says how many workers each "
                  "serial stage (reader, writer's sinks) can feed and the speed-up N workers imply (bench/stages.sh)")
      ->check(CLI::Range(1u, 1024u))
      ->excludes(threads);  // one thread does it all: a worker count would be ignored
  sub->add_option("--format", opts->format, "Input format: auto, jsonl, cloudwatch, firehose")
      ->check(CLI::IsMember({"auto", "jsonl", "cloudwatch", "firehose"}));
  sub->add_option("--max-line-bytes", c.max_line_bytes, "Longer lines are dead-lettered")->capture_default_str();
  sub->add_option("--max-ratio", c.limits.max_ratio, "Decompression ratio limit (0 = off)")->capture_default_str();
  sub->add_option("--max-decompressed-bytes", c.limits.max_output_bytes, "Per-input decompressed size limit (0 = off)")
      ->capture_default_str();
  sub->add_option("--progress", opts->progress, "Progress bar on stderr: auto (when a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  sub->add_option("--store", opts->store_path,
                  "Also load the enriched records and findings into this DuckDB database file (created when missing; "
                  "query it with 'dnslens sql')");
  opts->clickhouse.add(sub, /*required=*/false);
  sub->add_option("--summary-json", opts->summary_json_path, "Also write the run summary as JSON to this file");
  sub->add_flag("-q,--quiet", opts->quiet, "No summary on stderr");
  sub->add_flag("--fail-on-bad", opts->fail_on_bad, "Exit with 4 when any record was bad");
  add_notify_options(sub, opts->notify);
  registry.add(sub, [opts] { return execute(*opts); });
}

}  // namespace dnslens::cli
