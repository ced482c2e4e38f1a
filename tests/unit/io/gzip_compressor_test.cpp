#include "io/gzip_compressor.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace dnslens {
namespace {

// zlib, not ISA-L, reads the member back: the output must be gzip as any reader takes it.
std::string gunzip(std::string_view member) {
  z_stream s{};
  EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  std::string out;
  char buf[65536];
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(member.data()));
  s.avail_in = static_cast<uInt>(member.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    s.next_out = reinterpret_cast<Bytef*>(buf);
    s.avail_out = sizeof buf;
    rc = inflate(&s, Z_NO_FLUSH);
    out.append(buf, sizeof buf - s.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << "the member does not end where a gzip member ends";
  EXPECT_EQ(s.avail_in, 0u) << "bytes after the member";
  inflateEnd(&s);
  return out;
}

TEST(GzipCompressor, OneMemberAnyReaderTakesReusedAcrossCalls) {
  GzipCompressor gzip;
  std::mt19937_64 rng(11);
  std::string random(3 << 20, '\0');  // incompressible: the output is larger than the input
  for (char& c : random) c = static_cast<char>(rng());
  std::string rows;
  for (int i = 0; i < 100000; ++i) rows += "row " + std::to_string(i) + " of a RowBinary-like body\n";
  // Sizes down and up again, so a later call runs in the buffer an earlier one grew.
  for (const std::string& in : {rows, std::string(), random, std::string("x"), rows.substr(0, 70000), random}) {
    const std::string_view member = gzip.compress(in);
    ASSERT_GE(member.size(), 18u);  // header and trailer at least
    EXPECT_EQ(static_cast<unsigned char>(member[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(member[1]), 0x8b);
    EXPECT_EQ(gunzip(member), in) << in.size() << " bytes";
    if (in == rows) {
      EXPECT_LT(member.size(), in.size() / 3) << "repetitive rows should compress";
    }
  }
}

TEST(GzipCompressor, AnOutputBufferTooSmallGrowsWithoutLosingBytes) {
  std::mt19937_64 rng(5);
  std::string mixed;
  for (int i = 0; i < 20000; ++i) mixed += "line " + std::to_string(rng() % 1000) + "\n";
  for (int i = 0; i < 100000; ++i) mixed += static_cast<char>(rng());
  for (std::size_t first : {1, 7, 64, 4096}) {
    GzipCompressor gzip(first);
    EXPECT_EQ(gunzip(gzip.compress(mixed)), mixed) << "first output buffer " << first;
    EXPECT_EQ(gunzip(gzip.compress("short")), "short");
  }
}

}  // namespace
}  // namespace dnslens
