// JSON string escaping of arbitrary bytes: valid UTF-8 is kept, each byte outside a valid sequence
// becomes the visible text \xNN (the same text the store writes), and the result is always valid JSON.
#include <gtest/gtest.h>

#include <string>

#include <simdjson.h>

#include "core/json_escape.hpp"
#include "store/store_text.hpp"

namespace dnslens {
namespace {

std::string escaped(std::string_view bytes) {
  std::string out;
  append_json_escaped_bytes(out, bytes);
  return out;
}

// What a JSON parser reads back from the escaped text.
std::string decoded(std::string_view bytes) {
  simdjson::dom::parser parser;
  std::string doc = "\"";
  append_json_escaped_bytes(doc, bytes);
  doc += '"';
  std::string_view v;
  EXPECT_EQ(parser.parse(doc).get(v), simdjson::SUCCESS) << doc;
  return std::string(v);
}

TEST(JsonEscape, KeepsValidUtf8AndWritesBadBytesAsVisibleHex) {
  EXPECT_EQ(escaped("caf\xc3\xa9 \"q\"\n"), "caf\xc3\xa9 \\\"q\\\"\\n");
  // A soft hyphen's byte on its own (from \173 in a name) is not the invisible U+00AD.
  EXPECT_EQ(escaped("bad\xadname"), "bad\\\\xadname");
  // Valid sequences next to bad bytes survive; a truncated sequence is bad byte by byte.
  EXPECT_EQ(escaped("\xc3\xa9\xff\xe2\x82"), "\xc3\xa9\\\\xff\\\\xe2\\\\x82");
  EXPECT_EQ(escaped("\xf0\x9f\x98\x80x\xc0\xaf"), "\xf0\x9f\x98\x80x\\\\xc0\\\\xaf");  // overlong '/' is bad
  EXPECT_EQ(escaped(std::string("a\0b\xff", 4)), "a\\u0000b\\\\xff");
}

TEST(StoreText, StorableIsUtf8WithoutNul) {
  EXPECT_TRUE(storable_text(""));
  EXPECT_TRUE(storable_text("plain.example.com"));
  EXPECT_TRUE(storable_text("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(storable_text(std::string_view("a\0b", 3)));
  EXPECT_FALSE(storable_text(std::string_view("caf\xc3\xa9\0", 6)));
  EXPECT_FALSE(storable_text("\xff"));
  EXPECT_FALSE(storable_text("ok\xc3"));
  std::string out;
  repair_text(std::string_view("a\0\xc3\xa9\xff", 5), out);
  EXPECT_EQ(out, "a\\x00\xc3\xa9\\xff");
}

TEST(JsonEscape, ReadsBackAsTheStoreWritesTheSameBytes) {
  for (std::string_view bytes : {std::string_view("phish\xffing"), std::string_view("\xed\xa0\x80 surrogate"),
                                 std::string_view("\xf4\x90\x80\x80 past U+10FFFF"), std::string_view("ok \xc3\xa4"),
                                 std::string_view("\x80\x80\x80")}) {
    std::string store;
    if (storable_text(bytes))
      store = std::string(bytes);
    else
      repair_text(bytes, store);
    EXPECT_EQ(decoded(bytes), store) << bytes;
  }
}

}  // namespace
}  // namespace dnslens
