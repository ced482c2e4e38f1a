#include "io/byte_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/stop_signal.hpp"

namespace dnslens {

FileByteSource::FileByteSource(const std::string& path) : path_(path) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    owns_fd_ = false;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (owns_fd_) ::close(fd_);
    fd_ = -1;
    throw Error(ErrorCode::kIo, "cannot read " + path + ": it is a directory");
  }
  regular_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
  if (path == "-") return;
#ifdef POSIX_FADV_SEQUENTIAL
  (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
}

FileByteSource::~FileByteSource() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

std::size_t FileByteSource::read(char* dst, std::size_t capacity) {
  while (!regular_) {
    // A pipe or socket may stay silent for ever: wait in slices so a stop request ends the input.
    if (stop_signal() != 0) return 0;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready > 0) break;
    if (ready < 0 && errno != EINTR) break;  // the read below reports the error
  }
  while (true) {
    ssize_t n = ::read(fd_, dst, capacity);
    if (n >= 0) {
      consumed_ += static_cast<std::uint64_t>(n);
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    throw Error(ErrorCode::kIo, "cannot read " + path_ + ": " + std::strerror(errno));
  }
}

std::size_t MemoryByteSource::read(char* dst, std::size_t capacity) {
  std::size_t n = std::min(capacity, data_.size() - pos_);
  std::memcpy(dst, data_.data() + pos_, n);
  pos_ += n;
  return n;
}

std::string_view PeekableSource::peek(std::size_t n, bool until_newline) {
  while (head_.size() < n && !inner_eof_) {
    if (until_newline && head_.find('\n', head_pos_) != std::string::npos) break;
    std::size_t old = head_.size();
    head_.resize(n);
    std::size_t got = 0;
    try {
      got = inner_->read(head_.data() + old, n - old);
    } catch (const Error& e) {
      pending_error_ = e;
    }
    head_.resize(old + got);
    if (got == 0) inner_eof_ = true;
  }
  return std::string_view(head_).substr(head_pos_);
}

void PeekableSource::skip_peeked(std::size_t n) { head_pos_ += std::min(n, head_.size() - head_pos_); }

std::size_t PeekableSource::read(char* dst, std::size_t capacity) {
  if (head_pos_ < head_.size()) {
    std::size_t n = std::min(capacity, head_.size() - head_pos_);
    std::memcpy(dst, head_.data() + head_pos_, n);
    head_pos_ += n;
    if (head_pos_ == head_.size()) {
      head_.clear();
      head_pos_ = 0;
    }
    return n;
  }
  if (pending_error_) throw *pending_error_;
  if (inner_eof_) return 0;
  return inner_->read(dst, capacity);
}

}  // namespace dnslens
