#pragma once
// What dnslens serve answers, without sockets: route() decides from a request's headers alone (the
// route, whether it is allowed, how much body it may read), so nothing is read for a request that is
// refused; respond() produces the answer once the body is in. The connections (http_connection.hpp)
// and the fuzz target drive it the same way.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "serve/dashboard.hpp"
#include "serve/firehose_ingest.hpp"
#include "serve/serve_config.hpp"

namespace dnslens {

using HttpRequestHeader = boost::beast::http::request_header<>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Request latency buckets for /metrics (seconds).
inline constexpr double kLatencyBuckets[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};
inline constexpr std::size_t kLatencyBucketCount = sizeof(kLatencyBuckets) / sizeof(kLatencyBuckets[0]);

struct HttpCounters {
  // Firehose endpoint responses.
  std::atomic<std::uint64_t> status_200{0}, status_400{0}, status_401{0}, status_403{0}, status_413{0}, status_500{0},
      status_other{0};
  std::atomic<std::uint64_t> received_bytes{0};
  std::atomic<std::uint64_t> latency_buckets[kLatencyBucketCount + 1]{};  // the last: +Inf
  std::atomic<std::uint64_t> latency_micros_sum{0};
  // Every connection and request.
  std::atomic<std::uint64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_refused{0};    // past --max-connections
  std::atomic<std::uint64_t> connections_timed_out{0};  // a header, body or idle deadline passed
  std::atomic<std::uint64_t> requests_overloaded{0};    // 503: no worker and a full queue
  void count_status(int status);
  void observe_latency(double seconds);
};

enum class RouteKind : std::uint8_t { kRefused, kHealth, kMetrics, kFirehose, kCatalog, kPanel, kRecords, kStatic };

// What a request's headers decided.
struct HttpRoute {
  RouteKind kind = RouteKind::kRefused;
  HttpResponse refusal;                            // kRefused: the whole answer; the body, if any, stays unread
  std::uint64_t body_limit = 0;                    // body bytes as sent the route reads (0: it takes none)
  bool needs_worker = false;                       // blocking work, for the worker pool
  bool head_only = false;                          // HEAD: the answer's headers without its body
  bool close = false;                              // the connection cannot go on after the answer (framing unknown)
  std::string path;                                // percent-decoded
  std::multimap<std::string, std::string> params;  // the decoded query string
  std::string set_cookie;
  std::chrono::steady_clock::time_point started;
};

// The Firehose endpoint's back end: FirehoseIngest::ingest in serve, a stand-in in the fuzz target.
using IngestFunction =
    std::function<IngestResult(std::string_view request_id, std::string_view source_arn, std::string_view body)>;

class HttpRequestHandler {
 public:
  // ingest: null without a Firehose endpoint (read-only); ingest_fn replaces its ingest() when set.
  // dashboard: null without dashboards.
  HttpRequestHandler(const ServeConfig& config, FirehoseIngest* ingest, Dashboard* dashboard,
                     IngestFunction ingest_fn = {});

  [[nodiscard]] HttpRoute route(const HttpRequestHeader& head);
  // The answer to a routed request whose body (at most route.body_limit bytes) has been read. The body
  // may be changed (a gzip body is inflated in its place); the caller reuses its memory afterwards.
  [[nodiscard]] HttpResponse respond(const HttpRoute& route, const HttpRequestHeader& head, std::string& body);
  // When a routed request's body could not be read: 413 past the limit, 400 malformed.
  [[nodiscard]] HttpResponse body_refused(const HttpRoute& route, const HttpRequestHeader& head, int status);
  // A request that could not be parsed (400, 431 for oversized headers).
  [[nodiscard]] HttpResponse malformed(int status, std::string_view why) const;
  // 503: every worker busy and the queue full, or shutting down.
  [[nodiscard]] HttpResponse unavailable(const HttpRoute& route, const HttpRequestHeader& head, std::string_view why);

  [[nodiscard]] std::string metrics_text() const;
  // True when a dashboard/API request carries the token (or none is configured).
  // Sources: "Authorization: Bearer T", ?token=T, or the dnslens_token cookie set after a ?token= visit.
  [[nodiscard]] bool ui_authorized(std::string_view authorization, std::string_view query_token,
                                   std::string_view cookie) const;
  [[nodiscard]] HttpCounters& counters() { return http_; }
  [[nodiscard]] const ServeConfig& config() const { return config_; }

 private:
  HttpResponse firehose(const HttpRoute& route, const HttpRequestHeader& head, std::string& body);
  // request_id: the id the body carried, when the request was read (the header's otherwise).
  HttpResponse firehose_reply(const HttpRoute& route, const HttpRequestHeader& head, int status, std::string_view error,
                              std::string_view request_id = {});
  HttpResponse dashboard_json(const std::function<std::string()>& body);
  HttpResponse static_file(const HttpRoute& route, const HttpRequestHeader& head);
  HttpRoute refuse(HttpRoute route, HttpResponse response) const;

  ServeConfig config_;
  FirehoseIngest* ingest_;
  IngestFunction ingest_fn_;
  Dashboard* dashboard_;
  std::string web_root_;  // canonical; empty: no static files
  bool web_root_missing_ = false;
  HttpCounters http_;
  std::int64_t started_ms_ = 0;
};

// Compares secrets in time that depends on the expected length only, never on where they differ.
[[nodiscard]] bool constant_time_equal(std::string_view expected, std::string_view given);

// %XX and (in a query) '+' decoded; false for a malformed escape or a decoded NUL.
[[nodiscard]] bool percent_decode(std::string_view in, bool plus_is_space, std::string& out);

}  // namespace dnslens
