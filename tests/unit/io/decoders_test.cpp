#include "io/decoders.hpp"

#include <gtest/gtest.h>

#include "../compress_helpers.hpp"
#include "core/error.hpp"

namespace dnslens {
namespace {

using testing::gzip_member;
using testing::zstd_frame;

std::string decode(std::string_view data, const DecompressLimits& limits = {}) {
  return decompress_buffer(data, "test-input", limits);
}

TEST(Decoders, SniffsByContentNotName) {
  EXPECT_EQ(sniff_compression(gzip_member("x")), Compression::kGzip);
  EXPECT_EQ(sniff_compression(zstd_frame("x")), Compression::kZstd);
  EXPECT_EQ(sniff_compression("{\"a\":1}"), Compression::kNone);
  EXPECT_EQ(sniff_compression(""), Compression::kNone);
}

TEST(Decoders, PlainPassesThrough) { EXPECT_EQ(decode("hello\nworld\n"), "hello\nworld\n"); }

TEST(Decoders, GzipMultiMember) {
  std::string a(100000, 'a'), b = "line two\n", c(300000, 'c');
  std::string data = gzip_member(a) + gzip_member(b, 1) + gzip_member(c, 9);
  EXPECT_EQ(decode(data), a + b + c);
}

TEST(Decoders, GzipTrailingZeroPaddingIsAccepted) {
  EXPECT_EQ(decode(gzip_member("abc\n") + std::string(512, '\0')), "abc\n");
}

TEST(Decoders, TruncatedGzipNamesTheInput) {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "{\"query_name\":\"n" + std::to_string(i) + ".example.com.\"}\n";
  std::string gz = gzip_member(big);
  try {
    (void)decode(std::string_view(gz).substr(0, gz.size() / 2));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDecompress);
    EXPECT_NE(std::string(e.what()).find("test-input"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
  }
}

TEST(Decoders, CorruptGzip) {
  std::string gz = gzip_member(std::string(10000, 'x') + "tail");
  gz[gz.size() / 2] ^= 0x55;
  gz[gz.size() / 2 + 1] ^= 0x55;
  try {
    (void)decode(gz);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDecompress);
  }
}

TEST(Decoders, GarbageAfterAMemberIsAnError) { EXPECT_THROW((void)decode(gzip_member("abc") + "not gzip"), Error); }

TEST(Decoders, DecompressionBombRatio) {
  std::string zeros(64 << 20, '\0');
  std::string bomb = gzip_member(zeros, 9);
  ASSERT_LT(bomb.size(), 200000u);
  DecompressLimits limits;
  limits.max_ratio = 100;
  limits.ratio_grace_bytes = 1 << 20;
  try {
    (void)decode(bomb, limits);
    FAIL() << "expected a decompression-bomb error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDecompressionBomb);
  }
  limits.max_ratio = 0;  // ratio check off: the absolute cap still applies
  limits.max_output_bytes = 8 << 20;
  try {
    (void)decode(bomb, limits);
    FAIL() << "expected a decompression-bomb error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDecompressionBomb);
  }
}

TEST(Decoders, ZstdFramesAndTruncation) {
  std::string a(200000, 'z'), b = "second frame\n";
  EXPECT_EQ(decode(zstd_frame(a) + zstd_frame(b)), a + b);
  std::string frame = zstd_frame(a + b);
  EXPECT_THROW((void)decode(std::string_view(frame).substr(0, frame.size() - 5)), Error);
}

TEST(Decoders, EmptyInputs) {
  EXPECT_EQ(decode(""), "");
  EXPECT_THROW((void)decode(std::string("\x1f\x8b", 2)), Error);
}

}  // namespace
}  // namespace dnslens
