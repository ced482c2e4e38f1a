#include "sinks/jsonl/partitioned_writer.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/timestamp.hpp"

namespace dnslens {

PartitionedWriter::PartitionedWriter(std::string root, std::string run_id, Compression compression,
                                     std::size_t max_open)
    : root_(std::move(root)), run_id_(std::move(run_id)), compression_(compression), max_open_(max_open) {}

void PartitionedWriter::write(std::string_view key, std::string_view bytes) {
  auto it = open_.find(absl::string_view(key.data(), key.size()));
  if (it == open_.end()) {
    if (open_.size() >= max_open_) {
      auto victim = open_.find(lru_.back());
      victim->second.sink->finish();
      open_.erase(victim);
      lru_.pop_back();
    }
    std::string dir = fmt::format("{}/AWSLogs/{}", root_, key);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
    std::string ext = compression_ == Compression::kGzip   ? ".jsonl.gz"
                      : compression_ == Compression::kZstd ? ".jsonl.zst"
                                                           : ".jsonl";
    std::string path = fmt::format("{}/dnslens-{}{}", dir, run_id_, ext);
    bool seen = paths_.contains(path);
    paths_[path] = true;
    lru_.emplace_front(key);
    Open entry{make_file_sink(path, compression_, seen ? OpenMode::kAppend : OpenMode::kTruncate), lru_.begin()};
    it = open_.emplace(std::string(key), std::move(entry)).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  it->second.sink->write(bytes);
}

void PartitionedWriter::flush() {
  for (auto& [key, entry] : open_) entry.sink->flush();
}

void PartitionedWriter::finish() {
  for (auto& [key, entry] : open_) entry.sink->finish();
  open_.clear();
  lru_.clear();
}

std::size_t partition_key(std::string_view account, std::string_view vpc, std::int64_t timestamp_ms, char* buf) {
  auto safe_copy = [](std::string_view in, char* out, std::size_t cap) {
    std::size_t n = 0;
    for (char c : in) {
      if (n == cap) break;
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      out[n++] = ok ? c : '_';
    }
    if (n == 0) {
      const char unknown[] = "unknown";
      for (char c : std::string_view(unknown)) out[n++] = c;
    }
    return n;
  };
  std::size_t n = safe_copy(account, buf, 64);
  constexpr std::string_view kMid = "/vpcdnsquerylogs/";
  kMid.copy(buf + n, kMid.size());
  n += kMid.size();
  n += safe_copy(vpc, buf + n, 64);
  CivilTime t = civil_from_ms(timestamp_ms);
  auto r = fmt::format_to_n(buf + n, 32, "/{:04d}/{:02d}/{:02d}/{:02d}", t.year, t.month, t.day, t.hour);
  return n + r.size;
}

}  // namespace dnslens
