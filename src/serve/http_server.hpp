#pragma once
// dnslens serve's HTTP front: the Kinesis Data Firehose HTTP endpoint (per AWS's request and
// response specification, protocol version 1.0), /healthz, /metrics (Prometheus text), and the
// routes the dashboards add. Plain HTTP (behind a TLS-terminating proxy) or HTTPS with a
// certificate file. Boost.Beast on a few event-loop threads accepts, reads and writes every
// connection; the blocking work runs on --http-threads workers (see http_connection.hpp and
// http_request_handler.hpp).
#include <memory>
#include <string>

#include "serve/dashboard.hpp"
#include "serve/firehose_ingest.hpp"
#include "serve/serve_config.hpp"

namespace dnslens {

class HttpServer {
 public:
  // ingest may be null (dashboards only, the store opened read-only).
  // db: the store the dashboards read (null: no dashboards); geo: the data its geo SQL functions use.
  HttpServer(ServeConfig config, FirehoseIngest* ingest, DuckDatabase* db, const GeoDb* geo = nullptr);
  // dashboard: what the dashboards read (null: none).
  HttpServer(ServeConfig config, FirehoseIngest* ingest, std::unique_ptr<Dashboard> dashboard);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds without SO_REUSEPORT, so a port another process listens on is an error: throws
  // Error(kNetwork) naming host:port. Returns the port.
  int bind();
  // Serves until stop(); returns false when the listener failed.
  bool run();
  // From any thread, any number of times: stops accepting, closes idle connections, lets the
  // requests in flight finish (new ones on open connections get 503) for up to shutdown_timeout,
  // then closes the rest and returns once the workers are idle and run() is returning.
  void stop();
  [[nodiscard]] int port() const;
  [[nodiscard]] const ServeConfig& config() const;
  [[nodiscard]] std::string metrics_text() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnslens
