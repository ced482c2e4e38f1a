#pragma once
// Firehose request bodies, a store file in a fresh directory, and the process's peak memory, for
// the serve tests.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/json_escape.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"
#include "pipeline/pipeline_config.hpp"
#include "store/store_writer.hpp"

namespace dnslens::testing {

// {"requestId", "timestamp", "records":[{"data": base64(payload)}, ...]}
inline std::string firehose_body(std::string_view request_id, const std::vector<std::string>& payloads) {
  std::string body = fmt::format("{{\"requestId\":\"{}\",\"timestamp\":1700000000000,\"records\":[", request_id);
  for (std::size_t i = 0; i < payloads.size(); ++i)
    body += fmt::format("{}{{\"data\":\"{}\"}}", i ? "," : "", base64_encode(payloads[i]));
  return body + "]}";
}

// A Route 53 Resolver query-log line; i varies the time (one a minute), the VPC and the source.
inline std::string query_line(std::size_t i, std::size_t vpcs = 3) {
  return fmt::format(R"({{"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-{}",)"
                     R"("query_timestamp":"{}","query_name":"host{}.example.com.","query_type":"A","query_class":"IN",)"
                     R"("rcode":"NOERROR","answers":[],"srcaddr":"10.0.{}.{}","srcport":"5353","transport":"UDP",)"
                     R"("srcids":{{"instance":"i-{:04}"}}}})",
                     i % vpcs, fmt::format("2026-11-21T{:02}:{:02}:00Z", (i / 60) % 24, i % 60), i % 50, i / 256 % 256,
                     i % 256, i % 40);
}

inline const PublicSuffixList& test_psl() {
  static const PublicSuffixList p = PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, PslScope::kIcannAndPrivate);
  return p;
}

// The serve pipeline with the name enrichment only, into store.
inline PipelineConfig firehose_pipeline(StoreWriter& store) {
  PipelineConfig p;
  p.source.kind = SourceKind::kFirehoseEndpoint;
  p.enrich.psl = &test_psl();
  p.sinks.store = &store;
  return p;
}

// A directory of its own under the system's temporary directory, removed afterwards.
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    path = std::filesystem::temp_directory_path() / fmt::format("dnslens-serve-test-{}-{}", ::getpid(), counter()++);
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  [[nodiscard]] std::string file(std::string_view name) const { return (path / name).string(); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

// The process's peak resident memory (VmHWM) in bytes; reset_peak_rss() brings the peak down to
// what is resident now, so a later reading is the peak of what ran in between.
inline std::uint64_t peak_rss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}
inline std::uint64_t current_rss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}
inline void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

}  // namespace dnslens::testing
