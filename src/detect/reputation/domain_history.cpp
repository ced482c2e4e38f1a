#include "detect/reputation/domain_history.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/stable_hash.hpp"
#include "io/read_file.hpp"

namespace dnslens {
namespace {

constexpr std::string_view kHeader = "# dnslens domain history 1";
constexpr std::string_view kSince = "# since ";
constexpr std::string_view kNewest = "# newest ";

bool parse_seconds(std::string_view text, std::int64_t& out) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && p == end && out >= 0;
}

// What a registered domain may hold: the query-name normalizer's output is lower-case LDH labels,
// underscores and escaped bytes, never whitespace or control characters.
bool plausible_domain(std::string_view d) {
  if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.' || d.front() == '#') return false;
  return std::none_of(d.begin(), d.end(), [](char c) { return static_cast<unsigned char>(c) <= ' '; });
}

[[noreturn]] void io_failure(const std::string& path, std::string_view what) {
  throw Error(ErrorCode::kIo, fmt::format("domain history {}: {}: {}", path, what, std::strerror(errno)));
}

// The temporary file of a save: closed, and removed unless renamed into place, whatever is thrown.
struct TempFile {
  std::string path;
  int fd = -1;
  bool placed = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!placed) ::unlink(path.c_str());
  }
};

// Where a path's symbolic links lead (the history is locked and replaced there, not at the link), also
// when the last link's target does not exist yet; the path itself when it is no link.
std::string resolve_links(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = path;
  for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(p, ec)); ++hops) {
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) break;
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  const fs::path real = fs::weakly_canonical(p, ec);
  return ec ? p.string() : real.string();
}

}  // namespace

DomainHistory::DomainHistory(std::string path, DomainHistoryLimits limits)
    : path_(std::move(path)), real_path_(resolve_links(path_)), limits_(limits) {
  const std::string lock_path = real_path_ + ".lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) io_failure(path_, fmt::format("cannot create the lock file {}", lock_path));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err == EWOULDBLOCK) {
      throw Error(ErrorCode::kIo, fmt::format("domain history {} is in use by another dnslens process (it holds {}); "
                                              "give each process its own history",
                                              path_, lock_path));
    }
    errno = err;
    io_failure(path_, fmt::format("cannot lock {}", lock_path));
  }
  try {
    load();
    peak_ = domains_.size();
  } catch (...) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw;
  }
}

DomainHistory::~DomainHistory() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

void DomainHistory::load() {
  struct stat st {};
  if (::stat(real_path_.c_str(), &st) != 0) {
    if (errno == ENOENT) return;  // a new history
    io_failure(path_, "cannot read");
  }
  const std::string text = read_whole_file(real_path_, "domain history", ErrorCode::kIo);
  auto fail = [&](std::size_t line, std::string_view why) {
    throw Error(ErrorCode::kConfig, fmt::format("domain history {}:{}: {}", path_, line, why));
  };
  const std::string not_history = fmt::format("not a dnslens domain history (the first line must be '{}')", kHeader);
  std::size_t line_no = 0;
  std::size_t pos = 0;
  bool header = false;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1) {
      if (line != kHeader) fail(1, not_history);
      header = true;
      continue;
    }
    if (line.empty()) continue;
    if (line.front() == '#') {
      std::int64_t value = 0;
      if (line.starts_with(kSince)) {
        if (!parse_seconds(line.substr(kSince.size()), value)) fail(line_no, "'# since' needs epoch seconds");
        since_s_ = std::min<std::int64_t>(since_s_, clamp_seconds(value));
      } else if (line.starts_with(kNewest)) {
        if (!parse_seconds(line.substr(kNewest.size()), value)) fail(line_no, "'# newest' needs epoch seconds");
        newest_s_ = std::max<std::int64_t>(newest_s_, clamp_seconds(value));
      }
      continue;
    }
    const std::size_t t1 = line.find('\t');
    const std::size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string_view::npos || line.find('\t', t2 + 1) != std::string_view::npos)
      fail(line_no, "expected three tab-separated columns: domain, first seen, last seen");
    const std::string_view domain = line.substr(0, t1);
    std::int64_t first = 0, last = 0;
    if (!plausible_domain(domain)) fail(line_no, fmt::format("'{}' is not a registered domain", domain));
    if (!parse_seconds(line.substr(t1 + 1, t2 - t1 - 1), first) || !parse_seconds(line.substr(t2 + 1), last))
      fail(line_no, "first and last seen must be epoch seconds");
    if (last < first) fail(line_no, "last seen is before first seen");
    const std::uint64_t hash = stable_hash(domain);
    if (domains_.contains(hash)) fail(line_no, fmt::format("{} is listed twice", domain));
    add(hash, domain, clamp_seconds(first), clamp_seconds(last));
    newest_s_ = std::max<std::int64_t>(newest_s_, clamp_seconds(last));
  }
  if (!header) fail(1, not_history);
  if (since_s_ == kNever && !domains_.empty()) fail(2, "a history with domains needs its '# since' line");
  if (since_s_ != kNever) newest_s_ = std::max(newest_s_, since_s_);
  // Times a day past the wall clock (a clock that ran ahead, a hand edit) would expire every domain at the
  // next save: the stretch is taken to end at the wall clock instead.
  const std::int64_t limit = static_cast<std::int64_t>(std::time(nullptr)) + 86400;
  if (newest_s_ > limit) newest_s_ = limit;
  if (since_s_ != kNever && since_s_ > limit) since_s_ = limit;
}

std::uint32_t DomainHistory::clamp_seconds(std::int64_t ts_s) {
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(ts_s, 0, UINT32_MAX));
}

void DomainHistory::add(std::uint64_t hash, std::string_view domain, std::uint32_t first_s, std::uint32_t last_s) {
  const std::uint64_t offset = names_.size();
  names_.append(domain);
  domains_.emplace(hash, Entry{first_s, last_s, offset << 8 | domain.size()});
}

std::int64_t DomainHistory::observe(std::uint64_t hash, std::string_view domain, std::int64_t ts_s) {
  if (ts_s > wall_limit_s_) {
    // A day past the wall clock (read again when a record passes the last reading's limit).
    wall_limit_s_ = static_cast<std::int64_t>(std::time(nullptr)) + 86400;
    if (ts_s > wall_limit_s_) return kNever;
  }
  const std::uint32_t ts = clamp_seconds(ts_s);
  auto it = domains_.find(hash);
  if (it == domains_.end() && !plausible_domain(domain)) return kNever;  // a line of the file could not hold it
  if (since_s_ == kNever || ts > newest_s_ + limits_.gap_seconds) {
    since_s_ = newest_s_ = ts;  // the first record, or the first after a gap: watching starts again
  } else if (ts > newest_s_) {
    newest_s_ = ts;
  } else if (ts < since_s_ && ts >= since_s_ - limits_.gap_seconds) {
    since_s_ = ts;  // an older record just before the stretch extends it
  }
  if (it != domains_.end()) {
    Entry& e = it->second;
    e.first_s = std::min(e.first_s, ts);
    e.last_s = std::max(e.last_s, ts);
    return e.first_s;
  }
  // Over the cap by a quarter: forget down to it (amortized; the least recently resolved go first).
  if (domains_.size() >= limits_.max_domains + limits_.max_domains / 4) prune(limits_.max_domains);
  add(hash, domain, ts, ts);
  peak_ = std::max<std::uint64_t>(peak_, domains_.size());
  return ts;
}

std::int64_t DomainHistory::first_seen(std::string_view domain) const {
  auto it = domains_.find(stable_hash(domain));
  return it == domains_.end() ? kNever : it->second.first_s;
}

void DomainHistory::prune(std::size_t target) {
  const std::size_t before = domains_.size();
  if (newest_s_ != INT64_MIN && limits_.keep_seconds > 0) {
    const std::int64_t cutoff = newest_s_ - limits_.keep_seconds;
    absl::erase_if(domains_, [&](const auto& kv) { return kv.second.last_s < cutoff; });
  }
  if (domains_.size() > target) {
    std::vector<std::uint32_t> last;
    last.reserve(domains_.size());
    for (const auto& [hash, e] : domains_) last.push_back(e.last_s);
    auto nth = last.begin() + static_cast<std::ptrdiff_t>(domains_.size() - target);
    std::nth_element(last.begin(), nth, last.end());
    const std::uint32_t keep_from = *nth;  // drop those resolved before it, then ties until at the target
    absl::erase_if(domains_, [&](const auto& kv) { return kv.second.last_s < keep_from; });
    for (auto it = domains_.begin(); it != domains_.end() && domains_.size() > target;) {
      if (it->second.last_s == keep_from)
        domains_.erase(it++);
      else
        ++it;
    }
  }
  if (domains_.size() == before) return;
  forgotten_ += before - domains_.size();
  // The forgotten names' bytes go: the survivors' names move into a new arena.
  std::string names;
  names.reserve(names_.size() * domains_.size() / std::max<std::size_t>(before, 1) + 64);
  for (auto& [hash, e] : domains_) {
    const std::string_view name = name_of(e);
    const std::uint64_t offset = names.size();
    names.append(name);
    e.name = offset << 8 | name.size();
  }
  names_ = std::move(names);
}

void DomainHistory::save() {
  prune(limits_.max_domains);
  std::vector<const Entry*> order;
  order.reserve(domains_.size());
  for (const auto& [hash, e] : domains_) order.push_back(&e);
  // Oldest first (then by name): a person reading the file sees the learning, then what came after.
  std::sort(order.begin(), order.end(), [&](const Entry* a, const Entry* b) {
    return a->first_s != b->first_s ? a->first_s < b->first_s : name_of(*a) < name_of(*b);
  });
  TempFile tmp{real_path_ + ".tmp"};
  tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (tmp.fd < 0) {
    tmp.placed = true;  // nothing of ours to remove
    io_failure(path_, fmt::format("cannot create {}", tmp.path));
  }
  struct stat st {};
  if (::stat(real_path_.c_str(), &st) == 0) (void)::fchmod(tmp.fd, st.st_mode & 07777);  // keep the file's mode
  auto write_out = [&](std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(tmp.fd, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0) errno = EIO;
        io_failure(path_, fmt::format("cannot write {}", tmp.path));
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  };
  std::string out;  // written a megabyte at a time
  out += kHeader;
  out += '\n';
  if (since_s_ != kNever) fmt::format_to(std::back_inserter(out), "{}{}\n{}{}\n", kSince, since_s_, kNewest, newest_s_);
  for (const Entry* e : order) {
    fmt::format_to(std::back_inserter(out), "{}\t{}\t{}\n", name_of(*e), e->first_s, e->last_s);
    if (out.size() >= (1u << 20)) {
      write_out(out);
      out.clear();
    }
  }
  write_out(out);
  if (::fsync(tmp.fd) != 0) io_failure(path_, fmt::format("cannot write {}", tmp.path));
  const int fd = std::exchange(tmp.fd, -1);
  if (::close(fd) != 0) io_failure(path_, fmt::format("cannot write {}", tmp.path));
  if (::rename(tmp.path.c_str(), real_path_.c_str()) != 0) io_failure(path_, "cannot replace it");
  tmp.placed = true;
  // The rename is durable once the directory is.
  const std::string dir = std::filesystem::path(real_path_).parent_path().string();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace dnslens
