#include "serve/serve_config.hpp"

#include <arpa/inet.h>

#include <fmt/format.h>

#include "core/error.hpp"

namespace dnslens {

bool ServeConfig::loopback() const {
  if (host == "localhost" || host == "::1") return true;
  in_addr a{};
  return ::inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

void ServeConfig::validate() const {
  if (port < 0 || port > 65535) throw Error(ErrorCode::kUsage, fmt::format("port {} is out of range", port));
  if (firehose_path.empty() || firehose_path[0] != '/') {
    throw Error(ErrorCode::kUsage, "the Firehose path must start with '/'");
  }
  if (tls_cert.empty() != tls_key.empty()) throw Error(ErrorCode::kUsage, "TLS needs both --tls-cert and --tls-key");
  if (access_key.size() > 4096) throw Error(ErrorCode::kUsage, "Firehose access keys are at most 4096 bytes");
  if (max_request_bytes == 0 || max_decoded_bytes < max_request_bytes) {
    throw Error(ErrorCode::kUsage, "--max-decoded-bytes must be at least --max-request-bytes, both above 0");
  }
  if (max_decoded_bytes > (64ull << 30)) throw Error(ErrorCode::kUsage, "--max-decoded-bytes must be at most 64 GiB");
  if (threads == 0 || threads > 1024) throw Error(ErrorCode::kUsage, "--http-threads must be 1 to 1024");
  if (io_threads == 0 || io_threads > 64) throw Error(ErrorCode::kUsage, "--http-io-threads must be 1 to 64");
  if (max_connections < 1 || max_connections > 1'000'000) {
    throw Error(ErrorCode::kUsage, "--max-connections must be 1 to 1000000");
  }
  if (max_queued_requests > 1'000'000) throw Error(ErrorCode::kUsage, "--max-queued-requests must be at most 1000000");
  for (auto [t, name] : {std::pair{header_timeout, "--header-timeout-ms"},
                         {body_timeout, "--body-timeout-ms"},
                         {idle_timeout, "--idle-timeout-ms"},
                         {write_timeout, "--write-timeout-ms"},
                         {shutdown_timeout, "--shutdown-timeout-ms"}}) {
    if (t.count() <= 0 || t > std::chrono::hours(24)) {
      throw Error(ErrorCode::kUsage, fmt::format("{} must be above 0 and at most a day", name));
    }
  }
  if (!loopback()) {
    if (access_key.empty() && !allow_open_ingest) {
      throw Error(ErrorCode::kUsage, fmt::format("bound to {}, beyond loopback: set a Firehose access key "
                                                 "(--access-key-file) or pass --allow-open-ingest",
                                                 host));
    }
    if (ui_token.empty()) {
      throw Error(ErrorCode::kUsage,
                  fmt::format("bound to {}, beyond loopback: the dashboards need --ui-token-file", host));
    }
  }
}

}  // namespace dnslens
