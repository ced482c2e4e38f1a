#pragma once
// dnslens serve's HTTP front: the Kinesis Data Firehose HTTP endpoint (per AWS's request and
// response specification, protocol version 1.0), /healthz, /metrics (Prometheus text), and the
// routes the dashboards add. Plain HTTP (behind a TLS-terminating proxy) or HTTPS with a
// certificate file; cpp-httplib underneath.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "serve/dashboard.hpp"
#include "serve/firehose_ingest.hpp"

namespace httplib {
class Server;
}

namespace dnslens {

struct ServeConfig {
  std::string host = "127.0.0.1";
  int port = 8080;                        // 0: any free port (see HttpServer::port())
  std::string firehose_path = "/firehose";
  std::string access_key;                 // X-Amz-Firehose-Access-Key; empty: not checked (loopback only)
  std::string tls_cert, tls_key;          // PEM files; both or neither
  std::size_t max_request_bytes = 64ull << 20;   // request body as sent (Firehose buffers up to 64 MiB)
  std::size_t max_decoded_bytes = 512ull << 20;  // body after Content-Encoding: gzip
  std::string ui_token;                   // dashboards and API: Bearer token or ?token= (empty: no check)
  unsigned threads = 16;                  // connections served at once (one thread per connection)
  bool allow_open_ingest = false;         // accept Firehose requests without an access key on a non-loopback bind
  std::string web_root;                   // the dashboards' built front end (web/dist); empty: no static files

  [[nodiscard]] bool loopback() const;
  void validate() const;  // throws Error(kUsage)
};

// Request latency buckets for /metrics (seconds).
inline constexpr double kLatencyBuckets[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};
inline constexpr std::size_t kLatencyBucketCount = sizeof(kLatencyBuckets) / sizeof(kLatencyBuckets[0]);

struct HttpCounters {
  std::atomic<std::uint64_t> status_200{0}, status_400{0}, status_401{0}, status_403{0}, status_413{0},
      status_500{0}, status_other{0};
  std::atomic<std::uint64_t> received_bytes{0};
  std::atomic<std::uint64_t> latency_buckets[kLatencyBucketCount + 1]{};  // the last: +Inf
  std::atomic<std::uint64_t> latency_micros_sum{0};
  void count_status(int status);
  void observe_latency(double seconds);
};

class HttpServer {
 public:
  // ingest may be null (dashboards only, the store opened read-only); db serves the dashboards' SQL.
  // db: the store the dashboards read (null: no dashboards); geo: the data its geo SQL functions use.
  HttpServer(ServeConfig config, FirehoseIngest* ingest, DuckDatabase* db, const GeoDb* geo = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (throws Error(kNetwork) when it cannot); returns the port.
  int bind();
  // Serves until stop(); returns false when the listener failed.
  bool run();
  void stop();
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] httplib::Server& server() { return *server_; }
  [[nodiscard]] const ServeConfig& config() const { return config_; }
  [[nodiscard]] std::string metrics_text() const;
  // True when a dashboard/API request carries the token (or none is configured).
  // Sources: "Authorization: Bearer T", ?token=T, or the dnslens_token cookie set after a ?token= visit.
  [[nodiscard]] bool ui_authorized(const std::string& authorization, const std::string& query_token,
                                   const std::string& cookie) const;

 private:
  void add_routes();
  void add_dashboard_routes();
  void add_firehose_route();
  void add_probe_routes();

  ServeConfig config_;
  FirehoseIngest* ingest_;
  std::unique_ptr<Dashboard> dashboard_;
  std::unique_ptr<httplib::Server> server_;
  HttpCounters http_;
  int port_ = 0;
  std::int64_t started_ms_ = 0;
};

// Compares secrets in time that depends on the expected length only, never on where they differ.
[[nodiscard]] bool constant_time_equal(std::string_view expected, std::string_view given);

}  // namespace dnslens
