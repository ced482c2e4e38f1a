#pragma once
// Enriched records in the S3 export layout, one level deeper for the hour:
//   <root>/AWSLogs/<account>/vpcdnsquerylogs/<vpc>/YYYY/MM/DD/HH/<run>.jsonl[.gz|.zst]
// At most max_open files stay open; a reopened file is appended to (a new gzip member or zstd
// frame, both valid), so any number of partitions works with bounded descriptors.
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "io/output_sink.hpp"

namespace dnslens {

class PartitionedWriter {
 public:
  PartitionedWriter(std::string root, std::string run_id, Compression compression, std::size_t max_open = 64);
  // key is "<account>/vpcdnsquerylogs/<vpc>/YYYY/MM/DD/HH" (see partition_key()).
  void write(std::string_view key, std::string_view bytes);
  // Hands what the open files hold to the kernel (a live stream's partitions are readable as it goes).
  void flush();
  void finish();
  [[nodiscard]] std::size_t files_written() const { return paths_.size(); }

 private:
  struct Open {
    std::unique_ptr<OutputSink> sink;
    std::list<std::string>::iterator lru;
  };
  std::string root_;
  std::string run_id_;
  Compression compression_;
  std::size_t max_open_;
  absl::flat_hash_map<std::string, Open> open_;
  absl::flat_hash_map<std::string, bool> paths_;
  std::list<std::string> lru_;
};

// Writes the key for a record into buf (>= 192 bytes) and returns its length. Account and VPC IDs
// are reduced to [A-Za-z0-9-_] so a hostile value cannot escape the output directory.
std::size_t partition_key(std::string_view account, std::string_view vpc, std::int64_t timestamp_ms, char* buf);

}  // namespace dnslens
