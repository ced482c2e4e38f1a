#include "serve/http_server.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <httplib.h>

#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "core/json_escape.hpp"

namespace dnslens {

namespace {

// Firehose reads every response as {"requestId", "timestamp"[, "errorMessage"]}; the requestId must
// be the request's.
std::string firehose_body(std::string_view request_id, std::string_view error) {
  std::string out = "{\"requestId\":\"";
  append_json_escaped_bytes(out, request_id);
  out += fmt::format("\",\"timestamp\":{}", unix_now_ms());
  if (!error.empty()) {
    out += ",\"errorMessage\":\"";
    append_json_escaped_bytes(out, error);
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

bool constant_time_equal(std::string_view expected, std::string_view given) {
  // Every byte of the expected secret is compared, whatever the given one's length.
  unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(expected[i]) ^ g;
  }
  return diff == 0 && !expected.empty();
}

bool ServeConfig::loopback() const {
  if (host == "localhost" || host == "::1") return true;
  in_addr a{};
  return ::inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

void ServeConfig::validate() const {
  if (port < 0 || port > 65535) throw Error(ErrorCode::kUsage, fmt::format("port {} is out of range", port));
  if (firehose_path.empty() || firehose_path[0] != '/') {
    throw Error(ErrorCode::kUsage, "the Firehose path must start with '/'");
  }
  if (tls_cert.empty() != tls_key.empty()) throw Error(ErrorCode::kUsage, "TLS needs both --tls-cert and --tls-key");
  if (access_key.size() > 4096) throw Error(ErrorCode::kUsage, "Firehose access keys are at most 4096 bytes");
  if (max_request_bytes == 0 || max_decoded_bytes < max_request_bytes) {
    throw Error(ErrorCode::kUsage, "--max-decoded-bytes must be at least --max-request-bytes, both above 0");
  }
  if (threads == 0 || threads > 1024) throw Error(ErrorCode::kUsage, "--http-threads must be 1 to 1024");
  if (!loopback()) {
    if (access_key.empty() && !allow_open_ingest) {
      throw Error(ErrorCode::kUsage, fmt::format("bound to {}, beyond loopback: set a Firehose access key "
                                                 "(--access-key-file) or pass --allow-open-ingest", host));
    }
    if (ui_token.empty()) {
      throw Error(ErrorCode::kUsage, fmt::format("bound to {}, beyond loopback: the dashboards need --ui-token-file",
                                                 host));
    }
  }
}

void HttpCounters::count_status(int status) {
  switch (status) {
    case 200: status_200.fetch_add(1, std::memory_order_relaxed); break;
    case 400: status_400.fetch_add(1, std::memory_order_relaxed); break;
    case 401: status_401.fetch_add(1, std::memory_order_relaxed); break;
    case 403: status_403.fetch_add(1, std::memory_order_relaxed); break;
    case 413: status_413.fetch_add(1, std::memory_order_relaxed); break;
    case 500: status_500.fetch_add(1, std::memory_order_relaxed); break;
    default: status_other.fetch_add(1, std::memory_order_relaxed); break;
  }
}

void HttpCounters::observe_latency(double seconds) {
  std::size_t i = 0;
  while (i < kLatencyBucketCount && seconds > kLatencyBuckets[i]) ++i;
  latency_buckets[i].fetch_add(1, std::memory_order_relaxed);
  latency_micros_sum.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

HttpServer::HttpServer(ServeConfig config, FirehoseIngest* ingest, DuckDatabase* db, const GeoDb* geo)
    : config_(std::move(config)), ingest_(ingest) {
  if (db) dashboard_ = std::make_unique<Dashboard>(*db, geo);
  config_.validate();
  if (!config_.tls_cert.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(config_.tls_cert.c_str(), config_.tls_key.c_str());
    if (!tls->is_valid()) {
      throw Error(ErrorCode::kConfig, fmt::format("cannot use the TLS certificate {} with key {} (unreadable, not "
                                                  "PEM, or they do not match)", config_.tls_cert, config_.tls_key));
    }
    server_ = std::move(tls);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  const unsigned threads = config_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_tcp_nodelay(true);             // without it, Nagle and delayed ACKs add ~40 ms per response
  server_->set_keep_alive_max_count(100000);  // the library's default closes after 5 requests
  server_->set_keep_alive_timeout(30);
  server_->set_read_timeout(60, 0);
  server_->set_write_timeout(60, 0);
  server_->set_payload_max_length(config_.max_request_bytes);
  started_ms_ = unix_now_ms();
  add_routes();
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::bind() {
  if (config_.port == 0) {
    port_ = server_->bind_to_any_port(config_.host);
    if (port_ <= 0) throw Error(ErrorCode::kNetwork, fmt::format("cannot listen on {}", config_.host));
  } else {
    if (!server_->bind_to_port(config_.host, config_.port)) {
      throw Error(ErrorCode::kNetwork, fmt::format("cannot listen on {}:{} (in use, or not an address of this "
                                                   "machine)", config_.host, config_.port));
    }
    port_ = config_.port;
  }
  return port_;
}

bool HttpServer::run() { return server_->listen_after_bind(); }

void HttpServer::stop() {
  if (server_ && server_->is_running()) server_->stop();
}

bool HttpServer::ui_authorized(const std::string& authorization, const std::string& query_token,
                               const std::string& cookie) const {
  if (config_.ui_token.empty()) return true;
  constexpr std::string_view kCookie = "dnslens_token=";
  for (std::size_t at = cookie.find(kCookie); at != std::string::npos; at = cookie.find(kCookie, at + 1)) {
    if (at != 0 && cookie[at - 1] != ' ' && cookie[at - 1] != ';') continue;
    const std::size_t start = at + kCookie.size();
    const std::size_t end = cookie.find(';', start);
    if (constant_time_equal(config_.ui_token, std::string_view(cookie).substr(start, end == std::string::npos ? end : end - start))) {
      return true;
    }
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() > kBearer.size() && std::string_view(authorization).substr(0, kBearer.size()) == kBearer &&
      constant_time_equal(config_.ui_token, std::string_view(authorization).substr(kBearer.size()))) {
    return true;
  }
  return !query_token.empty() && constant_time_equal(config_.ui_token, query_token);
}

void HttpServer::add_routes() {
  // The dashboards and their API need the UI token when one is set; the Firehose endpoint has its
  // own key, and /healthz and /metrics stay open for probes and scrapers.
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path == config_.firehose_path || req.path == "/healthz" || req.path == "/metrics") {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const std::string query_token = req.get_param_value("token");
    if (!ui_authorized(req.get_header_value("Authorization"), query_token, req.get_header_value("Cookie"))) {
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer realm=\"dnslens\"");
      res.set_content("unauthorized: open the dashboards with ?token=<the UI token>\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!config_.ui_token.empty() && constant_time_equal(config_.ui_token, query_token)) {
      res.set_header("Set-Cookie", "dnslens_token=" + query_token + "; Path=/; HttpOnly; SameSite=Strict" +
                                       (config_.tls_cert.empty() ? "" : "; Secure"));
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  if (dashboard_) add_dashboard_routes();
  if (!config_.web_root.empty() && !server_->set_mount_point("/", config_.web_root)) {
    // The API and ingest still work; the pages say what is missing.
    std::fprintf(stderr, "dnslens: the dashboards' front end is missing at %s: build it with scripts/build-web.sh\n",
                 config_.web_root.c_str());
    server_->Get("/", [root = config_.web_root](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_content("The dashboards' front end is not built (" + root + "): run scripts/build-web.sh\n", "text/plain");
    });
  }
  if (ingest_) add_firehose_route();
  add_probe_routes();
}

void HttpServer::add_dashboard_routes() {
  auto guarded = [](httplib::Response& res, const std::function<std::string()>& body) {
    try {
      res.set_content(body(), "application/json");
    } catch (const Error& e) {
      res.status = e.code() == ErrorCode::kUsage ? 400 : 500;
      std::string msg = "{\"error\":\"";
      append_json_escaped_bytes(msg, e.what());
      res.set_content(msg + "\"}", "application/json");
    } catch (const std::exception& e) {
      res.status = 400;
      std::string msg = "{\"error\":\"";
      append_json_escaped_bytes(msg, e.what());
      res.set_content(msg + "\"}", "application/json");
    }
  };
  server_->Get("/api/catalog", [this, guarded](const httplib::Request&, httplib::Response& res) {
    guarded(res, [this] { return dashboard_->catalog_json(); });
  });
  server_->Get(R"(/api/panel/([a-z_0-9]+))", [this, guarded](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] { return dashboard_->panel_json(req.matches[1].str(), parse_dashboard_query(req.params)); });
  });
  server_->Get("/api/records", [this, guarded](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] { return dashboard_->records_json(parse_dashboard_query(req.params)); });
  });
}

void HttpServer::add_firehose_route() {
  server_->Post(config_.firehose_path, [this](const httplib::Request& req, httplib::Response& res,
                                              const httplib::ContentReader& read_body) {
    const auto start = std::chrono::steady_clock::now();
    const std::string request_id = req.get_header_value("X-Amz-Firehose-Request-Id");
    auto reply = [&](int status, std::string_view error) {
      res.status = status;
      res.set_content(firehose_body(request_id, error), "application/json");
      // A request refused before its body was read must not leave that body on the connection.
      if (status == 401 || status == 403 || status == 413) res.set_header("Connection", "close");
      http_.count_status(status);
      http_.observe_latency(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    };
    if (!config_.access_key.empty()) {
      if (!req.has_header("X-Amz-Firehose-Access-Key")) return reply(401, "missing X-Amz-Firehose-Access-Key header");
      if (!constant_time_equal(config_.access_key, req.get_header_value("X-Amz-Firehose-Access-Key"))) {
        return reply(403, "wrong access key");
      }
    }
    const std::string version = req.get_header_value("X-Amz-Firehose-Protocol-Version");
    if (!version.empty() && version != "1.0") {
      return reply(400, fmt::format("unsupported X-Amz-Firehose-Protocol-Version '{}' (1.0 is understood)", version));
    }
    const std::string encoding = req.get_header_value("Content-Encoding");
    if (!encoding.empty() && encoding != "gzip") {
      return reply(400, fmt::format("unsupported Content-Encoding '{}' (gzip or none)", encoding));
    }
    if (req.has_header("Content-Length")) {
      std::uint64_t length = 0;
      const std::string value = req.get_header_value("Content-Length");
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (ec != std::errc() || end != value.data() + value.size()) return reply(400, "malformed Content-Length");
      if (length > config_.max_request_bytes) {
        return reply(413, fmt::format("the request body is larger than {} bytes (--max-request-bytes)",
                                      config_.max_request_bytes));
      }
    }
    // The body arrives gzip-decoded; its decoded size is capped here, so a small compressed bomb
    // cannot grow without bound.
    std::string body;
    bool too_big = false;
    const bool complete = read_body([&](const char* data, std::size_t n) {
      if (body.size() + n > config_.max_decoded_bytes) {
        too_big = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    http_.received_bytes.fetch_add(body.size(), std::memory_order_relaxed);
    if (too_big) {
      return reply(413, fmt::format("the request body decodes to more than {} bytes (--max-decoded-bytes)",
                                    config_.max_decoded_bytes));
    }
    if (!complete) return reply(400, "the request body could not be read (truncated, or corrupt gzip)");
    IngestResult r = ingest_->ingest(request_id, req.get_header_value("X-Amz-Firehose-Source-Arn"), body);
    switch (r.status) {
      case IngestStatus::kStored:
      case IngestStatus::kDuplicate: return reply(200, "");
      case IngestStatus::kBadRequest: return reply(400, r.message);
      case IngestStatus::kFailed: return reply(500, "the records could not be stored: " + r.message);
    }
  });

  // Firehose's own error responses for what httplib refuses before a handler runs (413 past
  // --max-request-bytes, 400 for a malformed request line).
  server_->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (req.path == config_.firehose_path) {
      const std::string why = res.status == 413
                                  ? fmt::format("the request body is larger than {} bytes (--max-request-bytes)",
                                                config_.max_request_bytes)
                                  : fmt::format("HTTP {}", res.status);
      res.set_content(firehose_body(req.get_header_value("X-Amz-Firehose-Request-Id"), why), "application/json");
      http_.count_status(res.status);
    } else {
      res.set_content(fmt::format("{}\n", res.status == 404 ? "not found" : "error"), "text/plain");
    }
  });

}

void HttpServer::add_probe_routes() {
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(fmt::format("{{\"status\":\"ok\",\"uptime_seconds\":{}}}\n", (unix_now_ms() - started_ms_) / 1000),
                    "application/json");
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_text(), "text/plain; version=0.0.4");
  });
}

std::string HttpServer::metrics_text() const {
  static const IngestCounters kNone;
  const IngestCounters& c = ingest_ ? ingest_->counters() : kNone;
  auto v = [](const auto& atomic) { return atomic.load(std::memory_order_relaxed); };
  std::string out;
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  metric("dnslens_ingest_requests_total", "counter", "Firehose requests by outcome.");
  out += fmt::format("dnslens_ingest_requests_total{{outcome=\"stored\"}} {}\n", v(c.requests_stored));
  out += fmt::format("dnslens_ingest_requests_total{{outcome=\"duplicate\"}} {}\n", v(c.requests_duplicate));
  out += fmt::format("dnslens_ingest_requests_total{{outcome=\"bad_request\"}} {}\n", v(c.requests_bad));
  out += fmt::format("dnslens_ingest_requests_total{{outcome=\"failed\"}} {}\n", v(c.requests_failed));
  metric("dnslens_http_responses_total", "counter", "Firehose endpoint responses by status code.");
  for (auto [code, n] : {std::pair{"200", v(http_.status_200)}, {"400", v(http_.status_400)}, {"401", v(http_.status_401)},
                         {"403", v(http_.status_403)}, {"413", v(http_.status_413)}, {"500", v(http_.status_500)},
                         {"other", v(http_.status_other)}}) {
    out += fmt::format("dnslens_http_responses_total{{code=\"{}\"}} {}\n", code, n);
  }
  metric("dnslens_ingest_records_total", "counter", "Query-log records stored.");
  out += fmt::format("dnslens_ingest_records_total {}\n", v(c.records));
  metric("dnslens_ingest_bad_records_total", "counter", "Records that could not be used (kept in dead_letters).");
  out += fmt::format("dnslens_ingest_bad_records_total {}\n", v(c.bad_records));
  metric("dnslens_ingest_bytes_total", "counter", "Bytes taken in: request bodies after Content-Encoding, and the "
                                                  "query-log lines decoded from their records.");
  out += fmt::format("dnslens_ingest_bytes_total{{stage=\"body\"}} {}\n", v(http_.received_bytes));
  out += fmt::format("dnslens_ingest_bytes_total{{stage=\"records\"}} {}\n", v(c.decoded_bytes));
  metric("dnslens_findings", "gauge", "Distinct findings of this server's detectors.");
  out += fmt::format("dnslens_findings {}\n", v(c.findings));
  if (const MatchNotifier* notifier = ingest_ ? ingest_->notifier() : nullptr) {
    const NotifierStats n = notifier->stats();
    metric("dnslens_notifications_total", "counter",
           "Match and finding announcements: queued, delivered, or dropped (queue full or over the rate limit).");
    out += fmt::format("dnslens_notifications_total{{outcome=\"queued\"}} {}\n", n.events_in);
    out += fmt::format("dnslens_notifications_total{{outcome=\"delivered\"}} {}\n", n.events_delivered);
    out += fmt::format("dnslens_notifications_total{{outcome=\"dropped\"}} {}\n", n.events_dropped);
    metric("dnslens_notification_batches_total", "counter", "Webhook batches sent, and given up after every retry.");
    out += fmt::format("dnslens_notification_batches_total{{outcome=\"sent\"}} {}\n", n.batches_sent);
    out += fmt::format("dnslens_notification_batches_total{{outcome=\"failed\"}} {}\n", n.batches_failed);
  }
  const std::int64_t now = unix_now_ms();
  const std::int64_t newest = v(c.newest_record_ms);
  metric("dnslens_ingest_lag_seconds", "gauge",
         "Now minus the newest query timestamp stored (how far behind live the store is; NaN before the first record).");
  out += newest > 0 ? fmt::format("dnslens_ingest_lag_seconds {:.3f}\n", (now - newest) / 1000.0)
                    : "dnslens_ingest_lag_seconds NaN\n";
  metric("dnslens_ingest_last_commit_timestamp_seconds", "gauge", "When the last request was committed (Unix time).");
  out += fmt::format("dnslens_ingest_last_commit_timestamp_seconds {:.3f}\n", v(c.last_commit_ms) / 1000.0);
  metric("dnslens_ingest_request_duration_seconds", "histogram", "Firehose request handling time.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kLatencyBucketCount; ++i) {
    cumulative += v(http_.latency_buckets[i]);
    out += i < kLatencyBucketCount
               ? fmt::format("dnslens_ingest_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", kLatencyBuckets[i], cumulative)
               : fmt::format("dnslens_ingest_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  }
  out += fmt::format("dnslens_ingest_request_duration_seconds_sum {:.6f}\n", v(http_.latency_micros_sum) / 1e6);
  out += fmt::format("dnslens_ingest_request_duration_seconds_count {}\n", cumulative);
  metric("dnslens_uptime_seconds", "gauge", "Seconds since the server started.");
  out += fmt::format("dnslens_uptime_seconds {:.3f}\n", (now - started_ms_) / 1000.0);
  return out;
}

}  // namespace dnslens
