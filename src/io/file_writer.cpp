#include "io/file_writer.hpp"

#include <fcntl.h>
#include <linux/stat.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/error.hpp"

namespace dnslens {

namespace {
// Memory address and file offset alignment of every direct write. statx says what the file needs;
// a page satisfies every logical block size in use.
constexpr std::size_t kAlign = 4096;
constexpr std::size_t kStagingAlign = std::size_t{2} << 20;  // a huge page
}  // namespace

FileWriter::FileWriter(const std::string& path, OpenMode mode, WriteHint hint, DirectWriteLimits limits)
    : path_(path), limits_(limits) {
  if (path == "-") {  // stdout's open file description is shared with the shell: its flags stay as they are
    fd_ = STDOUT_FILENO;
    owns_ = false;
    return;
  }
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == OpenMode::kAppend ? O_APPEND : O_TRUNC);
  fd_ = ::open(path.c_str(), flags, 0644);
  if (fd_ < 0) throw Error(ErrorCode::kIo, "cannot open " + path + " for writing: " + std::strerror(errno));
  if (hint == WriteHint::kBulk && mode == OpenMode::kTruncate) try_direct();
}

FileWriter::~FileWriter() {
  stop_io();
  if (owns_ && fd_ >= 0) ::close(fd_);
}

// Ends the I/O thread after the buffer it may be writing.
void FileWriter::stop_io() {
  if (!io_.joinable()) return;
  {
    std::lock_guard lock(io_mutex_);
    io_stop_ = true;
  }
  io_cv_.notify_all();
  io_.join();
}

void FileWriter::io_loop() {
  std::unique_lock lock(io_mutex_);
  while (true) {
    io_cv_.wait(lock, [&] { return io_stop_ || (in_flight_ && !flight_done_); });
    if (!in_flight_ || flight_done_) return;  // stopped, nothing to write
    const char* const src = flight_.get();
    const std::size_t n = flight_bytes_;
    const std::uint64_t offset = flight_base_;
    lock.unlock();
    std::size_t written = 0;
    std::string error;
    try {
      written = pwrite_blocks_at(src, n, offset);
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "cannot write " + path_;
    }
    lock.lock();
    flight_written_ = written;
    flight_error_ = std::move(error);
    flight_done_ = true;
    io_cv_.notify_all();
  }
}

// The full staging buffer goes to the I/O thread, and the caller copies on into the spare one.
void FileWriter::submit_staged() {
  collect_flight();
  if (!direct_) return;  // the buffer in flight failed over to the page cache, with what is staged
  if (!spare_) {
    spare_.reset(static_cast<char*>(std::aligned_alloc(kStagingAlign, kStagingBytes)));
    if (!spare_) return write_staged_blocks(staged_);
    (void)::madvise(spare_.get(), kStagingBytes, MADV_HUGEPAGE);
  }
  if (!io_.joinable()) io_ = std::thread([this] { io_loop(); });
  {
    std::lock_guard lock(io_mutex_);
    flight_ = std::move(staging_);
    flight_base_ = base_;
    flight_bytes_ = staged_;
    in_flight_ = true;
    flight_done_ = false;
  }
  io_cv_.notify_all();
  staging_ = std::move(spare_);
  base_ += staged_;
  staged_ = visible_ = 0;
}

// Waits for the buffer in flight. A failed write is tried again here, and thrown if it fails again:
// the buffer stays in flight (the next collect tries once more), so a failure such as a full disk
// leaves no hole in the file. A direct write refused midway writes the rest of that buffer and
// everything staged through the page cache from then on.
void FileWriter::collect_flight() {
  if (!in_flight_) return;
  const auto t0 = Clock::now();
  std::size_t written = 0;
  bool failed = false;
  {
    std::unique_lock lock(io_mutex_);
    io_cv_.wait(lock, [&] { return flight_done_; });
    written = flight_written_;
    failed = !flight_error_.empty();
  }
  // Done: the I/O thread leaves flight_ alone until the next submit.
  if (failed) {
    try {
      written = pwrite_blocks_at(flight_.get(), flight_bytes_, flight_base_);
    } catch (...) {
      in_writes_ += Clock::now() - t0;
      throw;
    }
  }
  {
    std::lock_guard lock(io_mutex_);
    in_flight_ = flight_done_ = false;
    flight_error_.clear();
    spare_ = std::move(flight_);
  }
  const Clock::duration waited = Clock::now() - t0;
  in_writes_ += waited;
  if (written < flight_bytes_) {
    direct_ = false;
    clear_direct_flag();
    pwrite_all(spare_.get() + written, flight_bytes_ - written, flight_base_ + written);
    pwrite_all(staging_.get(), staged_, base_);
    return continue_after_staged();
  }
  judge(waited, flight_bytes_);
}

void FileWriter::try_direct() {
  struct statx sx {};
  if (::statx(fd_, "", AT_EMPTY_PATH, STATX_TYPE | STATX_DIOALIGN, &sx) != 0) return;
  if (!S_ISREG(sx.stx_mode) || !(sx.stx_mask & STATX_DIOALIGN)) return;
  if (sx.stx_dio_mem_align == 0 || sx.stx_dio_offset_align == 0) return;  // no direct I/O for this file
  if (kAlign % sx.stx_dio_mem_align != 0 || kAlign % sx.stx_dio_offset_align != 0) return;
  // On 2 MiB boundaries and backed by huge pages where the kernel can (transparent huge pages in
  // "madvise" mode): a direct write pins every page of its buffer, and 4 KiB pages made the staged
  // writes of a many-worker run three times slower than the same writes from the batches' huge pages.
  staging_.reset(static_cast<char*>(std::aligned_alloc(kStagingAlign, kStagingBytes)));
  if (!staging_) return;
  (void)::madvise(staging_.get(), kStagingBytes, MADV_HUGEPAGE);
  const int fl = ::fcntl(fd_, F_GETFL);
  if (fl < 0 || ::fcntl(fd_, F_SETFL, fl | O_DIRECT) != 0) return;
  direct_ = started_direct_ = true;
  base_ = 0;  // O_TRUNC: the file starts empty
  window_start_ = Clock::now();
}

bool FileWriter::set_direct_flag(bool on) {
  const int fl = ::fcntl(fd_, F_GETFL);
  return fl >= 0 && ::fcntl(fd_, F_SETFL, on ? (fl | O_DIRECT) : (fl & ~O_DIRECT)) == 0;
}

void FileWriter::clear_direct_flag() {
  if (!set_direct_flag(false))
    throw Error(ErrorCode::kIo, "cannot turn off direct I/O for " + path_ + ": " + std::strerror(errno));
}

// From here on through the page cache: what is staged goes out at its offset first.
void FileWriter::leave_direct() {
  collect_flight();
  if (!direct_) return;
  direct_ = false;
  clear_direct_flag();
  pwrite_all(staging_.get(), staged_, base_);
  continue_after_staged();
}

// The staged bytes are in the file: plain write(2) calls go on after them.
void FileWriter::continue_after_staged() {
  base_ += staged_;
  staged_ = visible_ = 0;
  if (::lseek(fd_, static_cast<off_t>(base_), SEEK_SET) < 0) {
    throw Error(ErrorCode::kIo, "cannot seek in " + path_ + ": " + std::strerror(errno));
  }
}

void FileWriter::write_all(const char* p, std::size_t n) {
  while (direct_ && n > 0) {
    const std::size_t take = std::min(n, kStagingBytes - staged_);
    std::memcpy(staging_.get() + staged_, p, take);
    staged_ += take;
    p += take;
    n -= take;
    if (staged_ == kStagingBytes) submit_staged();
  }
  if (n > 0) write_through(p, n);
}

void FileWriter::flush() {
  collect_flight();
  if (!direct_ || staged_ == visible_) return;
  const std::size_t whole = staged_ / kAlign * kAlign;
  if (whole > 0) write_staged_blocks(whole);
  if (!direct_ || staged_ == 0) return;
  clear_direct_flag();
  direct_ = false;
  pwrite_all(staging_.get(), staged_, base_);
  visible_ = staged_;
  direct_ = set_direct_flag(true);
  if (!direct_) continue_after_staged();
}

// Writes whole blocks from src at base_ directly; returns how many bytes went out, fewer than n when a
// direct write was refused or came back short of a block boundary.
std::size_t FileWriter::pwrite_blocks(const char* src, std::size_t n, Clock::duration& waited) {
  const auto t0 = Clock::now();
  const std::size_t done = pwrite_blocks_at(src, n, base_);
  waited = Clock::now() - t0;
  in_writes_ += waited;
  return done;
}

// The I/O thread's part too: it reads only fd_ and path_, which do not change while it runs.
std::size_t FileWriter::pwrite_blocks_at(const char* src, std::size_t n, std::uint64_t offset) const {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::pwrite(fd_, src + done, n - done, static_cast<off_t>(offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno != EINVAL) throw Error(ErrorCode::kIo, "cannot write " + path_ + ": " + std::strerror(errno));
    if (w <= 0 || static_cast<std::size_t>(w) % kAlign != 0) {
      if (w > 0) done += static_cast<std::size_t>(w);
      break;
    }
    done += static_cast<std::size_t>(w);
  }
  return done;
}

// Writes the first n bytes of staging_ (whole blocks) directly and keeps the rest staged. Falls back to
// the page cache when a direct write is refused, and when the device is what the run waits on.
void FileWriter::write_staged_blocks(std::size_t n) {
  Clock::duration waited{};
  const std::size_t done = pwrite_blocks(staging_.get(), n, waited);
  std::memmove(staging_.get(), staging_.get() + done, staged_ - done);
  base_ += done;
  staged_ -= done;
  visible_ = visible_ > done ? visible_ - done : 0;
  if (done < n) return leave_direct();
  judge(waited, n);
}

void FileWriter::write_in_place(char* p, std::size_t n, std::size_t headroom) {
  collect_flight();
  if (direct_ && staged_ > headroom) write_staged_blocks(staged_ / kAlign * kAlign);  // back to a partial block
  if (!direct_ || staged_ > headroom || staged_ + n < kAlign ||
      (reinterpret_cast<std::uintptr_t>(p) - staged_) % kAlign != 0) {
    return write_all(p, n);
  }
  char* const block = p - staged_;
  std::memcpy(block, staging_.get(), staged_);
  const std::size_t total = staged_ + n;
  const std::size_t whole = total / kAlign * kAlign;
  Clock::duration waited{};
  const std::size_t done = pwrite_blocks(block, whole, waited);
  base_ += done;
  staged_ = visible_ = 0;
  if (done < whole) {
    leave_direct();
    return write_through(block + done, total - done);
  }
  in_place_bytes_ += whole;
  staged_ = total - whole;
  std::memcpy(staging_.get(), block + whole, staged_);
  judge(waited, whole);
}

void FileWriter::judge(Clock::duration waited, std::size_t bytes) {
  waited_ += waited;
  window_bytes_ += bytes;
  if (window_bytes_ < limits_.window_bytes) return;
  const auto now = Clock::now();
  const bool device_bound =
      waited_.count() >= limits_.device_bound_share * static_cast<double>((now - window_start_).count());
  window_start_ = now;
  window_bytes_ = 0;
  waited_ = {};
  if (device_bound) leave_direct();
}

void FileWriter::pwrite_all(const char* p, std::size_t n, std::uint64_t offset) {
  const auto t0 = Clock::now();
  while (n > 0) {
    const ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::kIo, "cannot write " + path_ + ": " + std::strerror(errno));
    }
    p += w;
    offset += static_cast<std::uint64_t>(w);
    n -= static_cast<std::size_t>(w);
  }
  in_writes_ += Clock::now() - t0;
}

void FileWriter::write_through(const char* p, std::size_t n) {
  const auto t0 = Clock::now();
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::kIo, "cannot write " + path_ + ": " + std::strerror(errno));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  in_writes_ += Clock::now() - t0;
}

void FileWriter::close() {
  flush();
  stop_io();
  direct_ = false;
  if (owns_ && fd_ >= 0) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw Error(ErrorCode::kIo, "cannot close " + path_ + ": " + std::strerror(errno));
  }
}

}  // namespace dnslens
