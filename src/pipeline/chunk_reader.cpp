#include "pipeline/chunk_reader.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/stop_signal.hpp"
#include "io/decoders.hpp"
#include "sources/envelope_decoder.hpp"

namespace dnslens {

namespace {
constexpr std::size_t kPadding = simdjson::SIMDJSON_PADDING;

// Reads up to n bytes at offset; fewer only at the end of the file. Throws Error naming the file.
std::size_t pread_full(const PlainFile& file, char* dst, std::size_t n, std::uint64_t offset) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(file.fd, dst + got, n - got, static_cast<off_t>(offset + got));
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::kIo,
                  fmt::format("cannot read {} at byte {}: {}", file.label, offset + got, std::strerror(errno)));
    }
    got += static_cast<std::size_t>(r);
  }
  return got;
}

// The dead letter of a line too long for the largest chunk: its head; the caller sets raw_total once it
// has skipped to the line's end. Counted as bad.
DeadLetter& dead_letter_too_long(Job& job, std::uint64_t line, std::string_view head, std::size_t max_line_bytes) {
  DeadLetter& d = job.dead.emplace_back();
  d.line = line;
  d.reason = BadReason::kLineTooLong;
  d.detail = fmt::format("line longer than --max-line-bytes ({})", max_line_bytes);
  d.raw.assign(head.substr(0, kDeadLetterRawBytes));
  ++job.counters.bad[static_cast<std::size_t>(BadReason::kLineTooLong)];
  return d;
}

// The partial line after a job's last whole line, when its input failed (reason). Counted as bad.
void dead_letter_truncated(Job& job, std::string_view partial, std::string_view reason) {
  DeadLetter& d = job.dead.emplace_back();
  d.line = kAfterJob;
  d.reason = BadReason::kTruncatedInput;
  d.detail = std::string(reason);
  d.raw.assign(partial.substr(0, kDeadLetterRawBytes));
  d.raw_total = partial.size();
  ++job.counters.bad[static_cast<std::size_t>(BadReason::kTruncatedInput)];
}

// Room for n bytes at job.input[at] and the padding after them.
char* room(Job& job, std::size_t at, std::size_t n) {
  if (job.input.size() < at + n + kPadding) job.input.resize(at + n + kPadding);
  return job.input.data() + at;
}
}  // namespace

PlainFile::~PlainFile() {
  ::close(fd);
  // A file the reader stopped handing out (a stop request) ends neither way, as a stopped stream.
  if (ended) (failed.load() ? progress.files_failed : progress.files_ok).fetch_add(1, std::memory_order_relaxed);
}

ChunkReader::ChunkReader(const SourceConfig& config, std::size_t batch_bytes, const std::vector<std::string>& sources,
                         const std::vector<std::string>& problems, ReaderProgress& progress, bool plain_in_ranges)
    : config_(config),
      sources_(sources),
      problems_(problems),
      progress_(progress),
      plain_in_ranges_(plain_in_ranges),
      chunk_bytes_(std::max<std::size_t>(batch_bytes, 1)),
      max_chunk_bytes_(config.max_chunk_bytes(chunk_bytes_)) {
  leftover_.reserve(chunk_bytes_);
}

ChunkReader::~ChunkReader() = default;

std::size_t ChunkReader::read_some(char* dst, std::size_t cap) {
  std::size_t n = source_->read(dst, cap);
  if (raw_) progress_.raw_bytes_current.store(raw_->raw_bytes_consumed(), std::memory_order_relaxed);
  return n;
}

void ChunkReader::finish_source(bool ok) {
  if (raw_) progress_.raw_bytes_done.fetch_add(raw_->raw_bytes_consumed(), std::memory_order_relaxed);
  progress_.raw_bytes_current.store(0, std::memory_order_relaxed);
  (ok ? progress_.files_ok : progress_.files_failed).fetch_add(1, std::memory_order_relaxed);
  source_.reset();
  raw_ = nullptr;
  origin_.reset();
  leftover_.clear();
}

bool ChunkReader::open_next_source(Job& job) {
  current_index_ = static_cast<std::uint32_t>(next_source_);
  const std::string& path = sources_[next_source_++];
  const std::string label = path == "-" ? "<stdin>" : path;
  struct stat st {};
  live_ = path == "-" && ::fstat(STDIN_FILENO, &st) == 0 && !S_ISREG(st.st_mode);
  source_eof_ = false;
  try {
    if (current_index_ < problems_.size() && !problems_[current_index_].empty()) {
      throw Error(ErrorCode::kIo, problems_[current_index_]);
    }
    OpenedInput opened = open_input(path, config_.limits);
    // The source is owned before anything reads it, so raw_ (inside it) outlives any failure below.
    auto peekable = std::make_unique<PeekableSource>(std::move(opened.source));
    PeekableSource& head = *peekable;
    source_ = std::move(peekable);
    raw_ = opened.raw;
    // A UTF-8 byte-order mark (editors on Windows write one) is not part of the first record.
    const bool bom = head.peek(3, live_).starts_with("\xEF\xBB\xBF");
    if (bom) head.skip_peeked(3);
    InputFormat format = config_.format;
    // On a live pipe, the first line is enough to decide: waiting for 4 KiB could wait forever.
    if (format == InputFormat::kAuto) format = sniff_input_format(head.peek(4096, live_));
    if (plain_in_ranges_ && format == InputFormat::kJsonLines && opened.compression == Compression::kNone &&
        path != "-" && open_plain_file(path, bom ? 3 : 0)) {
      source_.reset();  // the workers read it in ranges
      raw_ = nullptr;
      return true;
    }
    if (format == InputFormat::kCloudWatch || format == InputFormat::kFirehose) {
      // Envelopes are decoded whole (bounded), then served as plain lines.
      std::string text;
      std::size_t pos = 0;
      while (true) {
        if (pos >= config_.max_envelope_bytes) {
          throw Error(ErrorCode::kEnvelope,
                      fmt::format("{}: envelope input larger than {} bytes", label, config_.max_envelope_bytes));
        }
        text.resize(pos + (1 << 20));
        std::size_t n = read_some(text.data() + pos, text.size() - pos);
        if (n == 0) break;
        pos += n;
      }
      text.resize(pos);
      DecodedEnvelopes decoded = decode_envelopes(text, format, label, config_.limits);
      job.kind = Job::Kind::kPassThrough;
      job.source_index = current_index_;
      for (auto& problem : decoded.problems) {
        DeadLetter& d = job.dead.emplace_back();
        d.envelope = problem.index;
        d.reason = BadReason::kBadEnvelope;
        d.detail = std::move(problem.reason);
        d.raw = std::move(problem.raw);
        d.raw_total = d.raw.size();
        ++job.counters.bad[static_cast<std::size_t>(BadReason::kBadEnvelope)];
      }
      // The file is consumed: account for it now, then serve the decoded records from memory.
      progress_.raw_bytes_done.fetch_add(raw_ ? raw_->raw_bytes_consumed() : 0, std::memory_order_relaxed);
      progress_.raw_bytes_current.store(0, std::memory_order_relaxed);
      raw_ = nullptr;
      origin_ = std::make_shared<const std::vector<std::uint64_t>>(std::move(decoded.origin));
      source_ = std::make_unique<MemoryByteSource>(std::move(decoded.records));
    }
    return true;
  } catch (const Error& e) {
    job.kind = Job::Kind::kPassThrough;
    job.source_index = current_index_;
    job.file_errors.push_back(e.what());
    finish_source(false);
    return false;
  }
}

bool ChunkReader::open_plain_file(const std::string& path, std::uint64_t start) {
  // Only a regular file; O_NONBLOCK so that a FIFO swapped in meanwhile cannot hold the open.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;  // read as a stream, which reports the problem
  // An empty size is a stream too: procfs and sysfs files say 0 and have content.
  const int flags = ::fcntl(fd, F_GETFL);
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
      static_cast<std::uint64_t>(st.st_size) < start || flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    ::close(fd);
    return false;
  }
#ifdef POSIX_FADV_SEQUENTIAL
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  plain_ =
      std::make_shared<PlainFile>(fd, path, start, static_cast<std::uint64_t>(st.st_size), max_chunk_bytes_, progress_);
  plain_next_ = start;
  return true;
}

void ChunkReader::read_range(Job& job, const SourceConfig& config) {
  if (job.kind != Job::Kind::kRange) return;
  job.kind = Job::Kind::kLines;
  job.size = 0;
  PlainFile& file = *job.file;
  const std::uint64_t end = job.range_end;
  std::uint64_t begin = job.range_begin;
  std::uint64_t consumed = 0;  // of the range, for the progress
  std::size_t size = 0;
  try {
    // The first line that starts in the range: after the first newline at begin - 1 or later (the
    // newline at end - 1 starts the next range's line). At the file's start, begin is a line's start.
    if (begin > file.start) {
      std::uint64_t pos = begin - 1;
      std::size_t probe = 4096;
      bool found = false;
      while (pos + 1 < end) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(probe, end - 1 - pos));
        char* buf = room(job, 0, want);
        const std::size_t got = pread_full(file, buf, want, pos);
        if (const void* nl = std::memchr(buf, '\n', got)) {
          begin = pos + static_cast<std::uint64_t>(static_cast<const char*>(nl) - buf) + 1;
          found = true;
          break;
        }
        pos += got;
        if (got < want) break;  // the file ends (it shrank since it was opened)
        probe = std::min<std::size_t>(2 * probe, std::size_t{1} << 20);
      }
      if (!found) {
        file.progress.raw_bytes_done.fetch_add(pos + 1 - job.range_begin, std::memory_order_relaxed);
        std::memset(room(job, 0, 0), 0, kPadding);
        return;  // no line starts here
      }
    }
    const std::size_t want = static_cast<std::size_t>(end - begin);
    size = pread_full(file, room(job, 0, want), want, begin);
    consumed = std::min(begin + size, end) - job.range_begin;
    if (size == want && size > 0 && job.input[size - 1] != '\n') {
      // The last line runs on past the range: read on to its newline, or the end of the file.
      const char* const data = job.input.data();
      const void* prev = ::memrchr(data, '\n', size);
      const std::size_t line_start = prev ? static_cast<std::size_t>(static_cast<const char*>(prev) - data) + 1 : 0;
      // As the stream reader: a line whose newline is not within its largest chunk is too long.
      const std::size_t limit = file.line_limit;
      while (true) {
        const std::size_t line = size - line_start;
        if (line >= limit) {
          // Too long: its head is dead-lettered, the rest skipped to its newline, as the reader does.
          DeadLetter& d = dead_letter_too_long(
              job, static_cast<std::uint64_t>(std::count(job.input.data(), job.input.data() + line_start, '\n')),
              std::string_view(job.input.data() + line_start, line), config.max_line_bytes);
          std::uint64_t total = line;
          std::uint64_t at = begin + size;
          size = line_start;  // the scratch below overwrites the line's head
          char* scratch = room(job, line_start, 64 * 1024);
          while (true) {
            const std::size_t got = pread_full(file, scratch, 64 * 1024, at);
            if (const void* nl = std::memchr(scratch, '\n', got)) {
              total += static_cast<std::uint64_t>(static_cast<const char*>(nl) - scratch);
              at += static_cast<std::uint64_t>(static_cast<const char*>(nl) - scratch) + 1;
              break;
            }
            total += got;
            at += got;
            if (got < 64 * 1024) break;
          }
          d.raw_total = total;
          job.line_count = 1;  // the processor counts the lines before it
          break;
        }
        const std::size_t more = std::min<std::size_t>(64 * 1024, limit - line);
        char* tail = room(job, size, more);
        const std::size_t got = pread_full(file, tail, more, begin + size);
        if (const void* nl = std::memchr(tail, '\n', got)) {
          size += static_cast<std::size_t>(static_cast<const char*>(nl) - tail) + 1;
          break;
        }
        size += got;
        if (got < more) break;  // the file's last line, without a newline
      }
    }
  } catch (const Error& e) {
    // As a stream that fails: the whole lines read before the failure go through, the partial line
    // after them is dead-lettered as truncated, and the file is reported failed (the writer drops the
    // file's later jobs, as a stream ends at its failure).
    std::size_t whole = size;
    while (whole > 0 && job.input[whole - 1] != '\n') --whole;
    job.dead.clear();
    job.line_count = 0;
    job.counters = RunCounters{};
    if (whole < size) dead_letter_truncated(job, std::string_view(job.input.data() + whole, size - whole), e.what());
    size = whole;
    job.file_errors.push_back(e.what());
    job.read_failed = true;
    file.failed.store(true, std::memory_order_relaxed);
  }
  if (job.range_begin == file.start) consumed += file.start;  // a byte-order mark was read too
  file.progress.raw_bytes_done.fetch_add(consumed, std::memory_order_relaxed);
  job.size = size;
  std::memset(room(job, size, 0), 0, kPadding);
}

bool ChunkReader::next(Job& job) {
  job.reset_results();
  job.seq = seq_++;
  while (true) {
    if (stop_signal() != 0) {
      // Stopped: what is in hand is dropped (it is not a whole line), and no input is opened again.
      if (source_) {
        leftover_.clear();
        source_.reset();
        raw_ = nullptr;
      }
      plain_.reset();
      return false;
    }
    if (plain_) {
      if (plain_next_ < plain_->size) {
        job.kind = Job::Kind::kRange;
        job.source_index = current_index_;
        job.file = plain_;
        job.range_begin = plain_next_;
        job.range_end = plain_next_ + std::min<std::uint64_t>(chunk_bytes_, plain_->size - plain_next_);
        plain_next_ = job.range_end;
        if (plain_next_ == plain_->size) {
          plain_->ended = true;  // counted when its last job is released
          plain_.reset();
        }
        return true;
      }
      plain_->ended = true;  // nothing past a byte-order mark
      plain_.reset();
      continue;
    }
    if (!source_) {
      if (next_source_ >= sources_.size()) return false;
      if (!open_next_source(job)) return true;  // a pass-through job carrying the file error
      if (plain_) continue;                     // handed out in ranges
      if (job.kind == Job::Kind::kPassThrough && !job.dead.empty()) {
        job.origin = origin_;
        return true;  // envelope problems first; the lines follow in the next jobs
      }
      job.kind = Job::Kind::kLines;
    }
    job.source_index = current_index_;
    job.origin = origin_;
    // The job's room: the batch size, or twice the partial line carried over (a long line's head).
    std::size_t capacity = chunk_bytes_;
    while (capacity < max_chunk_bytes_ && capacity < 2 * leftover_.size())
      capacity = std::min(2 * capacity, max_chunk_bytes_);
    job.input.resize(capacity + kPadding);
    std::size_t filled = leftover_.size();
    std::memcpy(job.input.data(), leftover_.data(), filled);
    leftover_.clear();
    std::string failure;
    std::size_t cut = 0;
    while (true) {
      try {
        while (!source_eof_ && filled < capacity && stop_signal() == 0) {
          const std::size_t want = capacity - filled;
          std::size_t n = read_some(job.input.data() + filled, want);
          if (n == 0) source_eof_ = true;
          filled += n;
          if (live_ && n > 0 && n < want && std::memchr(job.input.data() + filled - n, '\n', n)) break;
        }
      } catch (const Error& e) {
        failure = e.what();
        source_eof_ = true;
      }
      // Whole lines only; the partial last line waits for the next chunk.
      cut = filled;
      while (cut > 0 && job.input[cut - 1] != '\n') --cut;
      // No whole line in a full chunk: it grows (doubling) until the line fits or the chunk is largest.
      if (cut > 0 || filled < capacity || source_eof_ || capacity == max_chunk_bytes_ || stop_signal() != 0) break;
      capacity = std::min(2 * capacity, max_chunk_bytes_);
      job.input.resize(capacity + kPadding);
    }
    char* data = job.input.data();
    if (cut == 0 && filled == capacity && capacity == max_chunk_bytes_ && source_eof_ == false) {
      // One line longer than a whole chunk: dead-letter its head, skip to its end.
      // A chunk may be smaller than the head kept.
      DeadLetter& d = dead_letter_too_long(job, 0, std::string_view(data, filled), config_.max_line_bytes);
      std::uint64_t total = filled;
      try {
        while (true) {
          std::size_t n = read_some(data, capacity);
          if (n == 0) {
            source_eof_ = true;
            break;
          }
          const char* nl = static_cast<const char*>(std::memchr(data, '\n', n));
          if (nl) {
            total += static_cast<std::size_t>(nl - data);
            leftover_.assign(nl + 1, static_cast<const char*>(data + n));
            break;
          }
          total += n;
        }
      } catch (const Error& e) {
        failure = e.what();
        source_eof_ = true;
      }
      d.raw_total = total;
      job.line_count = 1;
      job.kind = Job::Kind::kPassThrough;
      if (!failure.empty()) {
        job.file_errors.push_back(failure);
        finish_source(false);
      }
      return true;
    }
    const bool stopping = stop_signal() != 0;
    // A last line without newline is a line, unless the input was cut short by a stop request.
    if (source_eof_ && failure.empty() && !stopping) cut = filled;
    leftover_.assign(data + cut, data + filled);
    job.size = cut;
    std::memset(data + cut, 0, kPadding);
    if (!failure.empty()) {
      // The stream failed: whatever came before the failure is processed, the rest is reported.
      if (!leftover_.empty()) dead_letter_truncated(job, std::string_view(leftover_.data(), leftover_.size()), failure);
      job.file_errors.push_back(failure);
      finish_source(false);
    } else if (source_eof_ && cut == filled && !stopping) {
      finish_source(true);
    }
    if (job.size == 0 && job.dead.empty() && job.file_errors.empty()) continue;
    return true;
  }
}

}  // namespace dnslens
