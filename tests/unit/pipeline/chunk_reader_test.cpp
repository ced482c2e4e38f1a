// A plain file's jobs are byte ranges that the workers read themselves: what happens when the file
// shrinks under the run, and when a read fails.
#include "pipeline/chunk_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../compress_helpers.hpp"

namespace dnslens {
namespace {

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& content, const std::string& suffix = ".jsonl")
      : path(std::filesystem::temp_directory_path() / ("dnslens-chunk-reader-" + std::to_string(::getpid()) + suffix)) {
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

std::string numbered_lines(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += "{\"query_name\":\"host" + std::to_string(i) + ".example.com.\"}\n";
  return text;
}

// The ranges cover the file as it was opened; a file cut short under the run yields the whole lines
// still there and its cut last line (as a stream's last line without a newline), nothing twice, and
// ends as a file read ok.
TEST(ChunkReader, AFileThatShrinksWhileItsRangesAreReadLosesOnlyWhatIsGone) {
  const std::string text = numbered_lines(2000);
  TempFile file(text);
  SourceConfig config;
  config.max_line_bytes = 1024;
  const std::vector<std::string> sources = {file.path.string()};
  const std::vector<std::string> problems = {""};
  ReaderProgress progress;
  const std::size_t cut = 10000;
  ASSERT_NE(text[cut - 1], '\n');
  {
    ChunkReader reader(config, 4096, sources, problems, progress, true);
    Job job;
    std::string seen;
    bool first = true;
    while (reader.next(job)) {
      ASSERT_EQ(job.kind, Job::Kind::kRange);
      if (first) std::filesystem::resize_file(file.path, cut);  // after the ranges were set out
      first = false;
      ChunkReader::read_range(job, config);
      ASSERT_EQ(job.kind, Job::Kind::kLines);
      EXPECT_TRUE(job.file_errors.empty());
      seen.append(job.input.data(), job.size);
    }
    EXPECT_EQ(seen, text.substr(0, cut));
  }
  EXPECT_EQ(progress.files_ok.load(), 1u);
  EXPECT_EQ(progress.files_failed.load(), 0u);
}

// A read that fails (here: the descriptor is a directory's) is the file's failure, named with the
// offset; the job carries no partial line.
TEST(ChunkReader, AReadErrorFailsTheFileAndNamesIt) {
  ReaderProgress progress;
  const int fd = ::open(std::filesystem::temp_directory_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  SourceConfig config;
  {
    Job job;
    job.kind = Job::Kind::kRange;
    job.file = std::make_shared<PlainFile>(fd, "logs/day.jsonl", 0, 100000, 1 << 20, progress);
    job.file->ended = true;
    job.range_begin = 5000;
    job.range_end = 9000;
    ChunkReader::read_range(job, config);
    EXPECT_EQ(job.kind, Job::Kind::kLines);
    EXPECT_EQ(job.size, 0u);
    ASSERT_EQ(job.file_errors.size(), 1u);
    EXPECT_NE(job.file_errors[0].find("cannot read logs/day.jsonl at byte 4999"), std::string::npos)
        << job.file_errors[0];
    EXPECT_TRUE(job.file->failed.load());
    EXPECT_TRUE(job.read_failed);  // the writer drops the file's later jobs
  }
  EXPECT_EQ(progress.files_failed.load(), 1u);  // counted once its last job lets go
  EXPECT_EQ(progress.files_ok.load(), 0u);
}

// A gzip file and stdin are streams: only a regular uncompressed file comes in ranges, and it comes
// in ranges of the job size, in order.
TEST(ChunkReader, OnlyPlainFilesComeInRanges) {
  const std::string text = numbered_lines(500);
  TempFile file(text);
  SourceConfig config;
  const std::vector<std::string> sources = {file.path.string()};
  const std::vector<std::string> problems = {""};
  ReaderProgress progress;
  ChunkReader reader(config, 1000, sources, problems, progress, true);
  Job job;
  std::uint64_t expected_begin = 0;
  while (reader.next(job)) {
    ASSERT_EQ(job.kind, Job::Kind::kRange);
    EXPECT_EQ(job.range_begin, expected_begin);
    EXPECT_EQ(job.range_end, std::min<std::uint64_t>(expected_begin + 1000, text.size()));
    expected_begin = job.range_end;
  }
  EXPECT_EQ(expected_begin, text.size());

  TempFile gz(testing::gzip_member(text), ".jsonl.gz");
  const std::vector<std::string> gz_sources = {gz.path.string()};
  ChunkReader gz_reader(config, 1000, gz_sources, problems, progress, true);
  std::string seen;
  while (gz_reader.next(job)) {
    ASSERT_EQ(job.kind, Job::Kind::kLines);
    seen.append(job.input.data(), job.size);
  }
  EXPECT_EQ(seen, text);
}

}  // namespace
}  // namespace dnslens
