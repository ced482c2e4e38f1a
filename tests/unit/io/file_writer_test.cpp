#include "io/file_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace dnslens {
namespace {

namespace fs = std::filesystem;

class FileWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dnslens-file-writer-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Whether the kernel opens a file in this directory with O_DIRECT: asked with open(2) itself, not
  // with the statx query FileWriter relies on, so the two are checked against each other.
  [[nodiscard]] bool direct_io_works_here() const {
    const std::string probe = path("probe");
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT, 0644);
    if (fd >= 0) ::close(fd);
    ::unlink(probe.c_str());
    return fd >= 0;
  }

  static std::string read_all(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  // Bytes that differ at every offset, so a block written twice, dropped or shifted shows.
  static std::string pattern(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  }

  fs::path dir_;
};

// Pieces that cross the staging buffer's end at odd offsets, pieces larger than the buffer, pieces of
// one byte: the file holds exactly the bytes written, in order.
TEST_F(FileWriterTest, BulkOutputHoldsEveryByteAcrossStagingBoundaries) {
  constexpr std::size_t kStage = FileWriter::kStagingBytes;
  const std::vector<std::size_t> pieces = {1, 4095, 4097, kStage - 3, 5, kStage + 7, 1, 2 * kStage + 4096, 12345, 0, 3};
  const std::string out = path("bulk.jsonl");
  std::string expected;
  FileWriter w(out, OpenMode::kTruncate, WriteHint::kBulk);
  EXPECT_EQ(w.direct(), direct_io_works_here());
  unsigned seed = 1;
  for (std::size_t n : pieces) {
    const std::string piece = pattern(n, seed++);
    w.write_all(piece.data(), piece.size());
    expected += piece;
  }
  EXPECT_EQ(w.direct(), w.started_direct());  // /tmp keeps up with a test's few MiB
  w.close();
  const std::string got = read_all(out);
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
}

// A live stream's output must show up while the run goes on: after flush() the file holds every byte
// written so far, also a partial last block, which later direct writes cover again at its offset.
TEST_F(FileWriterTest, FlushMakesEveryByteVisibleWhileTheFileStaysOpen) {
  const std::string out = path("live.jsonl");
  FileWriter w(out, OpenMode::kTruncate, WriteHint::kBulk);
  std::string expected;
  unsigned seed = 40;
  for (std::size_t n : {std::size_t{5000}, std::size_t{4000}, std::size_t{1}, std::size_t{0},
                        FileWriter::kStagingBytes + 333, std::size_t{4096}, std::size_t{70000}}) {
    const std::string piece = pattern(n, seed++);
    w.write_all(piece.data(), piece.size());
    expected += piece;
    w.flush();
    const std::string got = read_all(out);
    ASSERT_EQ(got.size(), expected.size()) << "after a piece of " << n;
    ASSERT_TRUE(got == expected) << "after a piece of " << n;
    EXPECT_EQ(w.direct(), w.started_direct());
  }
  const std::string last = pattern(3 * FileWriter::kStagingBytes + 17, seed);
  w.write_all(last.data(), last.size());
  w.close();
  EXPECT_TRUE(read_all(out) == expected + last);
}

// As the pipeline's single worker hands them over: each job's bytes start after headroom that begins on
// a block boundary and holds the file's partial last block. Jobs whose headroom is off (a moved buffer)
// are copied instead, and the ones after them go in place again. Flushes come in between.
TEST_F(FileWriterTest, JobsWithHeadroomAreWrittenInPlace) {
  constexpr std::size_t kBlock = 4096;
  const std::string out = path("in-place.jsonl");
  FileWriter w(out, OpenMode::kTruncate, WriteHint::kBulk);
  const bool direct = w.direct();
  std::unique_ptr<char, decltype(&std::free)> buf(static_cast<char*>(std::aligned_alloc(kBlock, 32 << 20)), &std::free);
  std::string expected;
  const std::vector<std::size_t> sizes = {100, 5000, 3 << 20, 4096, 1, 9 << 20, 777, 2 << 20, 4095, 12345};
  std::size_t in_place_jobs = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::size_t carry = expected.size() % kBlock;
    const bool misplaced = i == 3 || i == 7;  // headroom that does not end where the carry would start
    const std::size_t headroom = carry + (misplaced ? 8 : 0);
    const std::string piece = pattern(sizes[i], 60 + static_cast<unsigned>(i));
    std::memcpy(buf.get() + headroom, piece.data(), piece.size());
    const std::uint64_t before = w.in_place_bytes();
    w.write_in_place(buf.get() + headroom, piece.size(), headroom);
    expected += piece;
    if (w.in_place_bytes() > before) ++in_place_jobs;
    if (misplaced) {
      EXPECT_EQ(w.in_place_bytes(), before) << "job " << i << " had its headroom off the boundary";
    }
    if (i % 3 == 2) w.flush();
  }
  if (direct) {
    EXPECT_GE(in_place_jobs, 5u);
  }
  w.close();
  const std::string got = read_all(out);
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
}

TEST_F(FileWriterTest, OutputsShorterThanABlockAndEmptyOutputsAreWritten) {
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{511}, std::size_t{4096}, FileWriter::kStagingBytes}) {
    const std::string out = path("small-" + std::to_string(n));
    const std::string data = pattern(n, static_cast<unsigned>(n));
    FileWriter w(out, OpenMode::kTruncate, WriteHint::kBulk);
    w.write_all(data.data(), data.size());
    w.close();
    EXPECT_TRUE(read_all(out) == data) << n << " bytes";
  }
}

// A device judged too slow (here: any wait at all counts, judged after every second buffer) sends the
// rest through the page cache; the file does not notice the switch.
TEST_F(FileWriterTest, ADeviceTheRunWaitsOnHandsTheRestToThePageCache) {
  if (!direct_io_works_here()) GTEST_SKIP() << "no direct I/O on " << dir_;
  constexpr std::size_t kStage = FileWriter::kStagingBytes;
  const std::string out = path("slow.jsonl");
  FileWriter w(out, OpenMode::kTruncate, WriteHint::kBulk, {.window_bytes = 2 * kStage, .device_bound_share = 0.0});
  ASSERT_TRUE(w.direct());
  const std::string a = pattern(kStage + 100, 7);
  const std::string b = pattern(kStage - 200, 8);  // fills the buffer short of 100 bytes
  const std::string c = pattern(3 * kStage + 9, 9);
  w.write_all(a.data(), a.size());
  w.flush();
  w.write_all(b.data(), b.size());
  EXPECT_TRUE(w.direct()) << "one buffer written; the window is two";
  w.write_all(c.data(), c.size());
  EXPECT_FALSE(w.direct()) << "two buffers written; a share of 0 always counts as device-bound";
  EXPECT_TRUE(w.started_direct());
  w.close();
  EXPECT_TRUE(read_all(out) == a + b + c);
}

TEST_F(FileWriterTest, OnlyTruncatedBulkFilesGoAroundThePageCache) {
  const std::string out = path("x.jsonl");
  EXPECT_FALSE(FileWriter(out, OpenMode::kTruncate, WriteHint::kSmall).direct());
  EXPECT_FALSE(FileWriter(out, OpenMode::kAppend, WriteHint::kBulk).direct());
  EXPECT_FALSE(FileWriter("/dev/null", OpenMode::kTruncate, WriteHint::kBulk).direct());
  const std::string fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // lets the writer's open return
  ASSERT_GE(reader, 0);
  EXPECT_FALSE(FileWriter(fifo, OpenMode::kTruncate, WriteHint::kBulk).direct());
  ::close(reader);
}

TEST_F(FileWriterTest, AppendKeepsWhatTheFileHad) {
  const std::string out = path("append.jsonl");
  {
    FileWriter w(out, OpenMode::kTruncate, WriteHint::kBulk);
    w.write_all("first\n", 6);
    w.close();
  }
  FileWriter w(out, OpenMode::kAppend, WriteHint::kBulk);
  w.write_all("second\n", 7);
  w.close();
  EXPECT_EQ(read_all(out), "first\nsecond\n");
}

TEST_F(FileWriterTest, AFullDeviceIsAnIoErrorNamingThePath) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  FileWriter w("/dev/full", OpenMode::kTruncate, WriteHint::kBulk);
  try {
    w.write_all("x\n", 2);
    FAIL() << "writing /dev/full succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
  }
}

TEST_F(FileWriterTest, AnUnwritablePathIsAnIoError) {
  try {
    FileWriter w(path("no/such/dir/out.jsonl"), OpenMode::kTruncate, WriteHint::kBulk);
    FAIL() << "opened a path in a missing directory";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
  }
}

}  // namespace
}  // namespace dnslens
