// dnslens serve: the Kinesis Data Firehose HTTP endpoint into the store, live detection, /metrics,
// /healthz and the dashboards.
#include <sys/resource.h>
#include <unistd.h>
#ifdef __GLIBC__  // defined by the headers above on glibc
#include <malloc.h>
#endif

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/detect_options.hpp"
#include "cli/geo_options.hpp"
#include "cli/intel_options.hpp"
#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "enrich/interesting_domains/interesting_domains.hpp"
#include "serve/clickhouse_ingest_store.hpp"
#include "serve/firehose_ingest.hpp"
#include "serve/http_server.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "store/dga_functions.hpp"
#include "store/geo_functions.hpp"
#include "store/store_export.hpp"
#include "store/store_writer.hpp"

namespace dnslens::cli {

namespace {

struct ServeOptions {
  std::string db = "dnslens.duckdb";
  ServeOptions() { server.web_root = DNSLENS_WEB_DIR; }
  std::string listen = "127.0.0.1:8080";
  ServeConfig server;
  std::string access_key_file;
  std::string ui_token_file;
  std::string port_file;
  std::string interesting;
  GeoOptions geo;
  NotifierConfig notify;
  OutputOptions output;
  double findings_every = 10;
  std::string retention;
  std::size_t max_line_bytes = 1 << 20;
  PslOptions psl;
  IntelOptions intel;
  FirewallPolicyOptions firewall;
  DetectOptions detect;
  ClickHouseOptions clickhouse;
  bool quiet = false;
  bool read_only = false;
  std::int64_t header_timeout_ms = 10'000, body_timeout_ms = 120'000, idle_timeout_ms = 30'000,
               shutdown_timeout_ms = 20'000;
};

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_serve_stop_signal(int) { g_stop = 1; }

// A secret from a file (first line) or, when no file is given, from an environment variable: never
// from the command line, where every user of the machine can read it.
std::string read_secret(const std::string& path, const char* env, std::string_view what) {
  if (path.empty()) {
    const char* v = std::getenv(env);
    return v ? std::string(v) : std::string();
  }
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kConfig, fmt::format("cannot read the {} file {}", what, path));
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  if (line.empty()) throw Error(ErrorCode::kConfig, fmt::format("the {} file {} is empty", what, path));
  return line;
}

void parse_listen(const std::string& listen, ServeConfig& c) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    throw Error(ErrorCode::kUsage, fmt::format("--listen '{}' is not HOST:PORT", listen));
  }
  c.host = listen.substr(0, colon);
  if (c.host.size() > 2 && c.host.front() == '[' && c.host.back() == ']') c.host = c.host.substr(1, c.host.size() - 2);
  try {
    std::size_t used = 0;
    c.port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw Error(ErrorCode::kUsage, fmt::format("--listen '{}' has no valid port", listen));
  }
}

// Every open connection is a descriptor: the soft limit (often 1024) would cap them below
// --max-connections and make accept fail instead of the cap refusing cleanly.
void raise_descriptor_limit(std::size_t connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(connections) + 256;
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

int execute(ServeOptions& o) {
  // Buffers of 1 MiB and more are mapped when allocated and returned to the system when freed. glibc's
  // default raises that threshold to the largest block freed so far (the DGA model's load frees a few
  // MB), after which such buffers come from the heap and a long-running server keeps their peak. The
  // per-request buffers that would fault in afresh each time (request bodies, decoded requests, their
  // parsers) are pooled instead, in bounded numbers and sizes (http_connection.hpp, firehose_ingest.hpp,
  // envelope_decoder.cpp).
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
  parse_listen(o.listen, o.server);
  o.server.header_timeout = std::chrono::milliseconds(o.header_timeout_ms);
  o.server.body_timeout = std::chrono::milliseconds(o.body_timeout_ms);
  o.server.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
  o.server.shutdown_timeout = std::chrono::milliseconds(o.shutdown_timeout_ms);
  o.server.access_key = read_secret(o.access_key_file, "DNSLENS_FIREHOSE_ACCESS_KEY", "access key");
  o.server.ui_token = read_secret(o.ui_token_file, "DNSLENS_UI_TOKEN", "UI token");
  o.server.validate();
  if (o.findings_every <= 0) throw Error(ErrorCode::kUsage, "--findings-every must be above 0 seconds");
  const bool to_clickhouse = o.clickhouse.given();
  if (to_clickhouse && !o.retention.empty()) {
    throw Error(ErrorCode::kUsage,
                "ClickHouse drops old rows itself: give the retention to dnslens clickhouse init --retention-days, "
                "not --retention");
  }
  std::optional<std::int64_t> retention_ms;
  if (!o.retention.empty()) {
    retention_ms = parse_age_ms(o.retention);
    if (!retention_ms)
      throw Error(ErrorCode::kUsage, fmt::format("--retention '{}' is not an age like 30d", o.retention));
  }

  PublicSuffixList psl = o.psl.load();
  InterestingDomains interesting;
  if (!o.interesting.empty()) interesting = InterestingDomains::load_file(o.interesting, psl);
  o.intel.quiet = o.quiet;
  std::shared_ptr<const ThreatIntel> loaded = o.intel.load(psl);
  std::optional<IntelHandle> intel;
  if (loaded) intel.emplace(std::move(loaded));
  std::optional<FirewallHandle> firewall;
  if (!o.firewall.sources.empty())
    firewall.emplace(std::make_shared<const FirewallEvaluator>(o.firewall.load(o.quiet)));
  if (o.read_only) o.detect.no_history_because = "serve --read-only takes in no records";
  std::unique_ptr<Detection> detection = o.detect.build();
  if (o.notify.enabled() && o.read_only) {
    throw Error(ErrorCode::kUsage, "--read-only takes in no records: there is nothing to notify about");
  }
  std::unique_ptr<MatchNotifier> notifier =
      notifier_from_options(o.notify, !o.interesting.empty() || intel || detection);
  if (detection) detection->announce_to(notifier.get(), o.notify.min_finding_severity);
  const std::unique_ptr<LazyGeoDb> geo = o.geo.load(o.quiet);
  PipelineConfig pipeline;
  pipeline.source.kind = SourceKind::kFirehoseEndpoint;
  pipeline.source.max_line_bytes = o.max_line_bytes;
  pipeline.enrich = Enrichers{.psl = &psl,
                              .interesting = o.interesting.empty() ? nullptr : &interesting,
                              .intel = intel ? &*intel : nullptr,
                              .intel_match_srcaddr = o.intel.srcaddr,
                              .firewall = firewall ? &*firewall : nullptr,
                              .dga = nullptr,
                              .benign_noise = nullptr};
  if (detection) detection->wire(pipeline);
  give_firewall_name_signals(pipeline.enrich);
  pipeline.sinks.notifier = notifier.get();
  pipeline.sinks.json = o.output.config();
  if (pipeline.sinks.json && o.read_only) {
    throw Error(ErrorCode::kUsage, "--read-only takes in no records: there is nothing to write to --output");
  }
  if (o.notify.to_stdout && o.output.to_stdout()) {
    throw Error(ErrorCode::kUsage, "--notify-stdout needs the records' output elsewhere (--output FILE or none)");
  }

  // Read-only: the dashboards over a store another process may read too; no Firehose endpoint.
  std::optional<DuckDatabase> read_only_db;
  std::optional<StoreWriter> store;
  std::unique_ptr<ClickHouseIngestStore> clickhouse;  // outlives the ingest that writes into it
  std::optional<FirehoseIngest> ingest;
  if (to_clickhouse && !o.read_only) {
    FirehoseIngestConfig ingest_config;
    ingest_config.max_decoded_bytes = o.server.max_decoded_bytes;
    clickhouse = std::make_unique<ClickHouseIngestStore>(
        o.clickhouse.client_config(), o.clickhouse.schema,
        DeadLetterCaps{ingest_config.max_dead_letters, ingest_config.max_dead_letter_bytes});
    ingest.emplace(pipeline, *clickhouse, ingest_config);
  } else if (to_clickhouse) {
    // --read-only: ClickHouse's dashboards, no Firehose endpoint.
  } else if (o.read_only) {
    if (::access(o.db.c_str(), F_OK) != 0) throw Error(ErrorCode::kUsage, fmt::format("no store at {}", o.db));
    read_only_db.emplace(o.db, /*read_only=*/true);
  } else {
    store.emplace(o.db);
    pipeline.sinks.store = &*store;
    FirehoseIngestConfig ingest_config;
    ingest_config.max_decoded_bytes = o.server.max_decoded_bytes;
    ingest.emplace(pipeline, ingest_config);
  }
  // SIGHUP reloads the threat-intel feeds and the DNS Firewall policy; a policy that no longer loads or
  // validates keeps the one in force.
  std::function<void()> reload_firewall;
  if (firewall && ingest) {
    reload_firewall = [&] {
      auto next = std::make_shared<const FirewallEvaluator>(o.firewall.load(/*quiet=*/true));
      refuse_without_name_signals(*next, pipeline.enrich);
      const std::size_t rules = next->rules().size();
      const std::size_t domains = next->domain_count();
      firewall->replace(std::move(next));
      std::fprintf(stderr, "dnslens: DNS Firewall policy reloaded: %zu rules, %zu domain specifications\n", rules,
                   domains);
    };
  }
  IntelReloader reloader(o.intel, psl, intel ? &*intel : nullptr, reload_firewall);
  // The dashboards read the DuckDB store, or ClickHouse with --clickhouse.
  const DgaModel& dga_model = detection ? *detection->model : default_dga_model();
  DuckDatabase* db = read_only_db ? &*read_only_db : store ? &store->database() : nullptr;
  std::unique_ptr<Dashboard> dashboard;
  if (db != nullptr) {
    DuckConnection conn = db->connect();
    register_geo_functions(conn, geo.get());
    register_dga_functions(conn, dga_model);
    dashboard = std::make_unique<Dashboard>(*db, geo->get());
  } else if (to_clickhouse) {
    dashboard = std::make_unique<Dashboard>(std::make_unique<ClickHouseDashboardStore>(o.clickhouse.client_config()),
                                            geo->get(), &dga_model);
  }
  raise_descriptor_limit(o.server.max_connections);
  HttpServer server(o.server, ingest ? &*ingest : nullptr, std::move(dashboard));
  const int port = server.bind();
  if (!o.port_file.empty()) {
    std::ofstream(o.port_file) << port << '\n';
  }
  const bool tls = !o.server.tls_cert.empty();
  if (!o.quiet) {
    const std::string into = to_clickhouse ? fmt::format("{}ClickHouse {} database {}", o.read_only ? "" : "into ",
                                                         ClickHouseClient(o.clickhouse.client_config()).where(),
                                                         o.clickhouse.schema.database)
                                           : o.db;
    std::fprintf(stderr, "dnslens: serving %s on %s://%s:%d/ (%s%s/metrics, /healthz)%s\n", into.c_str(),
                 tls ? "https" : "http", o.server.host.c_str(), port, "dashboards; ",
                 o.read_only ? "read-only, no Firehose endpoint; "
                             : ("Firehose endpoint " + o.server.firehose_path + ", ").c_str(),
                 !o.read_only && o.server.access_key.empty() ? "; no Firehose access key is checked" : "");
  }

  struct sigaction sa {};
  sa.sa_handler = on_serve_stop_signal;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::atomic<bool> serving{true};
  std::thread housekeeping([&] {
    auto next_findings = std::chrono::steady_clock::now();
    auto next_prune = std::chrono::steady_clock::now();
    while (serving.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (g_stop) {
        server.stop();
        break;
      }
      const auto now = std::chrono::steady_clock::now();
      try {
        if (ingest && detection && now >= next_findings) {
          ingest->flush_findings();
          next_findings = now + std::chrono::milliseconds(static_cast<std::int64_t>(o.findings_every * 1000));
        }
        if (ingest && retention_ms && now >= next_prune) {
          const PruneStats p = ingest->prune(unix_now_ms() - *retention_ms);
          if (!o.quiet && (p.records || p.findings)) {
            std::fprintf(stderr, "dnslens: retention %s: deleted %llu records and %llu findings\n", o.retention.c_str(),
                         static_cast<unsigned long long>(p.records), static_cast<unsigned long long>(p.findings));
          }
          next_prune = now + std::chrono::hours(1);
        }
      } catch (const Error& e) {
        std::fprintf(stderr, "dnslens: housekeeping failed (will retry): %s\n", e.what());
      }
    }
  });
  const bool ok = server.run();
  serving.store(false);
  server.stop();
  housekeeping.join();
  reloader.stop();
  // The last findings are announced and stored here; a store that fails (ClickHouse unreachable) must
  // not keep what the notifier queued from being delivered: reported after it.
  std::exception_ptr finish_failed;
  try {
    if (ingest) ingest->finish();
    if (store) store->finish();
  } catch (const Error&) {
    finish_failed = std::current_exception();
  }
  if (notifier) notifier->close();  // delivers what is queued, within the retry policy
  static const IngestCounters kNone;
  const IngestCounters& c = ingest ? ingest->counters() : kNone;
  if (!o.quiet && ingest) {
    std::fprintf(
        stderr,
        "dnslens: stopped: %llu requests stored (%llu duplicates), %llu records, %llu bad records, "
        "%llu findings\n",
        static_cast<unsigned long long>(c.requests_stored.load()),
        static_cast<unsigned long long>(c.requests_duplicate.load()), static_cast<unsigned long long>(c.records.load()),
        static_cast<unsigned long long>(c.bad_records.load()), static_cast<unsigned long long>(c.findings.load()));
  }
  if (!o.quiet && notifier) {
    const NotifierStats n = notifier->stats();
    std::fprintf(stderr,
                 "dnslens: notifications: %llu delivered, %llu dropped, %llu batches (%llu failed, %llu retries)\n",
                 static_cast<unsigned long long>(n.events_delivered), static_cast<unsigned long long>(n.events_dropped),
                 static_cast<unsigned long long>(n.batches_sent), static_cast<unsigned long long>(n.batches_failed),
                 static_cast<unsigned long long>(n.retries));
  }
  if (finish_failed) std::rethrow_exception(finish_failed);
  if (!ok && !g_stop) throw Error(ErrorCode::kNetwork, "the HTTP listener failed");
  return 0;
}

}  // namespace

void register_serve(CLI::App& app, CommandRegistry& registry) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand(
      "serve",
      "Live ingest and dashboards: a Kinesis Data Firehose HTTP endpoint into the store, live detection, "
      "/metrics and /healthz");
  sub->add_option("--db", o->db, "The DuckDB store file (created when missing)")->capture_default_str();
  sub->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: any free port)")->capture_default_str();
  sub->add_option("--firehose-path", o->server.firehose_path, "URL path of the Firehose endpoint")
      ->capture_default_str();
  sub->add_option(
      "--access-key-file", o->access_key_file,
      "File holding the Firehose access key (X-Amz-Firehose-Access-Key); default: $DNSLENS_FIREHOSE_ACCESS_KEY");
  sub->add_flag("--allow-open-ingest", o->server.allow_open_ingest,
                "Accept Firehose requests without an access key on a non-loopback address");
  sub->add_option("--ui-token-file", o->ui_token_file,
                  "File holding the dashboards' token (Authorization: Bearer, or ?token=); default: $DNSLENS_UI_TOKEN. "
                  "Required beyond loopback");
  sub->add_option("--tls-cert", o->server.tls_cert, "PEM certificate (chain) for HTTPS; Firehose only sends to HTTPS");
  sub->add_option("--tls-key", o->server.tls_key, "PEM private key for --tls-cert");
  sub->add_option("--max-request-bytes", o->server.max_request_bytes, "Largest request body as sent (413 above)")
      ->capture_default_str();
  sub->add_option("--max-decoded-bytes", o->server.max_decoded_bytes,
                  "Largest request body after gzip decoding (413 above)")
      ->capture_default_str();
  sub->add_option("--max-line-bytes", o->max_line_bytes, "Longer records are dead-lettered")->capture_default_str();
  sub->add_option("--http-threads", o->server.threads,
                  "Workers for the blocking work (ingest, dashboard SQL, files); requests beyond them wait in a queue")
      ->capture_default_str();
  sub->add_option("--http-io-threads", o->server.io_threads,
                  "Event-loop threads that accept, read and write connections")
      ->capture_default_str();
  sub->add_option("--max-connections", o->server.max_connections,
                  "Open connections; past it new ones are closed at once")
      ->capture_default_str();
  sub->add_option("--max-queued-requests", o->server.max_queued_requests, "Requests waiting for a worker; past it 503")
      ->capture_default_str();
  sub->add_option("--header-timeout-ms", o->header_timeout_ms,
                  "The request line and headers must arrive within this time (slow senders are closed)")
      ->capture_default_str();
  sub->add_option("--body-timeout-ms", o->body_timeout_ms, "A request body must arrive within this time")
      ->capture_default_str();
  sub->add_option("--idle-timeout-ms", o->idle_timeout_ms, "A kept-alive connection is closed after this idle time")
      ->capture_default_str();
  sub->add_option("--shutdown-timeout-ms", o->shutdown_timeout_ms,
                  "SIGTERM/SIGINT: how long requests in flight may take to finish before their connections close")
      ->capture_default_str();
  sub->add_option("--findings-every", o->findings_every, "Seconds between writes of the live findings to the store")
      ->capture_default_str();
  sub->add_option("--retention", o->retention, "Delete records and findings older than this age, hourly (30d, 12h)");
  sub->add_option("--interesting", o->interesting, "Interesting-domain list (isMatchedDomain)");
  sub->add_flag("--read-only", o->read_only,
                "Dashboards only: open the store read-only (other processes can read it too); no Firehose endpoint");
  sub->add_option("--web-root", o->server.web_root, "The dashboards' built front end")->capture_default_str();
  sub->add_option("--port-file", o->port_file, "Write the port listened on to this file (useful with port 0)");
  o->intel.add(sub);
  o->geo.add(sub);
  add_notify_options(sub, o->notify);
  o->output.add(sub, "none", "Each stored record also");
  o->firewall.add(sub, "--firewall-policy", false);
  o->detect.add(sub, /*findings_file=*/false);
  o->psl.add(sub);
  o->clickhouse.add(sub, /*required=*/false);
  sub->add_flag("-q,--quiet", o->quiet, "Only errors on stderr");
  registry.add(sub, [o] { return execute(*o); });
}

}  // namespace dnslens::cli
