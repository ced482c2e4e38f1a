// libFuzzer target: raw HTTP request bytes through Beast's request parser and dnslens serve's
// request handler, driven the way a connection drives them (headers, route(), then a body only where
// the route takes one, within its limit) with small limits. A stand-in ingest checks that no body
// past --max-decoded-bytes reaches it, and the static files come from a scratch root whose only
// files are known, so a traversal shows as a body that is not one of them.
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "serve/http_request_handler.hpp"

namespace {

namespace http = boost::beast::http;

constexpr std::size_t kMaxRequest = 4096;
constexpr std::size_t kMaxDecoded = 16384;
constexpr std::string_view kIndex = "<!doctype html><title>index</title>";
constexpr std::string_view kScript = "console.log('app');";

// A scratch web root, removed when the process exits.
struct WebRoot {
  WebRoot() {
    char tmpl[] = "/tmp/dnslens-http-fuzz-XXXXXX";
    path = ::mkdtemp(tmpl);
    std::ofstream(path + "/index.html") << kIndex;
    std::ofstream(path + "/app.js") << kScript;
    // Outside the root, next to it: what a traversal would reach.
    std::ofstream(path + ".secret") << "secret";
  }
  ~WebRoot() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
    std::filesystem::remove(path + ".secret", ignored);
  }
  std::string path;
};

dnslens::HttpRequestHandler& handler() {
  static const WebRoot root;
  static dnslens::HttpRequestHandler h = [] {
    dnslens::ServeConfig c;
    c.access_key = "fuzz-key";
    c.ui_token = "fuzz-token";
    c.max_request_bytes = kMaxRequest;
    c.max_decoded_bytes = kMaxDecoded;
    c.web_root = root.path;
    return dnslens::HttpRequestHandler(
        c, nullptr, nullptr, [](std::string_view, std::string_view, std::string_view body) {
          if (body.size() > kMaxDecoded) __builtin_trap();
          dnslens::IngestResult r;
          r.status =
              !body.empty() && body[0] == '{' ? dnslens::IngestStatus::kStored : dnslens::IngestStatus::kBadRequest;
          r.message = "not a Firehose request";
          return r;
        });
  }();
  return h;
}

void check(const dnslens::HttpResponse& res, const dnslens::HttpRoute& route) {
  const unsigned status = res.result_int();
  if (status < 200 || status > 599) __builtin_trap();
  if (res.body().size() > kMaxDecoded + 4096) __builtin_trap();
  if (route.kind == dnslens::RouteKind::kStatic && status == 200 && !route.head_only && res.body() != kIndex &&
      res.body() != kScript) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dnslens::HttpRequestHandler& h = handler();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  http::request_parser<http::string_body> parser;
  parser.header_limit(2048);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // as a connection does until route() decides
  parser.eager(false);
  boost::beast::error_code ec;
  auto feed = [&] {
    while (!in.empty()) {
      const std::size_t used = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
      in.remove_prefix(used);
      if (ec == http::error::need_more) {
        ec = {};
        if (used == 0) break;
        continue;
      }
      if (ec || parser.is_header_done()) break;
    }
  };
  feed();
  if (ec) {
    check(h.malformed(400, ec.message()), {});
    return 0;
  }
  if (!parser.is_header_done()) return 0;  // the connection would wait for more, under its deadline
  dnslens::HttpRoute route = h.route(parser.get().base());
  if (route.kind == dnslens::RouteKind::kRefused) {
    check(route.refusal, route);
    return 0;
  }
  if (!parser.is_done()) {
    if (route.body_limit == 0) __builtin_trap();  // a route that takes no body must have refused it
    parser.body_limit(route.body_limit);
    parser.eager(true);
    feed();
    if (ec == http::error::body_limit) {
      check(h.body_refused(route, parser.get().base(), 413), route);
      return 0;
    }
    if (ec) {
      check(h.body_refused(route, parser.get().base(), 400), route);
      return 0;
    }
    if (!parser.is_done()) {
      parser.put_eof(ec);
      if (!parser.is_done()) return 0;  // a body cut short: the connection closes
    }
  }
  if (parser.get().body().size() > route.body_limit) __builtin_trap();
  http::request<http::string_body> request = parser.release();
  check(h.respond(route, request.base(), request.body()), route);
  return 0;
}
