#include "serve/http_server.hpp"

#include <openssl/ssl.h>

#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "serve/http_connection.hpp"
#include "serve/http_request_handler.hpp"
#include "serve/worker_pool.hpp"

namespace dnslens {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
  Impl(ServeConfig c, FirehoseIngest* ingest, std::unique_ptr<Dashboard> d)
      : config(std::move(c)),
        dashboard(std::move(d)),
        handler(config, ingest, dashboard.get()),
        workers(config.threads, config.max_queued_requests),
        hub(handler, workers),
        ioc(static_cast<int>(config.io_threads)),
        acceptor(net::make_strand(ioc)),
        accept_retry(acceptor.get_executor()),
        work(net::make_work_guard(ioc)) {}

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors or buffers: the open connections go on; accept again shortly.
        accept_retry.expires_after(std::chrono::milliseconds(100));
        accept_retry.async_wait([this](boost::system::error_code wait_ec) {
          if (!wait_ec && acceptor.is_open()) accept();
        });
        return;
      }
      if (!hub.try_open()) {
        handler.counters().connections_refused.fetch_add(1, std::memory_order_relaxed);
        socket.close(ec);
      } else {
        // Without it, Nagle and delayed ACKs add ~40 ms per response.
        socket.set_option(tcp::no_delay(true), ec);
        start_http_connection(std::move(socket), hub, tls ? &*tls : nullptr);
      }
      accept();
    });
  }

  ServeConfig config;
  std::unique_ptr<Dashboard> dashboard;
  HttpRequestHandler handler;
  WorkerPool workers;
  ConnectionHub hub;
  std::optional<net::ssl::context> tls;
  int port = 0;
  std::mutex stop_mutex;
  bool stopped = false;
  // Destroyed first: the handlers it still holds reach the members above.
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer accept_retry;
  net::executor_work_guard<net::io_context::executor_type> work;
};

HttpServer::HttpServer(ServeConfig config, FirehoseIngest* ingest, DuckDatabase* db, const GeoDb* geo)
    : HttpServer(std::move(config), ingest, db ? std::make_unique<Dashboard>(*db, geo) : nullptr) {}

HttpServer::HttpServer(ServeConfig config, FirehoseIngest* ingest, std::unique_ptr<Dashboard> dashboard) {
  config.validate();
  impl_ = std::make_unique<Impl>(std::move(config), ingest, std::move(dashboard));
  const ServeConfig& c = impl_->config;
  if (!c.tls_cert.empty()) {
    auto& tls = impl_->tls.emplace(net::ssl::context::tls_server);
    tls.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 |
                    net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    boost::system::error_code ec;
    tls.use_certificate_chain_file(c.tls_cert, ec);
    if (!ec) tls.use_private_key_file(c.tls_key, net::ssl::context::pem, ec);
    if (ec || ::SSL_CTX_check_private_key(tls.native_handle()) != 1) {
      throw Error(ErrorCode::kConfig, fmt::format("cannot use the TLS certificate {} with key {} (unreadable, not "
                                                  "PEM, or they do not match)",
                                                  c.tls_cert, c.tls_key));
    }
  }
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::bind() {
  Impl& s = *impl_;
  const std::string where = fmt::format("{}:{}", s.config.host, s.config.port);
  boost::system::error_code ec;
  tcp::resolver resolver(s.ioc);
  const auto endpoints = resolver.resolve(s.config.host, std::to_string(s.config.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) throw Error(ErrorCode::kNetwork, fmt::format("cannot listen on {}: {}", where, ec.message()));
  for (const auto& entry : endpoints) {
    s.acceptor.open(entry.endpoint().protocol(), ec);
    // SO_REUSEADDR only lets a restart bind past connections in TIME_WAIT; never SO_REUSEPORT,
    // which would let two servers share the port without a word.
    if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) s.acceptor.bind(entry.endpoint(), ec);
    if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (!ec) break;
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
  }
  if (ec || !s.acceptor.is_open()) {
    throw Error(ErrorCode::kNetwork,
                fmt::format("cannot listen on {}: {}", where, ec ? ec.message() : std::string("no address to bind")));
  }
  s.port = s.acceptor.local_endpoint().port();
  return s.port;
}

bool HttpServer::run() {
  Impl& s = *impl_;
  if (!s.acceptor.is_open()) return false;
  net::post(s.acceptor.get_executor(), [&s] { s.accept(); });
  auto loop = [&s] {
    while (true) {
      try {
        s.ioc.run();
        return;
      } catch (const std::exception& e) {  // a handler's failure ends its connection, not the server
        std::fprintf(stderr, "dnslens: HTTP event loop: %s\n", e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < s.config.io_threads; ++i) threads.emplace_back(loop);
  loop();
  for (std::thread& t : threads) t.join();
  return true;
}

void HttpServer::stop() {
  Impl& s = *impl_;
  std::lock_guard lock(s.stop_mutex);
  if (s.stopped) return;
  s.stopped = true;
  net::post(s.acceptor.get_executor(), [&s] {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    s.accept_retry.cancel();
  });
  s.hub.stop_all();
  const auto deadline = std::chrono::steady_clock::now() + s.config.shutdown_timeout;
  if (!s.hub.wait_drained(deadline)) {
    std::fprintf(stderr, "dnslens: requests still in flight after %lld ms; closing their connections\n",
                 static_cast<long long>(s.config.shutdown_timeout.count()));
  }
  // A request that is still running finishes (its store transaction commits or rolls back whole);
  // the ones still queued are dropped with their connections.
  s.workers.shutdown();
  s.work.reset();
  s.ioc.stop();
}

int HttpServer::port() const { return impl_->port; }

const ServeConfig& HttpServer::config() const { return impl_->config; }

std::string HttpServer::metrics_text() const { return impl_->handler.metrics_text(); }

}  // namespace dnslens
