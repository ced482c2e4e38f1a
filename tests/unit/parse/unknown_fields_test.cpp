// The fields of a Route 53 line dnslens does not know, as logged: every JSON value kind, values the DOM
// could not hold, escaped keys; none for a line without them, a line that is not JSON, or invalid UTF-8.
#include "parse/unknown_fields.hpp"

#include <gtest/gtest.h>

namespace dnslens {
namespace {

std::string unknown(std::string_view line) {
  std::string out = "{";
  append_unknown_fields(out, line);
  return out + "}";
}

TEST(UnknownFields, EveryValueKindAsLogged) {
  EXPECT_EQ(
      unknown(R"({"version":"1.1","big":123456789012345678901234567890 ,"query_name":"a.","obj":{"a":[1, 2]},)"
              R"("esc\"k":"x\u00e9","n":-1.5e3 ,"t":true,"z":null})"),
      R"({"big":123456789012345678901234567890,"obj":{"a":[1, 2]},"esc\"k":"x\u00e9","n":-1.5e3,"t":true,"z":null})");
}

TEST(UnknownFields, NoneWithoutThemOrWhenTheyCannotBeKept) {
  std::string out = "x";
  EXPECT_EQ(append_unknown_fields(out, R"({"version":"1.1","query_name":"a."})"), 0u);
  EXPECT_EQ(append_unknown_fields(out, "not json"), 0u);
  EXPECT_EQ(append_unknown_fields(out, "{\"new\":\"\xff\"}"), 0u);  // invalid UTF-8: the JSON lines keep it
  EXPECT_EQ(append_unknown_fields(out, R"({"new":1,"broken":)"), 0u);
  EXPECT_EQ(out, "x");
}

}  // namespace
}  // namespace dnslens
