#include "store/clickhouse/clickhouse_client.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "core/error.hpp"
#include "io/read_file.hpp"

namespace dnslens {

namespace {

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const std::string hex(s.substr(i + 1, 2));
      char* end = nullptr;
      const long v = std::strtol(hex.c_str(), &end, 16);
      if (end == hex.c_str() + 2) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// A refusal a retry can fix, after which nothing was written: the server is starting or overloaded, a
// replica lost ZooKeeper for a moment, too many parts.
bool refusal(int status, int code) {
  if (status == 503) return true;
  return code == 242 /* TABLE_IS_READ_ONLY */ || code == 252 /* TOO_MANY_PARTS */ || code == 999 /* KEEPER */ ||
         code == 285 /* TOO_FEW_LIVE_REPLICAS (for the quorum) */ ||
         code == 286 /* UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE */;
}

// A failure whose outcome is unknown: the request may or may not have been carried out. A timeout
// (159) is one for an insert; for a statement it is a SELECT past its time limit or an ON CLUSTER
// statement some node has not run yet (it will when it returns), which trying again only waits for
// again.
bool uncertain(int status, int code, bool insert) {
  if (status == 0 || status == 502 || status == 504) return true;
  return (insert && code == 159 /* TIMEOUT_EXCEEDED */) || code == 209 /* SOCKET_TIMEOUT */ ||
         code == 210 /* NETWORK_ERROR */ || code == 319 /* UNKNOWN_STATUS_OF_INSERT */;
}

// A URL fit for messages: no user or password.
std::string redacted(std::string_view url) {
  const auto scheme = url.find("://");
  const auto at = url.find('@');
  const auto slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (scheme == std::string_view::npos || at == std::string_view::npos ||
      (slash != std::string_view::npos && at > slash))
    return std::string(url);
  return std::string(url.substr(0, scheme + 3)) + "...@" + std::string(url.substr(at + 1));
}

}  // namespace

int clickhouse_error_code(std::string_view body) {
  const auto at = body.find("Code: ");
  if (at == std::string_view::npos) return 0;
  int code = 0;
  for (std::size_t i = at + 6; i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i)
    code = code * 10 + (body[i] - '0');
  return code;
}

std::string clickhouse_message(std::string_view body) {
  std::string_view text = body;
  // 18.x: "Code: 60, e.displayText() = DB::Exception: Table x doesn't exist., e.what() = DB::Exception"
  // current: "Code: 60. DB::Exception: Table x does not exist. (UNKNOWN_TABLE) (version 24.3.1)"
  std::string out;
  const int code = clickhouse_error_code(text);
  if (auto p = text.find("DB::Exception: "); p != std::string_view::npos) text = text.substr(p + 15);
  if (auto p = text.find(", e.what() = "); p != std::string_view::npos) text = text.substr(0, p);
  if (auto p = text.find('\n'); p != std::string_view::npos) text = text.substr(0, p);  // stack, insertion status
  if (auto p = text.find(": Insertion status:"); p != std::string_view::npos) text = text.substr(0, p);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  if (text.size() > 600) text = text.substr(0, 600);
  return code ? fmt::format("Code: {}: {}", code, text) : std::string(text);
}

ClickHouseClient::ClickHouseClient(ClickHouseConfig config) : config_(std::move(config)) {
  std::string_view url = config_.url;
  std::string scheme;
  if (url.starts_with("http://")) {
    scheme = "http";
  } else if (url.starts_with("https://")) {
    scheme = "https";
  } else {
    throw Error(ErrorCode::kUsage, fmt::format("--clickhouse takes http(s)://[user[:password]@]host[:port], not '{}'",
                                               redacted(config_.url)));
  }
  url.remove_prefix(scheme.size() + 3);
  std::string_view authority = url.substr(0, url.find('/'));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    user_ = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) password_ = percent_decode(userinfo.substr(colon + 1));
  }
  if (authority.empty())
    throw Error(ErrorCode::kUsage, fmt::format("--clickhouse '{}' names no host", redacted(config_.url)));
  if (user_.empty()) {
    if (const char* u = std::getenv("DNSLENS_CLICKHOUSE_USER")) user_ = u;
  }
  if (password_.empty()) {
    if (!config_.password_file.empty()) {
      password_ = read_whole_file(config_.password_file, "ClickHouse password file", ErrorCode::kConfig);
      while (!password_.empty() && (password_.back() == '\n' || password_.back() == '\r')) password_.pop_back();
    } else if (const char* p = std::getenv("DNSLENS_CLICKHOUSE_PASSWORD")) {
      password_ = p;
    }
  }
  if (user_.empty()) user_ = "default";
  where_ = fmt::format("{}://{}", scheme, authority);
  http_ = std::make_unique<httplib::Client>(where_);
  http_->set_keep_alive(true);
  // A request goes out in more than one write (headers, body): with Nagle's algorithm on, a later write
  // on a kept-alive connection waits for the server's delayed ACK, 40 ms per statement on Linux.
  http_->set_tcp_nodelay(true);
  http_->set_connection_timeout(std::chrono::milliseconds(std::min(config_.timeout_ms, 10000)));
  http_->set_read_timeout(std::chrono::milliseconds(config_.timeout_ms));
  http_->set_write_timeout(std::chrono::milliseconds(config_.timeout_ms));
  http_->set_basic_auth(user_, password_);
  if (!config_.ca_file.empty()) http_->set_ca_cert_path(config_.ca_file);
}

ClickHouseClient::~ClickHouseClient() = default;

std::string ClickHouseClient::post(std::string_view target_query, std::string_view body, bool insert, Retry retry) {
  const bool compress = insert && config_.gzip;
  const std::string target = "/?" + std::string(target_query);
  int backoff = config_.backoff_initial_ms;
  httplib::Headers headers;
  std::string_view payload = body;
  if (compress) {
    // Compressed once here, not by the HTTP client at zlib's default level on every attempt: ISA-L's
    // level 1 costs a fraction of the CPU for a body of a few megabytes.
    payload = gzip_.compress(body);
    headers.emplace("Content-Encoding", "gzip");
  }
  for (int attempt = 0;; ++attempt) {
    // Streamed from payload: the overload taking the body's bytes would copy them into the request first.
    auto res = http_->Post(
        target, headers, payload.size(),
        [payload](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
          // A failed write is the socket's error ("Write"), not a cancelled request: true either way.
          sink.write(payload.data() + offset, length);
          return true;
        },
        "application/octet-stream");
    const int status = res ? res->status : 0;
    if (status == 200) return res->body;
    const std::string reply = res ? res->body : std::string();
    const int code = clickhouse_error_code(reply);
    const bool again = (retry == Retry::kAll && (refusal(status, code) || uncertain(status, code, insert))) ||
                       (retry == Retry::kRefusals && refusal(status, code));
    if (again && attempt < config_.max_retries) {
      ++retries_;
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff = std::min(config_.backoff_max_ms, backoff * 2);
      continue;
    }
    if (!res) {
      throw Error(ErrorCode::kNetwork, fmt::format("ClickHouse at {}: {}{}", where_, httplib::to_string(res.error()),
                                                   attempt ? fmt::format(" (after {} attempts)", attempt + 1) : ""));
    }
    throw Error(status == 401 || status == 403 || code == 516 || code == 192 || code == 193 ? ErrorCode::kConfig
                                                                                            : ErrorCode::kQuery,
                fmt::format("ClickHouse at {} (HTTP {}): {}", where_, status, clickhouse_message(reply)));
  }
}

std::string ClickHouseClient::query(std::string_view sql, const std::map<std::string, std::string>& settings,
                                    bool idempotent) {
  std::string q;  // statements name their tables with the database
  for (const auto& [k, v] : settings) q += (q.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(v);
  // The statement is the body. dnslens's own statements are reads, idempotent DDL (IF NOT EXISTS) and the
  // schema version's row (the same row again changes nothing dnslens reads): retried whatever failed.
  return post(q, sql, /*insert=*/false, idempotent ? Retry::kAll : Retry::kRefusals);
}

void ClickHouseClient::insert(std::string_view statement, std::string_view body,
                              const std::map<std::string, std::string>& settings, bool idempotent) {
  std::string q = "query=" + url_encode(statement);
  for (const auto& [k, v] : settings) q += "&" + url_encode(k) + "=" + url_encode(v);
  if (config_.insert_quorum > 1) q += "&insert_quorum=" + std::to_string(config_.insert_quorum);
  (void)post(q, body, /*insert=*/true, idempotent ? Retry::kAll : Retry::kRefusals);
}

ClickHouseVersion ClickHouseClient::version() {
  ClickHouseVersion v;
  v.text = query("SELECT version()");
  while (!v.text.empty() && (v.text.back() == '\n' || v.text.back() == '\r')) v.text.pop_back();
  if (std::sscanf(v.text.c_str(), "%d.%d", &v.major, &v.minor) != 2)
    throw Error(ErrorCode::kQuery, fmt::format("ClickHouse at {}: cannot read version '{}'", where_, v.text));
  return v;
}

std::string clickhouse_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace dnslens
