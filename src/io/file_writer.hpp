#pragma once
// The file descriptor under every output sink. A bulk output to a regular file goes around the page
// cache (O_DIRECT), through one aligned staging buffer or, with write_in_place, straight from the
// caller's buffer: copying each output byte into freshly
// allocated page-cache pages cost the kernel as much CPU as parsing the input, and nothing reads the
// run's output back soon. When the device cannot keep up (the writer waits on it nearly all the time,
// as on a slow network volume), the rest of the file goes through the page cache as usual, so the run
// can end before the device has every byte. A file system without direct I/O, a pipe, a
// device, stdout and appended files are written as usual from the start.
//
// Direct writes go out in whole blocks at tracked offsets. flush() makes every byte visible: the whole
// blocks directly, the partial last block through the page cache; that block stays staged and is
// written again, directly, once it fills.
//
// A full staging buffer is written by an I/O thread of the writer's own while the caller copies on into
// a second buffer; the caller waits only when both are full (and in flush, close, write_in_place and the
// switch to the page cache, which first collect the buffer in flight). A write that failed in flight is
// tried again by the next call that collects it and thrown if it fails again; the buffer stays in
// flight until it is written, so a failure (a full disk) leaves no hole in the file.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace dnslens {

enum class OpenMode { kTruncate, kAppend };
// kBulk: a large sequential output that nothing reads back soon (the enriched records).
enum class WriteHint { kSmall, kBulk };

// When a bulk file's device counts as too slow for direct writes: the writer waited on it for at least
// device_bound_share of the wall time while window_bytes went out.
struct DirectWriteLimits {
  std::size_t window_bytes = 256 << 20;
  double device_bound_share = 0.95;
};

class FileWriter {
 public:
  // path "-" is stdout. Throws Error(kIo) when the file cannot be opened.
  FileWriter(const std::string& path, OpenMode mode, WriteHint hint, DirectWriteLimits limits = {});
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void write_all(const char* p, std::size_t n);
  // write_all for a caller that left `headroom` writable bytes in front of p. When the staged partial
  // block fits there and lands on a block boundary, it is copied in front and the whole blocks are
  // written straight from the caller's buffer (no copy into staging); otherwise this is write_all.
  void write_in_place(char* p, std::size_t n, std::size_t headroom);
  // Makes everything written so far visible in the file (the pipeline calls it when no job has come
  // for 100 ms, so a live stream's output appears as it comes).
  void flush();
  // Flushes and closes the file; throws Error(kIo) when either fails.
  void close();
  // Whether writes currently bypass the page cache.
  [[nodiscard]] bool direct() const { return direct_; }
  // Bytes written directly from callers' buffers by write_in_place.
  [[nodiscard]] std::uint64_t in_place_bytes() const { return in_place_bytes_; }
  // Whether this file started with direct writes (and, unlike direct(), stays so after falling back).
  [[nodiscard]] bool started_direct() const { return started_direct_; }
  // Seconds the caller spent in write system calls or waiting for the I/O thread's: the device's share
  // of the writer's time.
  [[nodiscard]] double seconds_in_writes() const { return std::chrono::duration<double>(in_writes_).count(); }

  static constexpr std::size_t kStagingBytes = 8 << 20;

 private:
  using Clock = std::chrono::steady_clock;
  struct FreeAligned {
    void operator()(char* p) const { std::free(p); }
  };

  void try_direct();
  void leave_direct();
  void continue_after_staged();
  [[nodiscard]] bool set_direct_flag(bool on);
  void clear_direct_flag();
  void write_staged_blocks(std::size_t n);
  std::size_t pwrite_blocks(const char* src, std::size_t n, Clock::duration& waited);
  [[nodiscard]] std::size_t pwrite_blocks_at(const char* src, std::size_t n, std::uint64_t offset) const;
  void submit_staged();
  void collect_flight();
  void io_loop();
  void stop_io();
  void pwrite_all(const char* p, std::size_t n, std::uint64_t offset);
  void write_through(const char* p, std::size_t n);
  void judge(Clock::duration waited, std::size_t bytes);

  std::string path_;
  int fd_ = -1;
  bool owns_ = true;
  bool direct_ = false;
  bool started_direct_ = false;
  DirectWriteLimits limits_;
  std::unique_ptr<char, FreeAligned> staging_;
  std::uint64_t base_ = 0;        // file offset of staging_[0], a multiple of the alignment
  std::size_t staged_ = 0;        // bytes in staging_
  std::size_t visible_ = 0;       // of those, already in the file through the page cache (flush)
  std::size_t window_bytes_ = 0;  // written directly in the current judging window
  Clock::time_point window_start_{};
  Clock::duration waited_{};  // in direct writes during the window
  std::uint64_t in_place_bytes_ = 0;
  Clock::duration in_writes_{};  // seconds_in_writes

  // The overlapped writes: staging_ fills while flight_ (a full buffer) is written by io_; spare_ is
  // the buffer free for the next swap. Shared fields are guarded by io_mutex_.
  std::unique_ptr<char, FreeAligned> spare_;
  std::unique_ptr<char, FreeAligned> flight_;
  std::uint64_t flight_base_ = 0;
  std::size_t flight_bytes_ = 0;
  bool in_flight_ = false;    // flight_ is the I/O thread's until flight_done_
  bool flight_done_ = false;  // ... and then flight_written_ and flight_error_ say how it went
  std::size_t flight_written_ = 0;
  std::string flight_error_;
  bool io_stop_ = false;
  std::mutex io_mutex_;
  std::condition_variable io_cv_;
  std::thread io_;
};

}  // namespace dnslens
