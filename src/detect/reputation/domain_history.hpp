#pragma once
// The registered domains this deployment has resolved, with when each was first and last seen (event
// time), kept in a file across runs: what makes a domain "newly observed" (first seen within the last
// day, after the history had been learning for a week). The file is text, one domain a line:
//
//   # dnslens domain history 1
//   # since 1733011200
//   # newest 1733097600
//   example.com<TAB>1733011200<TAB>1733097600
//
// The columns are the domain, its first and its last resolution, in UTC epoch seconds. `since` is where
// the history's current stretch of watching began: it learns from there, and a domain first resolved
// within learning time of it is not new. A stretch ends where the records stop for gap_seconds: records
// after such a gap start a new one (the history learns again, so a first run on an old sample, or weeks
// of logs lost, make nothing "new"). Records older than the stretch, beyond the gap, add their domains
// but do not move `since`; records dated more than a day past the wall clock are not kept (a broken clock
// must not expire every domain). `newest` is the newest record time kept, from which domains expire.
//
// The file is read at start and written whole by save(): into a temporary file next to it (with the
// file's mode), synced, renamed over it, and the directory synced, so a crash leaves the old or the new
// history, never a torn one. A lock on `<file>.lock` (the path resolved through symbolic links) keeps a
// second dnslens process from using the same history (its save would drop the other's domains).
//
// Bounded: domains not resolved for keep_seconds (of event time) are forgotten, and past max_domains the
// least recently resolved go first; a forgotten domain counts as new when it comes back. About 60 bytes a
// domain in memory (a 24-byte slot of a hash table about half full after it grows, and the name).
#include <cstdint>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

namespace dnslens {

struct DomainHistoryLimits {
  std::uint64_t max_domains = 1000000;
  std::int64_t keep_seconds = 180 * 86400;
  std::int64_t gap_seconds = 2 * 86400;  // records stopping this long end a stretch of watching
};

class DomainHistory {
 public:
  static constexpr std::int64_t kNever = INT64_MAX;

  // Locks and reads path (absent: an empty history, created by the first save). Throws Error(kConfig)
  // "<path>:<line>: <problem>" for a malformed line, Error(kIo) when the file cannot be read or its lock
  // is held by another process.
  DomainHistory(std::string path, DomainHistoryLimits limits);
  ~DomainHistory();
  DomainHistory(const DomainHistory&) = delete;
  DomainHistory& operator=(const DomainHistory&) = delete;

  // Records a resolution of domain (whose stable_hash is hash) at ts_s; returns its first-seen time, or
  // kNever when it is not kept: a name no line of the file could hold (empty, over 253 bytes, a leading
  // '#', whitespace or control bytes), or a time more than a day past the wall clock.
  std::int64_t observe(std::uint64_t hash, std::string_view domain, std::int64_t ts_s);
  // Where the current stretch of watching began, kNever while empty.
  [[nodiscard]] std::int64_t since() const { return since_s_; }
  // The newest record time kept, INT64_MIN while empty.
  [[nodiscard]] std::int64_t newest() const { return newest_s_; }
  // The domain's first-seen time, kNever when unknown.
  [[nodiscard]] std::int64_t first_seen(std::string_view domain) const;
  [[nodiscard]] std::size_t size() const { return domains_.size(); }
  [[nodiscard]] const std::string& path() const { return path_; }
  // Domains forgotten so far (expired or over the cap), and the most held at once.
  [[nodiscard]] std::uint64_t forgotten() const { return forgotten_; }
  [[nodiscard]] std::uint64_t peak() const { return peak_; }

  // Forgets what the limits say, then writes the file atomically. Throws Error(kIo).
  void save();

 private:
  // 16 bytes: times in unsigned 32-bit epoch seconds (to 2106), the name in names_.
  struct Entry {
    std::uint32_t first_s;
    std::uint32_t last_s;
    std::uint64_t name;  // offset into names_ << 8 | length
  };

  void load();
  void prune(std::size_t target);
  void add(std::uint64_t hash, std::string_view domain, std::uint32_t first_s, std::uint32_t last_s);
  [[nodiscard]] std::string_view name_of(const Entry& e) const {
    return std::string_view(names_).substr(e.name >> 8, e.name & 0xff);
  }
  [[nodiscard]] static std::uint32_t clamp_seconds(std::int64_t ts_s);

  std::string path_;       // as given, for messages
  std::string real_path_;  // through symbolic links: what is locked and replaced
  DomainHistoryLimits limits_;
  int lock_fd_ = -1;
  absl::flat_hash_map<std::uint64_t, Entry> domains_;  // by stable_hash of the domain
  std::string names_;                                  // every entry's domain, back to back
  std::int64_t since_s_ = kNever;
  std::int64_t newest_s_ = INT64_MIN;
  std::uint64_t forgotten_ = 0;
  std::uint64_t peak_ = 0;
  std::int64_t wall_limit_s_ = INT64_MIN;  // a day past the wall clock when last read
};

}  // namespace dnslens
