// dnslens serve against hostile clients, over raw sockets on loopback: bodies sent where none is
// taken (gzip bombs, chunked), idle and slowloris connections, the connection cap, chunked bodies
// past the limit, truncated gzip, conflicting Content-Length, a second server on the same port,
// busy workers, and SIGTERM with requests in flight. Every loop and wait is bounded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "../unit/compress_helpers.hpp"
#include "cli_harness.hpp"
#include "core/json_escape.hpp"
#include "server_process.hpp"
#include "store/duckdb_api.hpp"
#include "store_harness.hpp"

namespace dnslens {
namespace {

using testing::gzip_member;
using testing::record;
using testing::scalar;
using testing::ServerProcess;
using testing::Workdir;
using Clock = std::chrono::steady_clock;

const std::string kKey = "k3y-for-hardening-tests-42";
const std::vector<std::string> kKeyEnv = {"DNSLENS_FIREHOSE_ACCESS_KEY=" + kKey};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A metric's value in Prometheus text, -1 when absent.
long long metric_value(const std::string& text, const std::string& name) {
  const std::size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::atoll(text.c_str() + at + name.size() + 2);
}

class Socket {
 public:
  explicit Socket(int port, int timeout_ms = 5000) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)), connected_(o.connected_) {}

  [[nodiscard]] bool connected() const { return connected_; }
  bool send_all(std::string_view data) const {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // True once the server has closed its side (EOF or reset), without waiting.
  [[nodiscard]] bool closed_by_peer() const {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }
  // One response: the status (-1 when the connection closed or timed out first), the head, the body.
  struct Response {
    int status = -1;
    std::string head, body;
  };
  Response read_response() const {
    Response r;
    std::string in;
    char buf[16384];
    std::size_t header_end = std::string::npos;
    std::size_t length = 0;
    while (true) {
      if (header_end == std::string::npos) {
        header_end = in.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          r.head = in.substr(0, header_end);
          const std::size_t cl = lower(r.head).find("\ncontent-length:");
          if (cl != std::string::npos) length = std::stoul(r.head.substr(cl + 16));
          if (r.head.size() > 12) r.status = std::atoi(r.head.c_str() + 9);
        }
      }
      if (header_end != std::string::npos && in.size() >= header_end + 4 + length) {
        r.body = in.substr(header_end + 4, length);
        return r;
      }
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        r.status = header_end == std::string::npos ? -1 : r.status;
        return r;
      }
      in.append(buf, static_cast<std::size_t>(n));
    }
  }
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Sends a whole request on a new connection and reads the answer.
Socket::Response exchange(int port, const std::string& request) {
  Socket s(port);
  if (!s.connected()) return {};
  s.send_all(request);  // the server may refuse before the body is all sent
  return s.read_response();
}

// A Firehose request body: one record per line.
std::string firehose_request_body(const std::string& id, const std::vector<std::string>& lines) {
  std::string body = "{\"requestId\":\"" + id + "\",\"timestamp\":1700000000000,\"records\":[";
  for (std::size_t r = 0; r < lines.size(); ++r)
    body += (r ? ",{\"data\":\"" : "{\"data\":\"") + base64_encode(lines[r] + "\n") + "\"}";
  return body + "]}";
}

std::string firehose_head(const std::string& id, const std::string& extra = "") {
  return "POST /firehose HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "X-Amz-Firehose-Protocol-Version: 1.0\r\nX-Amz-Firehose-Request-Id: " +
         id + "\r\nX-Amz-Firehose-Access-Key: " + kKey + "\r\n" + extra;
}

std::string chunked(std::string_view body, std::size_t chunk) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    const std::string_view part = body.substr(i, chunk);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    out += size;
    out += part;
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

// About 1 MiB of gzip that inflates to 1 GiB of zeros, made in constant memory.
const std::string& gzip_bomb() {
  static const std::string bomb = [] {
    z_stream s{};
    deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
    const std::string zeros(1 << 20, '\0');
    std::string out(2 << 20, '\0');
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    for (int i = 0; i < 1024; ++i) {
      s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
      s.avail_in = static_cast<uInt>(zeros.size());
      deflate(&s, i == 1023 ? Z_FINISH : Z_NO_FLUSH);
    }
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
  }();
  return bomb;
}

class ServeHardeningTest : public ::testing::Test {
 protected:
  Workdir w;
};

// A 1 MiB gzip bomb sent to every route that takes no body, and chunked, is refused from its headers:
// answered at once, never inflated (the server's peak memory barely moves).
TEST_F(ServeHardeningTest, BodiesAreRefusedFromTheHeadersWhereNoneIsTaken) {
  const std::string& bomb = gzip_bomb();
  ASSERT_GT(bomb.size(), 500'000u);
  ASSERT_LT(bomb.size(), 2'000'000u);
  ServerProcess server(w, "--db live.duckdb --no-detect --max-request-bytes 1048576 --max-decoded-bytes 8388608",
                       {kKeyEnv[0], "DNSLENS_UI_TOKEN=ui-token-for-tests"});
  ASSERT_TRUE(server.started()) << server.log();
  ASSERT_EQ(exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
  const long baseline_kib = server.peak_rss_kib();
  ASSERT_GT(baseline_kib, 0);
  const std::string sized =
      "Content-Encoding: gzip\r\nContent-Length: " + std::to_string(bomb.size()) + "\r\n\r\n" + bomb;
  const std::string chunked_bomb =
      "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(bomb, 65536);
  struct Case {
    std::string request;
    int status;
  };
  const std::vector<Case> cases = {
      {"POST /healthz HTTP/1.1\r\nHost: x\r\n" + sized, 405},
      {"GET /healthz HTTP/1.1\r\nHost: x\r\n" + sized, 413},
      {"GET /healthz HTTP/1.1\r\nHost: x\r\n" + chunked_bomb, 413},
      {"POST /metrics HTTP/1.1\r\nHost: x\r\n" + sized, 405},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n" + chunked_bomb, 413},
      {"PUT /firehose HTTP/1.1\r\nHost: x\r\nX-Amz-Firehose-Access-Key: " + kKey + "\r\n" + sized, 405},
      {"GET /api/catalog HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ui-token-for-tests\r\n" + sized, 413},
      {"POST /api/catalog HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ui-token-for-tests\r\n" + chunked_bomb, 405},
      {"GET /api/catalog HTTP/1.1\r\nHost: x\r\n" + sized, 401},
      {"POST /nowhere HTTP/1.1\r\nHost: x\r\n" + chunked_bomb, 405},
      {"GET /index.html HTTP/1.1\r\nHost: x\r\nCookie: dnslens_token=ui-token-for-tests\r\n" + sized, 413},
      // The Firehose endpoint takes a body, but decodes at most --max-decoded-bytes of it.
      {firehose_head("bomb-1") + sized, 413},
      {firehose_head("bomb-2") + chunked_bomb, 413},
      // Without the key nothing is read.
      {"POST /firehose HTTP/1.1\r\nHost: x\r\n" + sized, 401},
  };
  for (const Case& c : cases) {
    const auto t0 = Clock::now();
    const Socket::Response r = exchange(server.port(), c.request);
    EXPECT_EQ(r.status, c.status) << c.request.substr(0, c.request.find("\r\n\r\n")) << "\n" << r.head << r.body;
    EXPECT_LT(seconds_since(t0), 3.0) << c.request.substr(0, 40);
  }
  EXPECT_EQ(exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
  const long peak_kib = server.peak_rss_kib();
  std::printf("[ bomb ] peak RSS %ld KiB before, %ld KiB after %zu bombs of %zu bytes (1 GiB inflated)\n", baseline_kib,
              peak_kib, cases.size(), bomb.size());
  // The 1 MiB body read and the 8 MiB decoded before 413, with room for the allocator (and, in the
  // sanitizer build, for ASan's quarantine of freed buffers); inflating one bomb would take 1 GiB.
#ifdef DNSLENS_SANITIZE
  constexpr long kAllowedKib = 256 * 1024;
#else
  constexpr long kAllowedKib = 48 * 1024;
#endif
  EXPECT_LT(peak_kib - baseline_kib, kAllowedKib) << "the server inflated a body it should have refused";
  EXPECT_EQ(server.stop(), 0) << server.log();
}

// 40 idle connections and 50 clients sending their headers at 5 bytes/s: a probe, a Firehose POST
// and a dashboard call are still answered at once, and the slow and idle connections are closed once
// the header deadline passes.
TEST_F(ServeHardeningTest, IdleAndSlowlorisConnectionsNeitherStarveTheServerNorStay) {
  ServerProcess server(w, "--db live.duckdb --no-detect --http-threads 4 --header-timeout-ms 1500", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  std::vector<Socket> idle, slow;
  for (int i = 0; i < 40; ++i) idle.emplace_back(server.port());
  for (int i = 0; i < 50; ++i) {
    slow.emplace_back(server.port());
    slow.back().send_all("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  }
  const auto opened = Clock::now();
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    for (int tick = 0; tick < 50 && trickling; ++tick) {  // at most 10 s
      for (Socket& s : slow) s.send_all("a");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 3; ++i) {
    auto t0 = Clock::now();
    EXPECT_EQ(exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
    EXPECT_LT(seconds_since(t0), 1.0) << "healthz under slowloris";
    t0 = Clock::now();
    const std::string body = firehose_request_body("slow-" + std::to_string(i), {record("www.example.org.")});
    const Socket::Response post =
        exchange(server.port(), firehose_head("slow-" + std::to_string(i)) +
                                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_EQ(post.status, 200) << post.body;
    EXPECT_LT(seconds_since(t0), 2.0) << "a Firehose POST under slowloris";
    t0 = Clock::now();
    EXPECT_EQ(exchange(server.port(), "GET /api/catalog HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
    EXPECT_LT(seconds_since(t0), 2.0) << "a dashboard call under slowloris";
  }
  // The header deadline counts from the first byte, however often more bytes come.
  const bool all_closed = testing::eventually(
      [&] {
        for (const Socket& s : slow) {
          if (!s.closed_by_peer()) return false;
        }
        for (const Socket& s : idle) {
          if (!s.closed_by_peer()) return false;
        }
        return true;
      },
      6);
  const double closed_after = seconds_since(opened);
  trickling = false;
  trickle.join();
  EXPECT_TRUE(all_closed) << "slow or idle connections outlived the 1.5 s header deadline";
  EXPECT_LT(closed_after, 5.0);
  std::printf("[ slowloris ] 40 idle + 50 slow connections closed %.2f s after they opened\n", closed_after);
  const Socket::Response metrics = exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_GE(metric_value(metrics.body, "dnslens_http_connections_timed_out_total"), 90) << metrics.body;
  EXPECT_EQ(server.stop(), 0) << server.log();
}

// Past --max-connections a new connection is closed at once; the ones already open keep working.
TEST_F(ServeHardeningTest, ConnectionsPastTheCapAreClosedAtOnce) {
  ServerProcess server(w, "--db live.duckdb --no-detect --max-connections 20", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  std::vector<Socket> held;
  for (int i = 0; i < 20; ++i) held.emplace_back(server.port());
  ASSERT_TRUE(testing::eventually(
      [&] { return exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == -1; }, 3));
  // An open connection is still served.
  ASSERT_TRUE(held[0].send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(held[0].read_response().status, 200);
  const auto t0 = Clock::now();
  Socket extra(server.port());
  EXPECT_TRUE(testing::eventually([&] { return extra.closed_by_peer(); }, 2));
  EXPECT_LT(seconds_since(t0), 1.5);
  held.clear();
  EXPECT_TRUE(testing::eventually(
      [&] { return exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == 200; }, 3));
  const Socket::Response metrics = exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_GE(metric_value(metrics.body, "dnslens_http_connections_refused_total"), 1) << metrics.body;
  EXPECT_EQ(server.stop(), 0) << server.log();
}

// The framing cannot smuggle a body past the limits: chunked bodies count against
// --max-request-bytes, a gzip body must end with its trailer, Content-Length must be one value.
TEST_F(ServeHardeningTest, FramingIsCheckedChunkedBodiesAreBoundedAndGzipMustBeWhole) {
  ServerProcess server(w, "--db live.duckdb --no-detect --max-request-bytes 100000 --max-decoded-bytes 1000000",
                       kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  std::vector<std::string> many;
  for (int i = 0; i < 2000; ++i) many.push_back(record("host" + std::to_string(i) + ".example.org."));
  const std::string big = firehose_request_body("big", many);
  ASSERT_GT(big.size(), 300'000u);
  const Socket::Response over =
      exchange(server.port(), firehose_head("big") + "Transfer-Encoding: chunked\r\n\r\n" + chunked(big, 8192));
  EXPECT_EQ(over.status, 413) << over.body;
  EXPECT_NE(over.body.find("\"requestId\":\"big\""), std::string::npos) << over.body;
  const std::string small = firehose_request_body("small", {record("www.example.org.")});
  const Socket::Response under =
      exchange(server.port(), firehose_head("small") + "Transfer-Encoding: chunked\r\n\r\n" + chunked(small, 100));
  EXPECT_EQ(under.status, 200) << under.body;
  // Expect: 100-continue: the body goes only once the request is taken.
  {
    const std::string cont = firehose_request_body("cont", {record("www.example.org.")});
    Socket c(server.port());
    ASSERT_TRUE(c.send_all(firehose_head("cont") +
                           "Expect: 100-continue\r\nContent-Length: " + std::to_string(cont.size()) + "\r\n\r\n"));
    EXPECT_EQ(c.read_response().status, 100);
    ASSERT_TRUE(c.send_all(cont));
    EXPECT_EQ(c.read_response().status, 200);
    const Socket::Response refused =
        exchange(server.port(),
                 "POST /firehose HTTP/1.1\r\nX-Amz-Firehose-Access-Key: wrong\r\nExpect: 100-continue\r\n"
                 "Content-Length: 100\r\n\r\n");
    EXPECT_EQ(refused.status, 403) << refused.head;
  }
  // gzip without its 8-byte trailer (CRC and length): every deflate block is there, the end is not.
  std::string truncated = gzip_member(firehose_request_body("trunc", {record("www.example.org.")}));
  truncated.resize(truncated.size() - 8);
  const Socket::Response no_trailer =
      exchange(server.port(), firehose_head("trunc") + "Content-Encoding: gzip\r\nContent-Length: " +
                                  std::to_string(truncated.size()) + "\r\n\r\n" + truncated);
  EXPECT_EQ(no_trailer.status, 400) << no_trailer.body;
  const std::string dup = firehose_request_body("dup", {record("www.example.org.")});
  const Socket::Response two_lengths =
      exchange(server.port(), firehose_head("dup") + "Content-Length: " + std::to_string(dup.size()) +
                                  "\r\nContent-Length: " + std::to_string(dup.size() - 10) + "\r\n\r\n" + dup);
  EXPECT_EQ(two_lengths.status, 400) << two_lengths.head;
  const Socket::Response both =
      exchange(server.port(), firehose_head("both") + "Content-Length: " + std::to_string(dup.size()) +
                                  "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(dup, 50));
  EXPECT_EQ(both.status, 400) << both.head;
  const Socket::Response huge_header =
      exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(40000, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge_header.status, 431) << huge_header.head;
  EXPECT_EQ(server.stop(), 0) << server.log();
  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM ingest_requests"), 2);
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM ingest_requests WHERE request_id IN ('small', 'cont')"), 2);
}

// Firehose keeps its connections alive: a stored POST must leave the connection open for the next.
// A transfer coding other than chunked has a body of unknown length: refused, and the connection closed.
TEST_F(ServeHardeningTest, KeepAliveOutlivesAStoredPostAndAnUnknownTransferCodingClosesTheConnection) {
  ServerProcess server(w, "--db live.duckdb --no-detect", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  {
    Socket c(server.port());
    ASSERT_TRUE(c.connected());
    for (const std::string id : {"ka-1", "ka-2", "ka-3"}) {
      const std::string body = firehose_request_body(id, {record(id + ".example.org.")});
      ASSERT_TRUE(c.send_all(firehose_head(id) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
      const Socket::Response r = c.read_response();
      ASSERT_EQ(r.status, 200) << id << ": " << r.head;
      EXPECT_EQ(Socket::lower(r.head).find("connection: close"), std::string::npos) << r.head;
    }
    ASSERT_TRUE(c.send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(c.read_response().status, 200);
  }
  struct Case {
    std::string coding;
    int status;
  };
  struct TeCase {
    std::string head;  // the request up to its Transfer-Encoding header
    std::string coding;
    int status;
  };
  const std::string bad_target = "GET /%zz HTTP/1.1\r\nHost: x\r\n";  // refused for its target too
  for (const TeCase& k : {TeCase{firehose_head("te"), "gzip", 400}, TeCase{firehose_head("te"), "gzip, chunked", 501},
                          TeCase{firehose_head("te"), "identity", 400},
                          TeCase{firehose_head("te"), "chunked, chunked", 400}, TeCase{bad_target, "gzip", 400}}) {
    Socket c(server.port());
    ASSERT_TRUE(c.connected());
    // What follows the headers cannot be told apart from a next request: it must never be read as one.
    c.send_all(k.head + "Transfer-Encoding: " + k.coding + "\r\n\r\n" + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const Socket::Response r = c.read_response();
    EXPECT_EQ(r.status, k.status) << k.coding << ": " << r.head << r.body;
    EXPECT_NE(r.body.find("Transfer-Encoding"), std::string::npos) << r.body;
    EXPECT_EQ(c.read_response().status, -1) << k.coding << ": the connection must close, not answer what follows";
  }
  EXPECT_EQ(server.stop(), 0) << server.log();
  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM ingest_requests"), 3);
}

TEST_F(ServeHardeningTest, ASecondServerOnTheSamePortFailsClearly) {
  ServerProcess first(w, "--db live.duckdb --no-detect", kKeyEnv);
  ASSERT_TRUE(first.started()) << first.log();
  const std::string port = std::to_string(first.port());
  // `timeout` bounds a second server that would start anyway.
  const int status = std::system(("cd " + w.path +
                                  " && timeout 20 " DNSLENS_BINARY " serve --db other.duckdb "
                                  "--no-detect --listen 127.0.0.1:" +
                                  port + " 2>second.err")
                                     .c_str());
  const std::string err = w.read("second.err");
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 2) << err;
  EXPECT_NE(err.find("cannot listen on 127.0.0.1:" + port), std::string::npos) << err;
  EXPECT_EQ(exchange(first.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
  EXPECT_EQ(first.stop(), 0) << first.log();
}

// With every worker busy and no queue, a request that needs one is answered 503 at once (before its
// body is read), while /healthz, answered on the event loop, still works.
TEST_F(ServeHardeningTest, BusyWorkersAnswer503AndProbesStillAnswer) {
  ServerProcess server(w, "--db live.duckdb --no-detect --http-threads 1 --max-queued-requests 0", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  // The first request holds the only worker while its body arrives.
  const std::string body = firehose_request_body("hold", {record("www.example.org.")});
  Socket holder(server.port());
  ASSERT_TRUE(holder.send_all(firehose_head("hold") + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                              body.substr(0, 10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string other = firehose_request_body("busy", {record("www.example.org.")});
  const auto t0 = Clock::now();
  const Socket::Response busy = exchange(
      server.port(), firehose_head("busy") + "Content-Length: " + std::to_string(other.size()) + "\r\n\r\n" + other);
  EXPECT_EQ(busy.status, 503) << busy.body;
  EXPECT_NE(busy.body.find("\"requestId\":\"busy\""), std::string::npos) << busy.body;
  EXPECT_NE(Socket::lower(busy.head).find("retry-after: 1"), std::string::npos) << busy.head;
  EXPECT_LT(seconds_since(t0), 1.0);
  EXPECT_EQ(exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
  ASSERT_TRUE(holder.send_all(body.substr(10)));
  EXPECT_EQ(holder.read_response().status, 200);
  EXPECT_EQ(exchange(server.port(),
                     firehose_head("busy") + "Content-Length: " + std::to_string(other.size()) + "\r\n\r\n" + other)
                .status,
            200);
  const Socket::Response metrics = exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(metric_value(metrics.body, "dnslens_http_requests_overloaded_total"), 1) << metrics.body;
  EXPECT_EQ(server.stop(), 0) << server.log();
}

// SIGTERM: no new connection is taken, idle and half-sent connections are closed, the request in
// flight is answered, the store is closed whole and the exit status is 0, all within a few seconds.
TEST_F(ServeHardeningTest, SigtermAnswersTheRequestInFlightAndClosesTheStore) {
  ServerProcess server(w, "--db live.duckdb --no-detect", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i) lines.push_back(record("term" + std::to_string(i) + ".example.org."));
  const std::string body = firehose_request_body("in-flight", lines);
  Socket in_flight(server.port(), 10000);
  ASSERT_TRUE(in_flight.send_all(firehose_head("in-flight") + "Content-Length: " + std::to_string(body.size()) +
                                 "\r\n\r\n" + body.substr(0, body.size() / 2)));
  Socket kept_alive(server.port());
  ASSERT_TRUE(kept_alive.send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(kept_alive.read_response().status, 200);
  Socket half_header(server.port());
  ASSERT_TRUE(half_header.send_all("GET /healthz HTTP/1.1\r\nHost"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = Clock::now();
  server.signal(SIGTERM);
  EXPECT_TRUE(testing::eventually([&] { return kept_alive.closed_by_peer() && half_header.closed_by_peer(); }, 3));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Socket late(server.port(), 1000);
  EXPECT_TRUE(!late.connected() || late.read_response().status == -1) << "a connection was taken after SIGTERM";
  ASSERT_TRUE(in_flight.send_all(body.substr(body.size() / 2)));
  const Socket::Response answer = in_flight.read_response();
  EXPECT_EQ(answer.status, 200) << answer.head << answer.body;
  EXPECT_NE(Socket::lower(answer.head).find("connection: close"), std::string::npos) << answer.head;
  EXPECT_EQ(server.wait_exit(10), 0) << server.log();
  const double took = seconds_since(t0);
  EXPECT_LT(took, 5.0);
  std::printf("[ sigterm ] exited %.2f s after SIGTERM, the request in flight answered\n", took);
  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM route53query"), 50);
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM ingest_requests WHERE request_id = 'in-flight'"), 1);
}

// A request that does not finish within --shutdown-timeout-ms does not hold the exit up.
TEST_F(ServeHardeningTest, SigtermWaitsForAStalledRequestOnlyUntilTheShutdownTimeout) {
  ServerProcess server(w, "--db live.duckdb --no-detect --shutdown-timeout-ms 1000", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  const std::string body = firehose_request_body("stalled", {record("www.example.org.")});
  Socket stalled(server.port());
  ASSERT_TRUE(stalled.send_all(firehose_head("stalled") + "Content-Length: " + std::to_string(body.size()) +
                               "\r\n\r\n" + body.substr(0, 5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = Clock::now();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(10), 0) << server.log();
  const double took = seconds_since(t0);
  EXPECT_GT(took, 0.8);
  EXPECT_LT(took, 4.0);
  EXPECT_TRUE(stalled.closed_by_peer());
  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM ingest_requests"), 0);
}

}  // namespace
}  // namespace dnslens
