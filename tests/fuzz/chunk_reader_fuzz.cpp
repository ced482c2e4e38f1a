// Fuzz target: the run's input stage (codec detection, gzip and zstd decoding with their limits,
// envelope detection and decoding, line cutting) on hostile files. The first byte picks the input
// format, the decompression limits, whether the rest is gzipped first (so the line logic is reached
// through the decoder too) and whether jobs are smaller than the longest line (so they grow). Every
// input is read twice: with plain files in ranges (each read as a worker would) and as a stream; both
// must give the same lines and dead letters. Every job must hold whole lines inside its buffer,
// followed by zeroed padding, and an input must end as ok or failed exactly once.
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include <simdjson.h>

#include "pipeline/chunk_reader.hpp"
#include "pipeline/job.hpp"
#include "pipeline/pipeline_config.hpp"

namespace {

std::string gzip(const std::uint8_t* data, std::size_t size) {
  z_stream s{};
  deflateInit2(&s, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&s, size) + 64, '\0');
  s.next_in = const_cast<Bytef*>(data);
  s.avail_in = static_cast<uInt>(size);
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string content =
      (mode & 0x10) ? gzip(data + 1, size - 1) : std::string(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((mode & 0x60) == 0x60 && content.size() > 8) content.resize(content.size() / 2);  // truncated archive

  // A memory file, so each input is a real file descriptor without touching the disk.
  const int fd = ::memfd_create("chunk-reader-fuzz", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (!content.empty() && ::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    ::close(fd);
    return 0;
  }
  dnslens::SourceConfig config;
  const dnslens::InputFormat formats[] = {dnslens::InputFormat::kAuto, dnslens::InputFormat::kJsonLines,
                                          dnslens::InputFormat::kCloudWatch, dnslens::InputFormat::kFirehose};
  config.format = formats[mode & 3];
  config.max_line_bytes = 1024;
  config.max_envelope_bytes = 1 << 20;
  config.limits.max_output_bytes = (mode & 4) ? 1000 : (8u << 20);
  config.limits.max_ratio = (mode & 8) ? 3.0 : 100.0;
  config.limits.ratio_grace_bytes = (mode & 8) ? 64 : (16u << 20);
  const std::vector<std::string> sources = {"/proc/self/fd/" + std::to_string(fd), "/nonexistent/input"};
  const std::vector<std::string> problems = {"", ""};
  // Plain files are read twice, in ranges as the workers read them and as a stream: the same lines,
  // the same dead letters at the same line numbers.
  struct Seen {
    std::string lines;                                                               // input 0's jobs
    std::vector<std::tuple<std::uint64_t, dnslens::BadReason, std::uint64_t>> dead;  // line, reason, raw_total
  };
  Seen seen[2];
  for (const bool in_ranges : {true, false}) {
    Seen& out = seen[in_ranges ? 0 : 1];
    std::uint64_t line_base = 1;
    dnslens::ReaderProgress progress;
    {
      // Batches smaller than the longest line (0x80), so a chunk grows to hold one line before it
      // dead-letters a longer one.
      const std::size_t batch_bytes = (mode & 0x80) ? 1500 : dnslens::kDefaultBatchInputBytes;
      dnslens::ChunkReader reader(config, batch_bytes, sources, problems, progress, in_ranges);
      dnslens::Job job;
      std::size_t jobs = 0;
      // Plain lines (neither compressed nor an envelope): every byte of the file is in exactly one job,
      // or in a dead letter's count (a line too long for the largest chunk and its newline, a truncated
      // tail), or is a skipped byte-order mark.
      const bool plain = config.format == dnslens::InputFormat::kJsonLines && !content.starts_with("\x1f\x8b") &&
                         !content.starts_with("\x28\xb5\x2f\xfd");
      std::uint64_t accounted = content.starts_with("\xEF\xBB\xBF") ? 3 : 0;
      bool ended_without_newline = false;
      while (reader.next(job)) {
        if (++jobs > 100000) __builtin_trap();  // a reader that never ends
        // A plain file comes as ranges, which a worker reads (here, in order).
        if (job.kind == dnslens::Job::Kind::kRange && (!in_ranges || !job.file || job.range_begin >= job.range_end))
          __builtin_trap();
        dnslens::ChunkReader::read_range(job, config);
        if (job.kind == dnslens::Job::Kind::kRange) __builtin_trap();
        if (job.size > job.input.size()) __builtin_trap();
        if (job.kind == dnslens::Job::Kind::kLines && job.size > 0) {
          if (job.input.size() < job.size + simdjson::SIMDJSON_PADDING) __builtin_trap();
          for (std::size_t i = 0; i < simdjson::SIMDJSON_PADDING; ++i) {
            if (job.input[job.size + i] != 0) __builtin_trap();
          }
          // Whole lines: only an input's last job may end without a newline.
          if (job.source_index == 0) {
            if (ended_without_newline) __builtin_trap();
            ended_without_newline = job.input[job.size - 1] != '\n';
          }
        }
        if (job.source_index == 0) {
          // The job's lines as the processor would count them, on top of a too-long one the reader counted.
          std::uint64_t lines = job.line_count;
          if (job.kind == dnslens::Job::Kind::kLines) {
            accounted += job.size;
            out.lines.append(job.input.data(), job.size);
            lines += static_cast<std::uint64_t>(std::count(job.input.data(), job.input.data() + job.size, '\n'));
            if (job.size > 0 && job.input[job.size - 1] != '\n') ++lines;
          }
          for (const auto& d : job.dead) {
            if (d.reason == dnslens::BadReason::kLineTooLong) accounted += d.raw_total + 1;
            if (d.reason == dnslens::BadReason::kTruncatedInput) accounted += d.raw_total;
            const std::uint64_t line = d.line == dnslens::kNoLine     ? 0
                                       : d.line == dnslens::kAfterJob ? line_base + lines
                                                                      : line_base + d.line;
            out.dead.emplace_back(line, d.reason, d.raw_total);
          }
          line_base += lines;
        }
        for (const auto& d : job.dead) {
          if (d.raw.size() > dnslens::kDeadLetterRawBytes || d.reason >= dnslens::BadReason::kCount) __builtin_trap();
        }
      }
      // A too-long line at the very end has no newline to count.
      if (plain && accounted != content.size() && !(accounted == content.size() + 1 && !content.ends_with('\n')))
        __builtin_trap();
    }
    // Both inputs ended, each exactly once; the missing one failed.
    if (progress.files_ok + progress.files_failed != 2 || progress.files_failed == 0) __builtin_trap();
  }
  std::sort(seen[0].dead.begin(), seen[0].dead.end());
  std::sort(seen[1].dead.begin(), seen[1].dead.end());
  if (seen[0].lines != seen[1].lines || seen[0].dead != seen[1].dead) __builtin_trap();
  ::close(fd);
  return 0;
}
