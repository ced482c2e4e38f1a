#include "serve/http_request_handler.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "core/text.hpp"
#include "core/timestamp.hpp"
#include "io/byte_source.hpp"
#include "io/decoders.hpp"

namespace dnslens {

namespace http = boost::beast::http;

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

HttpResponse make_response(int status, std::string body, std::string_view content_type) {
  HttpResponse res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string_view field(const HttpRequestHeader& head, std::string_view name) {
  const auto it = head.find(boost::beast::string_view(name.data(), name.size()));
  if (it == head.end()) return {};
  const auto v = it->value();
  return {v.data(), v.size()};
}

bool has_field(const HttpRequestHeader& head, std::string_view name) {
  return head.find(boost::beast::string_view(name.data(), name.size())) != head.end();
}

// Whether the request announces a body. The parser has already refused a malformed or conflicting
// Content-Length, so its first value is the length.
bool announces_body(const HttpRequestHeader& head) {
  if (has_field(head, "Transfer-Encoding")) return true;
  const std::string_view length = field(head, "Content-Length");
  if (length.empty()) return false;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
  return ec != std::errc() || n != 0;
}

// Whether an Accept-Encoding value accepts a content coding: named (or "*") without q=0.
bool accepts_coding(std::string_view header, std::string_view coding) {
  bool star = false, named = false, named_ok = false;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    const std::size_t semi = item.find(';');
    std::string_view name = trim_json_space(item.substr(0, semi));
    bool zero = false;
    if (semi != std::string_view::npos) {
      std::string_view q = trim_json_space(item.substr(semi + 1));
      if (q.size() >= 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
        q = trim_json_space(q.substr(2));
        zero = !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
      }
    }
    if (ascii_iequals(name, coding)) {
      named = true;
      named_ok = !zero;
    } else if (name == "*") {
      star = !zero;
    }
  }
  return named ? named_ok : star;
}

// Whether an If-None-Match value names the entity tag (or is "*").
bool if_none_match(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view tag = trim_json_space(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);  // weak comparison, as RFC 9110 asks of If-None-Match
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

std::string_view content_type_of(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  const std::size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  const std::string_view ext = path.substr(dot + 1);
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"html", "text/html"},       {"htm", "text/html"},         {"js", "text/javascript"},
      {"mjs", "text/javascript"},  {"css", "text/css"},          {"json", "application/json"},
      {"map", "application/json"}, {"svg", "image/svg+xml"},     {"png", "image/png"},
      {"jpg", "image/jpeg"},       {"jpeg", "image/jpeg"},       {"gif", "image/gif"},
      {"ico", "image/x-icon"},     {"txt", "text/plain"},        {"woff2", "font/woff2"},
      {"woff", "font/woff"},       {"wasm", "application/wasm"}, {"webp", "image/webp"}};
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

bool is_panel_id(std::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// Decoded under the limit (kDecompressionBomb past it), with every member's trailer checked
// (kDecompress when one is missing or wrong).
std::string gunzip(std::string body, std::uint64_t limit) {
  DecompressLimits limits;
  limits.max_output_bytes = limit;
  limits.max_ratio = 0;  // the absolute limit bounds memory; Firehose's JSON legitimately compresses well
  auto source = make_gzip_decoder(std::make_unique<MemoryByteSource>(std::move(body)), "the request body", limits);
  std::string out;
  std::size_t size = 0;
  while (true) {
    if (out.size() - size < (64u << 10)) {
      // One read past the limit is enough for the decoder to notice it.
      out.resize(std::min<std::size_t>(std::max<std::size_t>(out.size() * 2, 256u << 10), limit + (128u << 10)));
    }
    if (size == out.size()) throw Error(ErrorCode::kDecompressionBomb, "the request body decodes past its limit");
    const std::size_t n = source->read(out.data() + size, out.size() - size);
    if (n == 0) break;
    size += n;
  }
  out.resize(size);
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

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      const int hi = i + 1 < in.size() ? hex(in[i + 1]) : -1;
      const int lo = i + 2 < in.size() ? hex(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return false;
    out += c;
  }
  return true;
}

void HttpCounters::count_status(int status) {
  switch (status) {
    case 200:
      status_200.fetch_add(1, std::memory_order_relaxed);
      break;
    case 400:
      status_400.fetch_add(1, std::memory_order_relaxed);
      break;
    case 401:
      status_401.fetch_add(1, std::memory_order_relaxed);
      break;
    case 403:
      status_403.fetch_add(1, std::memory_order_relaxed);
      break;
    case 413:
      status_413.fetch_add(1, std::memory_order_relaxed);
      break;
    case 500:
      status_500.fetch_add(1, std::memory_order_relaxed);
      break;
    default:
      status_other.fetch_add(1, std::memory_order_relaxed);
      break;
  }
}

void HttpCounters::observe_latency(double seconds) {
  std::size_t i = 0;
  while (i < kLatencyBucketCount && seconds > kLatencyBuckets[i]) ++i;
  latency_buckets[i].fetch_add(1, std::memory_order_relaxed);
  latency_micros_sum.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

HttpRequestHandler::HttpRequestHandler(const ServeConfig& config, FirehoseIngest* ingest, Dashboard* dashboard,
                                       IngestFunction ingest_fn)
    : config_(config), ingest_(ingest), ingest_fn_(std::move(ingest_fn)), dashboard_(dashboard) {
  if (!ingest_fn_ && ingest_) {
    ingest_fn_ = [ingest](std::string_view id, std::string_view arn, std::string_view body) {
      return ingest->ingest(id, arn, body);
    };
  }
  if (!config_.web_root.empty()) {
    char resolved[PATH_MAX];
    struct stat st {};
    if (::realpath(config_.web_root.c_str(), resolved) && ::stat(resolved, &st) == 0 && S_ISDIR(st.st_mode)) {
      web_root_ = resolved;
    } else {
      // The API and ingest still work; the pages say what is missing.
      std::fprintf(stderr, "dnslens: the dashboards' front end is missing at %s: build it with scripts/build-web.sh\n",
                   config_.web_root.c_str());
      web_root_missing_ = true;
    }
  }
  started_ms_ = unix_now_ms();
}

bool HttpRequestHandler::ui_authorized(std::string_view authorization, std::string_view query_token,
                                       std::string_view cookie) const {
  if (config_.ui_token.empty()) return true;
  constexpr std::string_view kCookie = "dnslens_token=";
  for (std::size_t at = cookie.find(kCookie); at != std::string_view::npos; at = cookie.find(kCookie, at + 1)) {
    if (at != 0 && cookie[at - 1] != ' ' && cookie[at - 1] != ';') continue;
    const std::size_t start = at + kCookie.size();
    const std::size_t end = cookie.find(';', start);
    if (constant_time_equal(config_.ui_token,
                            cookie.substr(start, end == std::string_view::npos ? end : end - start))) {
      return true;
    }
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() > kBearer.size() && authorization.substr(0, kBearer.size()) == kBearer &&
      constant_time_equal(config_.ui_token, authorization.substr(kBearer.size()))) {
    return true;
  }
  return !query_token.empty() && constant_time_equal(config_.ui_token, query_token);
}

HttpRoute HttpRequestHandler::refuse(HttpRoute route, HttpResponse response) const {
  route.kind = RouteKind::kRefused;
  route.body_limit = 0;
  route.needs_worker = false;
  if (!route.set_cookie.empty()) response.set(http::field::set_cookie, route.set_cookie);
  if (route.head_only) response.body().clear();
  route.refusal = std::move(response);
  return route;
}

HttpRoute HttpRequestHandler::route(const HttpRequestHeader& head) {
  HttpRoute r;
  r.started = std::chrono::steady_clock::now();
  const http::verb method = head.method();
  r.head_only = method == http::verb::head;
  // Only chunked framing is understood, so this is decided first: a request with another transfer
  // coding has a body whose length cannot be known, and whatever follows its headers must never be
  // read as a next request. Refused, and the connection closed (RFC 9112, sections 6.1 and 6.3).
  if (has_field(head, "Transfer-Encoding")) {
    const std::string_view coding = trim_json_space(field(head, "Transfer-Encoding"));
    if (!boost::beast::iequals(coding, "chunked")) {
      const std::size_t comma = coding.rfind(',');
      const std::string_view last = trim_json_space(coding.substr(comma == std::string_view::npos ? 0 : comma + 1));
      const std::string_view before = coding.substr(0, comma == std::string_view::npos ? 0 : comma);
      // A coding before a final chunked is one this server does not implement (501); chunked applied
      // twice, or not last, is a malformed request (400).
      std::string earlier(before);
      for (char& c : earlier) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const bool chunked_twice = earlier.find("chunked") != std::string::npos;
      const int status = boost::beast::iequals(last, "chunked") && !chunked_twice ? 501 : 400;
      r.close = true;
      return refuse(std::move(r),
                    make_response(status, fmt::format("unsupported Transfer-Encoding '{}' (chunked only)\n", coding),
                                  "text/plain"));
    }
  }
  const std::string_view target(head.target().data(), head.target().size());
  const std::size_t question = target.find('?');
  if (!percent_decode(target.substr(0, question), false, r.path) || r.path.empty() || r.path[0] != '/') {
    return refuse(std::move(r), make_response(400, "malformed request target\n", "text/plain"));
  }
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    std::string key, value;
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      const std::size_t eq = pair.find('=');
      if (!percent_decode(pair.substr(0, eq), true, key) ||
          !percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true, value)) {
        return refuse(std::move(r), make_response(400, "malformed query string\n", "text/plain"));
      }
      r.params.emplace(key, value);
    }
  }
  const bool body = announces_body(head);
  auto no_body_allowed = [&] {
    HttpResponse res = make_response(413, "this request takes no body\n", "text/plain");
    return refuse(std::move(r), std::move(res));
  };

  if (ingest_fn_ && r.path == config_.firehose_path) {
    r.kind = RouteKind::kFirehose;
    if (method != http::verb::post) {
      HttpResponse res = firehose_reply(r, head, 405, "the Firehose endpoint takes POST");
      res.set(http::field::allow, "POST");
      return refuse(std::move(r), std::move(res));
    }
    // The key is checked before anything else about the request, and before any of its body is read.
    if (!config_.access_key.empty()) {
      if (!has_field(head, "X-Amz-Firehose-Access-Key")) {
        HttpResponse res = firehose_reply(r, head, 401, "missing X-Amz-Firehose-Access-Key header");
        return refuse(std::move(r), std::move(res));
      }
      if (!constant_time_equal(config_.access_key, field(head, "X-Amz-Firehose-Access-Key"))) {
        HttpResponse res = firehose_reply(r, head, 403, "wrong access key");
        return refuse(std::move(r), std::move(res));
      }
    }
    const std::string_view version = field(head, "X-Amz-Firehose-Protocol-Version");
    if (!version.empty() && version != "1.0") {
      HttpResponse res = firehose_reply(r, head, 400,
                                        fmt::format("unsupported X-Amz-Firehose-Protocol-Version '{}' (1.0 "
                                                    "is understood)",
                                                    version));
      return refuse(std::move(r), std::move(res));
    }
    const std::string_view encoding = field(head, "Content-Encoding");
    if (!encoding.empty() && encoding != "gzip" && encoding != "identity") {
      HttpResponse res =
          firehose_reply(r, head, 400, fmt::format("unsupported Content-Encoding '{}' (gzip or none)", encoding));
      return refuse(std::move(r), std::move(res));
    }
    const std::string_view length = field(head, "Content-Length");
    std::uint64_t n = 0;
    if (!length.empty() && std::from_chars(length.data(), length.data() + length.size(), n).ec == std::errc() &&
        n > config_.max_request_bytes) {
      HttpResponse res = body_refused(r, head, 413);
      return refuse(std::move(r), std::move(res));
    }
    r.body_limit = config_.max_request_bytes;
    r.needs_worker = true;
    return r;
  }

  if (r.path == "/healthz" || r.path == "/metrics") {
    r.kind = r.path == "/healthz" ? RouteKind::kHealth : RouteKind::kMetrics;
    if (method != http::verb::get && method != http::verb::head) {
      HttpResponse res = make_response(405, "method not allowed\n", "text/plain");
      res.set(http::field::allow, "GET, HEAD");
      return refuse(std::move(r), std::move(res));
    }
    if (body) return no_body_allowed();
    return r;
  }

  // The dashboards, their API and the front end: GET only, and the UI token when one is set.
  if (method != http::verb::get && method != http::verb::head) {
    HttpResponse res = make_response(405, "method not allowed\n", "text/plain");
    res.set(http::field::allow, "GET, HEAD");
    return refuse(std::move(r), std::move(res));
  }
  const auto token = r.params.find("token");
  const std::string_view query_token = token == r.params.end() ? std::string_view() : std::string_view(token->second);
  if (!ui_authorized(field(head, "Authorization"), query_token, field(head, "Cookie"))) {
    HttpResponse res =
        make_response(401, "unauthorized: open the dashboards with ?token=<the UI token>\n", "text/plain");
    res.set(http::field::www_authenticate, "Bearer realm=\"dnslens\"");
    return refuse(std::move(r), std::move(res));
  }
  if (!config_.ui_token.empty() && constant_time_equal(config_.ui_token, query_token)) {
    r.set_cookie = "dnslens_token=" + std::string(query_token) + "; Path=/; HttpOnly; SameSite=Strict" +
                   (config_.tls_cert.empty() ? "" : "; Secure");
  }
  if (body) return no_body_allowed();
  r.needs_worker = true;
  constexpr std::string_view kPanel = "/api/panel/";
  if (dashboard_ && r.path == "/api/catalog") {
    r.kind = RouteKind::kCatalog;
  } else if (dashboard_ && r.path.starts_with(kPanel) && is_panel_id(std::string_view(r.path).substr(kPanel.size()))) {
    r.kind = RouteKind::kPanel;
  } else if (dashboard_ && r.path == "/api/records") {
    r.kind = RouteKind::kRecords;
  } else if (!web_root_.empty() || (web_root_missing_ && r.path == "/")) {
    r.kind = RouteKind::kStatic;
  } else {
    return refuse(std::move(r), make_response(404, "not found\n", "text/plain"));
  }
  return r;
}

HttpResponse HttpRequestHandler::respond(const HttpRoute& route, const HttpRequestHeader& head, std::string& body) {
  HttpResponse res;
  switch (route.kind) {
    case RouteKind::kRefused:
      res = route.refusal;
      break;
    case RouteKind::kHealth:
      res = make_response(
          200, fmt::format("{{\"status\":\"ok\",\"uptime_seconds\":{}}}\n", (unix_now_ms() - started_ms_) / 1000),
          "application/json");
      break;
    case RouteKind::kMetrics:
      res = make_response(200, metrics_text(), "text/plain; version=0.0.4");
      break;
    case RouteKind::kFirehose:
      res = firehose(route, head, body);
      break;
    case RouteKind::kCatalog:
      res = dashboard_json([&] { return dashboard_->catalog_json(); });
      break;
    case RouteKind::kPanel:
      res = dashboard_json([&] {
        return dashboard_->panel_json(std::string_view(route.path).substr(sizeof("/api/panel/") - 1),
                                      parse_dashboard_query(route.params));
      });
      break;
    case RouteKind::kRecords:
      res = dashboard_json([&] { return dashboard_->records_json(parse_dashboard_query(route.params)); });
      break;
    case RouteKind::kStatic:
      res = static_file(route, head);
      break;
  }
  if (!route.set_cookie.empty()) res.set(http::field::set_cookie, route.set_cookie);
  if (route.head_only) res.body().clear();  // Content-Length stays the GET answer's
  return res;
}

HttpResponse HttpRequestHandler::firehose_reply(const HttpRoute& route, const HttpRequestHeader& head, int status,
                                                std::string_view error, std::string_view request_id) {
  // Firehose matches the answer to its request by the id: the header's, or the body's when only the
  // body carried one.
  const std::string_view id = request_id.empty() ? field(head, "X-Amz-Firehose-Request-Id") : request_id;
  HttpResponse res = make_response(status, firehose_body(id, error), "application/json");
  http_.count_status(status);
  http_.observe_latency(std::chrono::duration<double>(std::chrono::steady_clock::now() - route.started).count());
  return res;
}

HttpResponse HttpRequestHandler::body_refused(const HttpRoute& route, const HttpRequestHeader& head, int status) {
  const std::string why =
      status == 413
          ? fmt::format("the request body is larger than {} bytes (--max-request-bytes)", config_.max_request_bytes)
          : std::string("the request body could not be read (malformed chunked encoding)");
  if (route.kind == RouteKind::kFirehose) return firehose_reply(route, head, status, why);
  return make_response(status, why + "\n", "text/plain");
}

HttpResponse HttpRequestHandler::malformed(int status, std::string_view why) const {
  return make_response(status, std::string(why) + "\n", "text/plain");
}

HttpResponse HttpRequestHandler::unavailable(const HttpRoute& route, const HttpRequestHeader& head,
                                             std::string_view why) {
  HttpResponse res = route.kind == RouteKind::kFirehose ? firehose_reply(route, head, 503, why)
                                                        : make_response(503, std::string(why) + "\n", "text/plain");
  res.set(http::field::retry_after, "1");
  return res;
}

HttpResponse HttpRequestHandler::firehose(const HttpRoute& route, const HttpRequestHeader& head, std::string& body) {
  if (field(head, "Content-Encoding") == "gzip") {
    try {
      body = gunzip(std::move(body), config_.max_decoded_bytes);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kDecompressionBomb) {
        return firehose_reply(route, head, 413,
                              fmt::format("the request body decodes to more than {} bytes (--max-decoded-bytes)",
                                          config_.max_decoded_bytes));
      }
      return firehose_reply(route, head, 400, "the request body could not be read (truncated, or corrupt gzip)");
    }
  }
  http_.received_bytes.fetch_add(body.size(), std::memory_order_relaxed);
  IngestResult r;
  try {
    r = ingest_fn_(field(head, "X-Amz-Firehose-Request-Id"), field(head, "X-Amz-Firehose-Source-Arn"), body);
  } catch (const Error& e) {
    r.status = IngestStatus::kFailed;
    r.message = e.what();
  }
  switch (r.status) {
    case IngestStatus::kStored:
    case IngestStatus::kDuplicate:
      return firehose_reply(route, head, 200, "", r.request_id);
    case IngestStatus::kBadRequest:
      return firehose_reply(route, head, 400, r.message, r.request_id);
    case IngestStatus::kFailed:
      break;
  }
  return firehose_reply(route, head, 500, "the records could not be stored: " + r.message, r.request_id);
}

HttpResponse HttpRequestHandler::dashboard_json(const std::function<std::string()>& body) {
  auto error = [](int status, std::string_view what) {
    std::string msg = "{\"error\":\"";
    append_json_escaped_bytes(msg, what);
    return make_response(status, msg + "\"}", "application/json");
  };
  try {
    return make_response(200, body(), "application/json");
  } catch (const Error& e) {
    return error(e.code() == ErrorCode::kUsage ? 400 : 500, e.what());
  } catch (const std::exception& e) {
    return error(400, e.what());
  }
}

HttpResponse HttpRequestHandler::static_file(const HttpRoute& route, const HttpRequestHeader& head) {
  if (web_root_.empty()) {
    return make_response(
        503, "The dashboards' front end is not built (" + config_.web_root + "): run scripts/build-web.sh\n",
        "text/plain");
  }
  const HttpResponse not_found = make_response(404, "not found\n", "text/plain");
  std::string relative = route.path;
  if (relative.back() == '/') relative += "index.html";
  // No segment may climb out of the root, and the resolved file must still be inside it (symlinks).
  for (std::size_t start = 1; start <= relative.size();) {
    std::size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    const std::string_view segment = std::string_view(relative).substr(start, end - start);
    if (segment == ".." || segment.find('\\') != std::string_view::npos) return not_found;
    start = end + 1;
  }
  const std::string full = web_root_ + relative;
  char resolved[PATH_MAX];
  if (!::realpath(full.c_str(), resolved)) return not_found;
  const auto inside_root = [&](std::string_view real) {
    return real.starts_with(web_root_) && real.size() > web_root_.size() && real[web_root_.size()] == '/';
  };
  if (!inside_root(resolved)) return not_found;
  struct stat st {};
  if (::stat(resolved, &st) != 0 || !S_ISREG(st.st_mode)) return not_found;
  // The copy compressed at build time (scripts/build-web.sh) that the browser accepts, if there is one:
  // nothing is compressed per request.
  std::string path(resolved);
  std::string_view coding;
  const std::string_view accepted = field(head, "Accept-Encoding");
  for (const std::string_view c : {std::string_view("br"), std::string_view("gzip")}) {
    if (!accepts_coding(accepted, c)) continue;
    const std::string variant = path + (c == "br" ? ".br" : ".gz");
    char variant_resolved[PATH_MAX];
    struct stat vst {};
    // The variant must resolve inside the root too (a symlink must not lead out of it).
    if (::realpath(variant.c_str(), variant_resolved) && inside_root(variant_resolved) &&
        ::stat(variant_resolved, &vst) == 0 && S_ISREG(vst.st_mode) && vst.st_mtime >= st.st_mtime) {
      path = variant_resolved;
      coding = c;
      break;
    }
  }
  // A validator per file version and coding: a reload asks If-None-Match and gets a bodiless 304.
  const std::string etag = fmt::format(
      "\"{:x}-{:x}{}{}\"", static_cast<std::uint64_t>(st.st_size),
      static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(st.st_mtim.tv_nsec),
      coding.empty() ? "" : "-", coding);
  // The vendored libraries and map change only with a rebuild: kept a day. dnslens's own files are
  // revalidated on every load (a 304 when unchanged), so a rebuilt front end shows at once.
  const bool vendor = relative.starts_with("/vendor/");
  const auto headers = [&](HttpResponse& res) {
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, vendor ? "public, max-age=86400" : "no-cache");
    res.set(http::field::vary, "Accept-Encoding");
    if (!coding.empty()) res.set(http::field::content_encoding, coding);
  };
  if (if_none_match(field(head, "If-None-Match"), etag)) {
    HttpResponse res{http::status::not_modified, 11};
    headers(res);
    res.erase(http::field::content_encoding);  // a 304 has no body, so no Content-Length either
    return res;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return not_found;
  struct stat fst {};
  std::string content;
  bool ok = ::fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode);
  if (ok) {
    content.resize(static_cast<std::size_t>(fst.st_size));
    std::size_t done = 0;
    while (ok && done < content.size()) {
      const ssize_t n = ::read(fd, content.data() + done, content.size() - done);
      if (n <= 0)
        ok = false;
      else
        done += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  if (!ok) return not_found;
  HttpResponse res = make_response(200, std::move(content), content_type_of(relative));
  headers(res);
  return res;
}

std::string HttpRequestHandler::metrics_text() const {
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
  for (auto [code, n] : {std::pair{"200", v(http_.status_200)},
                         {"400", v(http_.status_400)},
                         {"401", v(http_.status_401)},
                         {"403", v(http_.status_403)},
                         {"413", v(http_.status_413)},
                         {"500", v(http_.status_500)},
                         {"other", v(http_.status_other)}}) {
    out += fmt::format("dnslens_http_responses_total{{code=\"{}\"}} {}\n", code, n);
  }
  metric("dnslens_http_connections", "gauge", "Open HTTP connections.");
  out += fmt::format("dnslens_http_connections {}\n", v(http_.connections_open));
  metric("dnslens_http_connections_refused_total", "counter",
         "Connections closed at once: --max-connections were open.");
  out += fmt::format("dnslens_http_connections_refused_total {}\n", v(http_.connections_refused));
  metric("dnslens_http_connections_timed_out_total", "counter",
         "Connections closed because a header, body, idle or write deadline passed.");
  out += fmt::format("dnslens_http_connections_timed_out_total {}\n", v(http_.connections_timed_out));
  metric("dnslens_http_requests_overloaded_total", "counter",
         "Requests answered 503: every worker busy and --max-queued-requests waiting.");
  out += fmt::format("dnslens_http_requests_overloaded_total {}\n", v(http_.requests_overloaded));
  metric("dnslens_ingest_commits_total", "counter",
         "Store commits; the requests that wait while one runs are stored together in the next.");
  out += fmt::format("dnslens_ingest_commits_total {}\n", v(c.commits));
  metric("dnslens_ingest_records_total", "counter", "Query-log records stored.");
  out += fmt::format("dnslens_ingest_records_total {}\n", v(c.records));
  metric("dnslens_ingest_bad_records_total", "counter",
         "Records that could not be used (kept in dead_letters up to a per-request cap).");
  out += fmt::format("dnslens_ingest_bad_records_total {}\n", v(c.bad_records));
  metric("dnslens_ingest_dead_letters_dropped_total", "counter",
         "Bad records past a request's dead-letter cap: counted here and in ingest_requests, not kept.");
  out += fmt::format("dnslens_ingest_dead_letters_dropped_total {}\n", v(c.dead_letters_dropped));
  metric("dnslens_ingest_bytes_total", "counter",
         "Bytes taken in: request bodies after Content-Encoding, and the "
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
  metric(
      "dnslens_ingest_lag_seconds", "gauge",
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
               ? fmt::format("dnslens_ingest_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", kLatencyBuckets[i],
                             cumulative)
               : fmt::format("dnslens_ingest_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  }
  out += fmt::format("dnslens_ingest_request_duration_seconds_sum {:.6f}\n", v(http_.latency_micros_sum) / 1e6);
  out += fmt::format("dnslens_ingest_request_duration_seconds_count {}\n", cumulative);
  metric("dnslens_uptime_seconds", "gauge", "Seconds since the server started.");
  out += fmt::format("dnslens_uptime_seconds {:.3f}\n", (now - started_ms_) / 1000.0);
  return out;
}

}  // namespace dnslens
