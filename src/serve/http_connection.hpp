#pragma once
// dnslens serve's connections on the event loops. An idle or slow connection costs a socket and a
// few kilobytes, never a thread: every read and write is asynchronous and under a deadline (the
// request line and headers from their first byte, the body, the idle time between kept-alive
// requests, each response), and the blocking work goes to the WorkerPool. The hub caps the open
// connections and lets stop() drain the requests in flight.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "core/spare_pool.hpp"
#include "serve/http_request_handler.hpp"
#include "serve/worker_pool.hpp"

namespace dnslens {

class HttpConnection {
 public:
  virtual ~HttpConnection() = default;
  // From any thread: closes the connection when it is between requests, else once the response in
  // flight is written.
  virtual void stop_soon() = 0;
};

class ConnectionHub {
 public:
  ConnectionHub(HttpRequestHandler& handler, WorkerPool& workers)
      : handler(handler), workers(workers), config(handler.config()), counters(handler.counters()) {}

  // A place for one more connection; false when --max-connections are open.
  [[nodiscard]] bool try_open();
  // Registers an opened connection; false once stopping (it should close at once).
  [[nodiscard]] bool add(HttpConnection* connection, std::weak_ptr<HttpConnection> handle);
  // Unregisters it and frees its place.
  void remove(HttpConnection* connection);
  void request_started();
  void request_finished();
  [[nodiscard]] bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  // Refuses what comes next and tells every connection to stop.
  void stop_all();
  // Waits until no request is in flight, or the deadline; true when drained.
  bool wait_drained(std::chrono::steady_clock::time_point deadline);
  // Request bodies' memory: a body read into memory mapped afresh costs a page fault per 4 KiB (a
  // Firehose request is megabytes), so the memory of bodies answered is kept for the next. At most
  // kSpareBodies are kept, from kSpareBodyMinBytes to kSpareBodyMaxBytes; taken empty.
  [[nodiscard]] std::string take_body();
  void give_back_body(std::string body) noexcept;
  static constexpr std::size_t kSpareBodies = 8;
  static constexpr std::size_t kSpareBodyMinBytes = 64 << 10;
  static constexpr std::size_t kSpareBodyMaxBytes = 16 << 20;

  HttpRequestHandler& handler;
  WorkerPool& workers;
  const ServeConfig& config;
  HttpCounters& counters;

 private:
  std::mutex mutex_;
  std::condition_variable drained_;
  std::unordered_map<HttpConnection*, std::weak_ptr<HttpConnection>> connections_;
  std::size_t in_flight_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  SparePool<std::string> spare_bodies_{kSpareBodies};
};

// Serves an accepted socket (which holds a place from hub.try_open()) until it closes; tls: null for
// plain HTTP.
void start_http_connection(boost::asio::ip::tcp::socket socket, ConnectionHub& hub, boost::asio::ssl::context* tls);

}  // namespace dnslens
