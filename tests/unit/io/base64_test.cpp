// The base64 decoder against OpenSSL's encoder: every length, every byte value, whitespace anywhere,
// and the inputs it must refuse.
#include "io/base64.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <string>

namespace dnslens {
namespace {

std::string encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

TEST(Base64, DecodesWhatOpenSslEncodesAtEveryLength) {
  std::uint32_t state = 12345;
  for (std::size_t length = 0; length < 600; ++length) {
    std::string bytes(length, '\0');
    for (char& c : bytes) {
      state = state * 1103515245u + 12345u;
      c = static_cast<char>(state >> 23);
    }
    const std::string text = encode(bytes);
    ASSERT_EQ(base64_decode(text), bytes) << length;
    // Without the padding, and with whitespace (a wrapped line, a stray space) inside.
    std::string bare = text.substr(0, text.find('='));
    ASSERT_EQ(base64_decode(bare), bytes) << length;
    std::string wrapped = text;
    for (std::size_t at = 76; at < wrapped.size(); at += 77) wrapped.insert(at, "\n");
    if (wrapped.size() > 5) wrapped.insert(5, " \r\t");
    ASSERT_EQ(base64_decode(wrapped), bytes) << length;
    // Appended after what the buffer held, which a refusal leaves as it was.
    std::string out = "kept";
    ASSERT_TRUE(base64_decode_append(text, out));
    ASSERT_EQ(out, "kept" + bytes);
    ASSERT_FALSE(base64_decode_append(text + "*", out));
    ASSERT_EQ(out, "kept" + bytes);
  }
}

TEST(Base64, EveryByteValue) {
  std::string bytes;
  for (int v = 0; v < 256; ++v) bytes.push_back(static_cast<char>(v));
  EXPECT_EQ(base64_decode(encode(bytes)), bytes);
}

TEST(Base64, RefusesBytesOutsideTheAlphabetAndBadPadding) {
  for (const char* bad : {"QUJD*", "QU-D", "QUJD\x80", "QQ==QQ", "QQ===", "Q", "QUJDR", "QUJD====", "QUJ_"}) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("QUJD"), "ABC");
  EXPECT_EQ(base64_decode("QUI="), "AB");
  EXPECT_EQ(base64_decode("QQ=="), "A");
}

}  // namespace
}  // namespace dnslens
