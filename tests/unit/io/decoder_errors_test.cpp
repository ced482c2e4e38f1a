// Decoders that fail keep what they decoded before the failure: a corrupt, truncated or
// over-limit stream serves its bytes up to the damage (or the limit), and the error comes from the
// read after them, every time it is asked again.
#include <zlib.h>

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "../compress_helpers.hpp"
#include "core/error.hpp"
#include "io/byte_source.hpp"
#include "io/decoders.hpp"

namespace dnslens {
namespace {

std::string lines(int n) {
  std::string text;
  for (int i = 0; i < n; ++i)
    text += "{\"query_name\":\"host" + std::to_string(i) + ".example.com.\",\"n\":" + std::to_string(i * 7919) + "}\n";
  return text;
}

struct Drained {
  std::string out;
  std::string error;
  ErrorCode code = ErrorCode::kInternal;
};

Drained drain(const std::string& compressed, const DecompressLimits& limits = {}) {
  Drained d;
  OpenedInput in = wrap_decoded(std::make_unique<MemoryByteSource>(compressed), "t.gz", limits);
  std::string buf(4 << 20, '\0');  // one read could decode the whole input, as in the pipeline
  try {
    while (true) {
      const std::size_t n = in.source->read(buf.data(), buf.size());
      if (n == 0) break;
      d.out.append(buf.data(), n);
    }
  } catch (const Error& e) {
    d.error = e.what();
    d.code = e.code();
    // Asked again, it fails again and serves nothing more.
    try {
      (void)in.source->read(buf.data(), buf.size());
      ADD_FAILURE() << "a failed decoder served more";
    } catch (const Error&) {
    }
  }
  return d;
}

// What zlib, the reference decoder, produces before it reports the damage.
std::string zlib_prefix(const std::string& compressed) {
  z_stream s{};
  inflateInit2(&s, 15 + 16);
  std::string out(64 << 20, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  s.avail_in = static_cast<uInt>(compressed.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  while (inflate(&s, Z_NO_FLUSH) == Z_OK) {
  }
  out.resize(s.total_out);
  inflateEnd(&s);
  return out;
}

std::size_t common_prefix(const std::string& a, const std::string& b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

TEST(DecoderErrors, ABadGzipChecksumStillServesTheWholeMemberThenFails) {
  const std::string text = lines(986);
  std::string gz = testing::gzip_member(text);
  gz[gz.size() - 6] ^= 0x55;  // the CRC32 in the trailer
  Drained d = drain(gz);
  EXPECT_EQ(d.out, text);
  EXPECT_EQ(d.code, ErrorCode::kDecompress);
  EXPECT_NE(d.error.find("t.gz"), std::string::npos) << d.error;
}

TEST(DecoderErrors, CorruptionMidStreamKeepsWhatDecodedBeforeIt) {
  const std::string text = lines(20000);
  std::string gz = testing::gzip_member(text, 1);
  for (std::size_t at : {gz.size() / 2, gz.size() / 3}) {
    std::string damaged = gz;
    for (std::size_t i = 0; i < 16; ++i) damaged[at + i] = static_cast<char>(0xff);
    Drained d = drain(damaged);
    const std::string reference = zlib_prefix(damaged);
    ASSERT_FALSE(d.error.empty());
    // Damaged deflate data can decode to wrong bytes before the decoder notices; what matters is
    // that the intact part before the damage is served, as much of it as zlib recovers.
    EXPECT_GE(common_prefix(d.out, text), common_prefix(reference, text)) << d.error;
    EXPECT_GT(common_prefix(d.out, text), text.size() / 4);
    EXPECT_NE(d.error.find("compressed byte"), std::string::npos) << d.error;
  }
}

TEST(DecoderErrors, ATruncatedGzipServesItsDecodablePrefix) {
  const std::string text = lines(5000);
  const std::string gz = testing::gzip_member(text);
  Drained d = drain(gz.substr(0, gz.size() / 2));
  EXPECT_FALSE(d.error.empty());
  EXPECT_GT(d.out.size(), text.size() / 4);
  EXPECT_EQ(text.compare(0, d.out.size(), d.out), 0);
}

TEST(DecoderErrors, TheSizeLimitServesExactlyUpToTheLimit) {
  const std::string text = lines(5000);
  DecompressLimits limits;
  limits.max_output_bytes = 1000;
  for (const std::string& compressed : {testing::gzip_member(text), testing::zstd_frame(text)}) {
    Drained d = drain(compressed, limits);
    EXPECT_EQ(d.code, ErrorCode::kDecompressionBomb) << d.error;
    EXPECT_EQ(d.out, text.substr(0, 1000));
  }
}

TEST(DecoderErrors, CorruptZstdKeepsWhatDecodedBeforeTheDamage) {
  const std::string text = lines(60000);
  std::string zst = testing::zstd_frame(text);
  zst[zst.size() - 2] ^= 0x40;  // inside the last block
  Drained d = drain(zst);
  ASSERT_FALSE(d.error.empty());
  EXPECT_GT(common_prefix(d.out, text), text.size() / 2);
}

TEST(DecoderErrors, BareMagicBytesFailCleanly) {
  for (const std::string& head : {std::string("\x1f\x8b", 2), std::string("\x28\xb5\x2f\xfd", 4)}) {
    Drained d = drain(head);
    EXPECT_TRUE(d.out.empty());
    EXPECT_EQ(d.code, ErrorCode::kDecompress) << d.error;
  }
}

// A failure while the head is peeked at (codec detection) is held until the peeked bytes are read.
class FailingSource final : public ByteSource {
 public:
  std::size_t read(char* dst, std::size_t capacity) override {
    if (served_) throw Error(ErrorCode::kIo, "disk gone");
    served_ = true;
    const std::size_t n = std::min<std::size_t>(capacity, 5);
    std::memcpy(dst, "abcde", n);
    return n;
  }
  std::uint64_t raw_bytes_consumed() const override { return 5; }

 private:
  bool served_ = false;
};

TEST(PeekableSource, AFailureWhilePeekingComesAfterThePeekedBytes) {
  PeekableSource p(std::make_unique<FailingSource>());
  EXPECT_EQ(p.peek(4096), "abcde");
  char buf[16];
  EXPECT_EQ(p.read(buf, sizeof buf), 5u);
  EXPECT_EQ(std::string(buf, 5), "abcde");
  EXPECT_THROW((void)p.read(buf, sizeof buf), Error);
}

}  // namespace
}  // namespace dnslens
