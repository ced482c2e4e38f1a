#include "serve/http_connection.hpp"

#include <cstdio>
#include <limits>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace dnslens {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::uint32_t kHeaderLimit = 16 << 10;
// Also bounds what the parser may hold unconsumed: a chunk header, a pipelined request's start.
constexpr std::size_t kBufferLimit = 64 << 10;
constexpr std::size_t kReadSize = 16 << 10;
// After a refusal the peer may still be sending its body: reading (and dropping) a bounded amount
// before closing keeps the kernel from answering it with a reset that destroys the refusal.
constexpr std::size_t kLingerBytes = 4 << 20;
constexpr auto kLingerTime = std::chrono::seconds(2);

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

template <class Stream>
class Connection final : public HttpConnection, public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Connection(Stream stream, ConnectionHub& hub) : stream_(std::move(stream)), hub_(hub), buffer_(kBufferLimit) {}

  ~Connection() override {
    if (reserved_) hub_.workers.release();
    end_request();
    hub_.remove(this);
  }

  void start() {
    if (!hub_.add(this, this->weak_from_this())) return close();
    if constexpr (kTls) {
      tcp_layer().expires_after(hub_.config.header_timeout);
      stream_.async_handshake(net::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->fail(ec);
        self->read_request();
      });
    } else {
      read_request();
    }
  }

  void stop_soon() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->stop_requested_ = true;
      if (!self->in_request_) self->close();
    });
  }

 private:
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  void read_request() {
    if (stop_requested_ || hub_.stopping()) return close();
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    // The route sets the real limit once the headers are in; Beast's default would refuse a large
    // Content-Length as a malformed header before the route can answer 413.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    route_ = HttpRoute();
    close_after_ = false;
    if (buffer_.size() == 0 && served_ > 0) {
      // Between kept-alive requests the wait is the idle timeout; the header deadline starts with the
      // next request's first byte.
      tcp_layer().expires_after(hub_.config.idle_timeout);
      stream_.async_read_some(buffer_.prepare(kReadSize),
                              [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                                if (ec) return self->fail(ec);
                                self->buffer_.commit(n);
                                self->read_header();
                              });
    } else {
      read_header();
    }
  }

  void read_header() {
    // One deadline for the whole request line and headers, however slowly they trickle in.
    tcp_layer().expires_after(hub_.config.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec && !is_parse_error(ec)) return fail(ec);
    begin_request();
    if (ec) {
      close_after_ = true;
      version_ = 11;
      const bool too_large = ec == http::error::header_limit || ec == http::error::buffer_overflow;
      return write(hub_.handler.malformed(
          too_large ? 431 : 400, too_large ? "request headers too large" : "malformed request: " + ec.message()));
    }
    const HttpRequestHeader& head = parser_->get().base();
    version_ = head.version();
    keep_alive_ = parser_->get().keep_alive();
    route_ = hub_.handler.route(head);
    // A refusal leaves the body unread: the connection cannot go on.
    close_after_ = !parser_->is_done() || route_.close;
    if (route_.kind == RouteKind::kRefused) return write(std::move(route_.refusal));
    if (stop_requested_ || hub_.stopping()) {
      close_after_ = true;
      return write(hub_.handler.unavailable(route_, head, "the server is shutting down"));
    }
    if (route_.needs_worker) {
      if (!hub_.workers.try_reserve()) {
        hub_.counters.requests_overloaded.fetch_add(1, std::memory_order_relaxed);
        return write(hub_.handler.unavailable(route_, head, "busy: every worker is taken and the queue is full"));
      }
      reserved_ = true;
    }
    if (parser_->is_done()) return dispatch();
    if (route_.body_limit == 0) {  // route() refuses bodies it does not take; never read one here
      release();
      return write(hub_.handler.body_refused(route_, head, 413));
    }
    // The limit counts body bytes whatever the framing; chunk headers are bounded by the buffer.
    parser_->body_limit(route_.body_limit);
    // Read into the memory of a body answered before (the body reader refers to this string; it has
    // read nothing yet). Only now: a connection waiting for its next request holds none.
    if (route_.needs_worker) {
      std::string& body = parser_->get().body();
      if (std::string spare = hub_.take_body(); spare.capacity() > body.capacity()) body = std::move(spare);
    }
    if (version_ >= 11 && beast::iequals(head[http::field::expect], "100-continue")) {
      // The client holds its body back until told the request is taken.
      continue_ = http::response<http::empty_body>(http::status::continue_, version_);
      tcp_layer().expires_after(hub_.config.write_timeout);
      return http::async_write(stream_, continue_,
                               [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                                 if (ec) {
                                   self->release();
                                   return self->fail(ec);
                                 }
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    tcp_layer().expires_after(hub_.config.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (!ec) {
      close_after_ = false;  // the whole body is in: the next request may follow on this connection
      return dispatch();
    }
    release();
    if (ec == http::error::body_limit) return write(hub_.handler.body_refused(route_, parser_->get().base(), 413));
    if (is_parse_error(ec)) return write(hub_.handler.body_refused(route_, parser_->get().base(), 400));
    fail(ec);
  }

  void dispatch() {
    tcp_layer().expires_never();
    if (!route_.needs_worker) {
      http::request<http::string_body> request = parser_->release();
      return write(hub_.handler.respond(route_, request.base(), request.body()));
    }
    reserved_ = false;  // the task gives the place back
    hub_.workers.submit(
        [self = this->shared_from_this(), request = parser_->release(), route = std::move(route_)]() mutable {
          HttpResponse response;
          try {
            response = self->hub_.handler.respond(route, request.base(), request.body());
            self->hub_.give_back_body(std::move(request.body()));
          } catch (const std::exception& e) {
            std::fprintf(stderr, "dnslens: HTTP request failed: %s\n", e.what());
            response = self->hub_.handler.malformed(500, "internal error");
          } catch (...) {  // nothing may leave the worker without its place given back and an answer
            std::fprintf(stderr, "dnslens: HTTP request failed with an unknown exception\n");
            response = self->hub_.handler.malformed(500, "internal error");
          }
          self->hub_.workers.release();
          net::post(self->stream_.get_executor(),
                    [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
        });
  }

  void write(HttpResponse response) {
    response.version(version_);
    response.keep_alive(keep_alive_ && !close_after_ && !stop_requested_ && !hub_.stopping());
    response_ = std::move(response);
    tcp_layer().expires_after(hub_.config.write_timeout);
    http::async_write(stream_, response_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      const bool keep_alive = self->response_.keep_alive();
      self->response_ = {};
      self->end_request();
      if (ec) return self->fail(ec);
      if (!keep_alive) return self->linger_close();
      ++self->served_;
      self->read_request();
    });
  }

  void linger_close() {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_layer().expires_after(kLingerTime);
    buffer_.clear();
    linger_read();
  }

  void linger_read() {
    tcp_layer().async_read_some(buffer_.prepare(kReadSize),
                                [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                                  self->lingered_ += n;
                                  if (ec || self->lingered_ >= kLingerBytes) return self->close();
                                  self->linger_read();
                                });
  }

  void fail(beast::error_code ec) {
    if (ec == beast::error::timeout) hub_.counters.connections_timed_out.fetch_add(1, std::memory_order_relaxed);
    close();
  }

  void close() {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer().close();
  }

  void begin_request() {
    if (in_request_) return;
    in_request_ = true;
    hub_.request_started();
  }

  void end_request() {
    if (!in_request_) return;
    in_request_ = false;
    hub_.request_finished();
  }

  void release() {
    if (!reserved_) return;
    reserved_ = false;
    hub_.workers.release();
  }

  Stream stream_;
  ConnectionHub& hub_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRoute route_;
  HttpResponse response_;
  http::response<http::empty_body> continue_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool close_after_ = false;
  bool in_request_ = false;
  bool reserved_ = false;
  bool stop_requested_ = false;
  std::uint64_t served_ = 0;
  std::size_t lingered_ = 0;
};

}  // namespace

std::string ConnectionHub::take_body() { return spare_bodies_.take(); }

void ConnectionHub::give_back_body(std::string body) noexcept {
  // Only a Firehose-sized body is worth keeping (a dashboard request's is empty), and none too large.
  if (body.capacity() < kSpareBodyMinBytes || body.capacity() > kSpareBodyMaxBytes) return;
  body.clear();
  spare_bodies_.give_back(std::move(body));
}

bool ConnectionHub::try_open() {
  if (open_.fetch_add(1, std::memory_order_relaxed) >= config.max_connections) {
    open_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  counters.connections_open.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool ConnectionHub::add(HttpConnection* connection, std::weak_ptr<HttpConnection> handle) {
  std::lock_guard lock(mutex_);
  connections_.emplace(connection, std::move(handle));
  return !stopping_.load(std::memory_order_relaxed);
}

void ConnectionHub::remove(HttpConnection* connection) {
  {
    std::lock_guard lock(mutex_);
    connections_.erase(connection);
  }
  open_.fetch_sub(1, std::memory_order_relaxed);
  counters.connections_open.fetch_sub(1, std::memory_order_relaxed);
}

void ConnectionHub::request_started() {
  std::lock_guard lock(mutex_);
  ++in_flight_;
}

void ConnectionHub::request_finished() {
  std::lock_guard lock(mutex_);
  if (--in_flight_ == 0) drained_.notify_all();
}

void ConnectionHub::stop_all() {
  std::vector<std::shared_ptr<HttpConnection>> live;
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
    live.reserve(connections_.size());
    for (auto& [raw, handle] : connections_) {
      if (auto c = handle.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) c->stop_soon();
}

bool ConnectionHub::wait_drained(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return drained_.wait_until(lock, deadline, [&] { return in_flight_ == 0; });
}

void start_http_connection(tcp::socket socket, ConnectionHub& hub, net::ssl::context* tls) {
  if (tls) {
    std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(
        beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls), hub)
        ->start();
  } else {
    std::make_shared<Connection<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), hub)->start();
  }
}

}  // namespace dnslens
