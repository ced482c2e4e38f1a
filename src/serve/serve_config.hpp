#pragma once
// What `dnslens serve`'s HTTP front is told: where it listens, its secrets, and every bound that keeps
// an internet-facing endpoint up (body sizes, deadlines, connections, workers, queued requests).
#include <chrono>
#include <cstddef>
#include <string>

namespace dnslens {

struct ServeConfig {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see HttpServer::port())
  std::string firehose_path = "/firehose";
  std::string access_key;                              // X-Amz-Firehose-Access-Key; empty: not checked (loopback only)
  std::string tls_cert, tls_key;                       // PEM files; both or neither
  std::size_t max_request_bytes = 64ull << 20;         // request body as sent (Firehose buffers up to 64 MiB)
  std::size_t max_decoded_bytes = 512ull << 20;        // body after Content-Encoding: gzip
  std::string ui_token;                                // dashboards and API: Bearer token or ?token= (empty: no check)
  unsigned threads = 16;                               // workers for the blocking work: ingest, dashboard SQL, files
  unsigned io_threads = 2;                             // event loops that accept, read and write every connection
  std::size_t max_connections = 1000;                  // open connections; past it a new one is closed at once
  std::size_t max_queued_requests = 64;                // requests waiting for a worker; past it 503
  std::chrono::milliseconds header_timeout{10'000};    // request line and headers, from their first byte
  std::chrono::milliseconds body_timeout{120'000};     // a Firehose body, from the end of its headers
  std::chrono::milliseconds idle_timeout{30'000};      // a kept-alive connection between two requests
  std::chrono::milliseconds write_timeout{60'000};     // one response
  std::chrono::milliseconds shutdown_timeout{20'000};  // SIGTERM: how long requests in flight may take to finish
  bool allow_open_ingest = false;  // accept Firehose requests without an access key on a non-loopback bind
  std::string web_root;            // the dashboards' built front end (web/dist); empty: no static files

  [[nodiscard]] bool loopback() const;
  void validate() const;  // throws Error(kUsage)
};

}  // namespace dnslens
