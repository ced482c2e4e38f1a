// Every way a record can be bad, each with the reason the dead-letter output will carry.
#include <memory>

#include <gtest/gtest.h>

#include "../test_padding.hpp"
#include "parse/query_log_parser.hpp"

namespace dnslens {
namespace {

// The outcome's field name views the parsed line, so the line lives until the next parse.
ParseOutcome parse(std::string_view text) {
  static QueryLogParser parser;
  static std::unique_ptr<testing::PaddedLine> line;
  line = std::make_unique<testing::PaddedLine>(text);
  QueryRecord r;
  return parser.parse(line->view(), line->capacity(), r);
}

constexpr std::string_view kGood = R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.example.com."})";

TEST(QueryLogParserErrors, GoodBaseline) { EXPECT_TRUE(parse(kGood).ok); }

TEST(QueryLogParserErrors, MalformedJson) {
  for (std::string_view bad : {R"({"query_name":"a.com.",)", R"({"query_name" "a.com."})", R"(not json)",
                               R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.com."} trailing)",
                               R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.com."}[1])"}) {
    auto o = parse(bad);
    EXPECT_FALSE(o.ok) << bad;
    EXPECT_EQ(o.reason, BadReason::kMalformedJson) << bad;
  }
}

// Firehose writes the records it delivers to S3 back to back ({...}{...}): the parser reads the first
// and says where the next begins, whether the first is good or not.
TEST(QueryLogParserErrors, ConcatenatedObjectsAreReadOneAtATime) {
  const std::string two = std::string(kGood) + R"( {"x":1})";
  auto o = parse(two);
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(o.next, kGood.size() + 1);
  o = parse(R"({"query_name":"a.com."}{"x":1})");
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.reason, BadReason::kMissingField);
  EXPECT_EQ(o.next, std::string_view(R"({"query_name":"a.com."})").size());
  EXPECT_EQ(parse(kGood).next, 0u);
}

TEST(QueryLogParserErrors, NotAnObject) {
  EXPECT_EQ(parse("[1,2,3]").reason, BadReason::kNotAnObject);
  EXPECT_EQ(parse("\"a string\"").reason, BadReason::kNotAnObject);
}

TEST(QueryLogParserErrors, MissingRequiredFields) {
  auto o = parse(R"({"query_timestamp":"2021-02-04T17:51:55Z"})");
  EXPECT_EQ(o.reason, BadReason::kMissingField);
  EXPECT_EQ(o.field, "query_name");
  o = parse(R"({"query_name":"a.com."})");
  EXPECT_EQ(o.reason, BadReason::kMissingField);
  EXPECT_EQ(o.field, "query_timestamp");
}

TEST(QueryLogParserErrors, WrongTypes) {
  auto o = parse(R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":42})");
  EXPECT_EQ(o.reason, BadReason::kWrongType);
  EXPECT_EQ(o.field, "query_name");
  o = parse(R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.com.","answers":"none"})");
  EXPECT_EQ(o.reason, BadReason::kWrongType);
  o = parse(R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.com.","srcids":[1]})");
  EXPECT_EQ(o.reason, BadReason::kWrongType);
  o = parse(R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.com.","srcids":"i-1"})");
  EXPECT_EQ(o.reason, BadReason::kWrongType);
  o = parse(R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.com.","srcport":{"n":1}})");
  EXPECT_EQ(o.reason, BadReason::kWrongType);
}

TEST(QueryLogParserErrors, InvalidUtf8) {
  std::string line = R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a)";
  line += "\xff\xfe";
  line += R"(.com."})";
  EXPECT_EQ(parse(line).reason, BadReason::kInvalidUtf8);
}

TEST(QueryLogParserErrors, BadTimestamp) {
  EXPECT_EQ(parse(R"({"query_timestamp":"yesterday","query_name":"a.com."})").reason, BadReason::kBadTimestamp);
}

TEST(QueryLogParserErrors, ParserRecoversAfterABadRecord) {
  EXPECT_FALSE(parse(R"({"query_name": [)").ok);
  EXPECT_TRUE(parse(kGood).ok);
}

}  // namespace
}  // namespace dnslens
