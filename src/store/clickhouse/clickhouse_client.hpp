#pragma once
// ClickHouse over its HTTP(S) interface: SQL statements and binary inserts, with the server's own
// message in every error, credentials from the URL, the environment or a file, gzip request bodies,
// and retries with backoff for what a retry can fix (a replica read-only for a moment, too many parts,
// ZooKeeper; the connection and an unknown insert status only where the table deduplicates). One client per thread: it
// keeps its connection alive between requests.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "io/gzip_compressor.hpp"

namespace httplib {
class Client;
}

namespace dnslens {

struct ClickHouseConfig {
  // http(s)://[user[:password]@]host[:port][/]; user and password may also come from
  // DNSLENS_CLICKHOUSE_USER / DNSLENS_CLICKHOUSE_PASSWORD, or the password from a file.
  std::string url;
  std::string password_file;
  std::string database = "dnslens";
  std::string cluster;  // a cluster name from the servers' remote_servers: replicated tables + Distributed
  int timeout_ms = 60000;
  int max_retries = 6;
  int backoff_initial_ms = 200;
  int backoff_max_ms = 10000;
  std::string ca_file;  // HTTPS: the CA bundle to verify the server with (default: the system's)
  bool gzip = true;     // gzip insert bodies (off: less CPU where the network is not the limit, e.g. loopback)
  // > 1: an insert returns only once this many replicas of each shard have it (insert_quorum), so an
  // acknowledged row survives the loss of a replica's disk; replicated tables (a cluster) only.
  int insert_quorum = 0;
  // Inserts a load keeps in flight at once (each one client and connection): a server parses one
  // insert on one thread, so two use two of its cores while dnslens encodes the next.
  int insert_threads = 2;
  // Rows a load gathers into one insert (the last may be smaller): ClickHouse wants few big inserts.
  std::size_t insert_bytes = 8u << 20;
};

// The server's version, from SELECT version(), for what its SQL has.
struct ClickHouseVersion {
  int major = 0, minor = 0;
  std::string text;
  [[nodiscard]] bool at_least(int maj, int min) const { return major > maj || (major == maj && minor >= min); }
};

class ClickHouseClient {
 public:
  // Throws Error(kUsage) for a URL it cannot use, Error(kConfig) for an unreadable password file.
  explicit ClickHouseClient(ClickHouseConfig config);
  ~ClickHouseClient();
  ClickHouseClient(const ClickHouseClient&) = delete;
  ClickHouseClient& operator=(const ClickHouseClient&) = delete;

  // Runs a statement and returns the response body (the result in the statement's FORMAT, TSV by
  // default). Throws Error(kQuery) with the server's message, or Error(kNetwork) when it cannot be reached.
  // idempotent: running it twice does no harm, so a failure of unknown outcome is retried too (else only
  // refusals that did nothing are).
  std::string query(std::string_view sql, const std::map<std::string, std::string>& settings = {},
                    bool idempotent = true);
  // Sends rows: statement is "INSERT INTO t FORMAT RowBinary" (or another format), body the rows,
  // gzip-compressed on the way. idempotent: the table drops a block it already has (replicated tables
  // do), so a failure whose outcome is unknown (no answer, a lost connection, UNKNOWN_STATUS_OF_INSERT)
  // is retried too; otherwise only refusals that wrote nothing are (read-only replica, too many parts,
  // ZooKeeper, 503).
  void insert(std::string_view statement, std::string_view body, const std::map<std::string, std::string>& settings,
              bool idempotent);

  [[nodiscard]] ClickHouseVersion version();
  [[nodiscard]] const ClickHouseConfig& config() const { return config_; }
  [[nodiscard]] const std::string& where() const { return where_; }  // scheme://host:port, for messages
  [[nodiscard]] std::uint64_t retries() const { return retries_; }

 private:
  enum class Retry { kRefusals, kAll };
  // insert: body is rows (gzip-compressed when configured), the statement in target_query.
  std::string post(std::string_view target_query, std::string_view body, bool insert, Retry retry);

  ClickHouseConfig config_;
  std::string where_;
  std::string user_, password_;
  std::unique_ptr<httplib::Client> http_;
  GzipCompressor gzip_;  // insert bodies (its output buffer kept from one insert to the next)
  std::uint64_t retries_ = 0;
};

// A ClickHouse string literal: 'text' with backslashes and quotes escaped.
[[nodiscard]] std::string clickhouse_quote(std::string_view text);

// ClickHouse's error text without its stack trace and exception boilerplate: "Code: 60: Table x doesn't exist".
[[nodiscard]] std::string clickhouse_message(std::string_view body);
// The error code in a ClickHouse error body ("Code: 60, ..."), 0 when none.
[[nodiscard]] int clickhouse_error_code(std::string_view body);

}  // namespace dnslens
