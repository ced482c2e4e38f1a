#include "parse/query_log_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "../test_padding.hpp"

namespace dnslens {
namespace {

using testing::PaddedLine;

// AWS's documented example record, field order as published.
constexpr std::string_view kAwsExample =
    R"({"srcaddr": "4.5.64.102","vpc_id": "vpc-7example","answers": [{"Rdata": "203.0.113.9","Type": "PTR","Class": "IN"}],"firewall_rule_group_id": "rslvr-frg-01234567890abcdef","firewall_rule_action": "BLOCK","query_name": "15.3.4.32.in-addr.arpa.","firewall_domain_list_id": "rslvr-fdl-01234567890abcdef","query_class": "IN","srcids": {"instance": "i-0d15cd0d3example"},"rcode": "NOERROR","query_type": "PTR","transport": "UDP","version": "1.100000","account_id": "111122223333","srcport": "56067","query_timestamp": "2021-02-04T17:51:55Z","region": "us-east-1"})";

// The record points into the input line and the parser: both live as long as the result.
struct ParseResult {
  explicit ParseResult(std::string_view text) : line(text) {
    outcome = parser.parse(line.view(), line.capacity(), record);
  }
  PaddedLine line;
  QueryLogParser parser;
  ParseOutcome outcome;
  QueryRecord record;
};

TEST(QueryLogParser, ReadsEveryDocumentedField) {
  QueryLogParser parser;
  PaddedLine line(kAwsExample);
  QueryRecord r;
  ASSERT_TRUE(parser.parse(line.view(), line.capacity(), r).ok);
  EXPECT_EQ(r.version, "1.100000");
  EXPECT_EQ(r.account_id, "111122223333");
  EXPECT_EQ(r.region, "us-east-1");
  EXPECT_EQ(r.vpc_id, "vpc-7example");
  EXPECT_EQ(r.query_timestamp, "2021-02-04T17:51:55Z");
  EXPECT_EQ(r.timestamp_ms, 1612461115000);
  EXPECT_EQ(r.query_name, "15.3.4.32.in-addr.arpa.");
  EXPECT_EQ(r.query_type, "PTR");
  EXPECT_EQ(r.query_class, "IN");
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.srcaddr, "4.5.64.102");
  EXPECT_EQ(r.srcport, "56067");
  EXPECT_EQ(r.transport, "UDP");
  EXPECT_EQ(r.instance, "i-0d15cd0d3example");
  EXPECT_EQ(r.firewall_rule_action, "BLOCK");
  EXPECT_EQ(r.firewall_rule_group_id, "rslvr-frg-01234567890abcdef");
  EXPECT_EQ(r.firewall_domain_list_id, "rslvr-fdl-01234567890abcdef");
  ASSERT_EQ(r.answer_count, 1u);
  EXPECT_EQ(r.answers[0].rdata, "203.0.113.9");
  EXPECT_EQ(r.answers[0].type, "PTR");
  EXPECT_EQ(r.answers[0].klass, "IN");
  EXPECT_EQ(r.unknown_fields, 0u);
}

// The format's first version (1.000000), as AWS's own sample pipeline publishes it
// (github.com/aws-samples/r53resolver-query-log-parser): the README's sample record, one line, with srcids
// an array of ids and an answer's data under "Address"; and the record its FirehosePutRecordTest.txt sends
// (base64-decoded), without transport.
TEST(QueryLogParser, ReadsTheFirstVersionsArrayOfSourceIdsAndAddressAnswers) {
  ParseResult readme(
      R"({"version":"1.000000","account_id":"99999999999","region":"us-east-1","vpc_id":"vpc-h456k56s57w78e76",)"
      R"("query_timestamp":"2020-05-22T03:25:36Z","query_name":"223.0.2.1.in-addr.arpa.","query_type":"PTR",)"
      R"("query_class":"IN","rcode":"NOERROR","answers":[{"Address":"ip-7-7-7-223.ec2.internal. ","Type":"PTR",)"
      R"("Class":"IN"}],"srcaddr":"9.9.9.70","srcport":"60306","srcids":["i-0f19ert0572c3c54a"]})");
  ASSERT_TRUE(readme.outcome.ok) << readme.outcome.detail;
  EXPECT_EQ(readme.record.instance, "i-0f19ert0572c3c54a");
  EXPECT_EQ(readme.record.resolver_endpoint, "");
  ASSERT_EQ(readme.record.answer_count, 1u);
  EXPECT_EQ(readme.record.answers[0].rdata, "ip-7-7-7-223.ec2.internal. ");
  EXPECT_EQ(readme.record.answers[0].type, "PTR");
  EXPECT_EQ(readme.record.unknown_fields, 0u);

  ParseResult firehose(
      R"({"version":"1.000000","account_id":"999999999","region":"us-east-1","vpc_id":"vpc-6u78sgn30rt4567sfe2",)"
      R"("query_timestamp":"2020-07-12T22:38:12Z","query_name":"ec2messages.us-east-1.amazonaws.com.",)"
      R"("query_type":"AAAA","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.66.0.139",)"
      R"("srcport":"40737","srcids":["i-0ewrth34ht75my6d"]})");
  ASSERT_TRUE(firehose.outcome.ok) << firehose.outcome.detail;
  EXPECT_EQ(firehose.record.instance, "i-0ewrth34ht75my6d");
  EXPECT_EQ(firehose.record.answer_count, 0u);
}

TEST(QueryLogParser, AnArrayOfSourceIdsIsPlacedByPrefix) {
  ParseResult r(R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.com.","srcids":["rni-2","rslvr-in-1",)"
                R"("eni-9","i-7","i-8",null]})");
  ASSERT_TRUE(r.outcome.ok) << r.outcome.detail;
  EXPECT_EQ(r.record.instance, "i-7");
  EXPECT_EQ(r.record.resolver_endpoint, "rslvr-in-1");
  EXPECT_EQ(r.record.resolver_network_interface, "rni-2");
  EXPECT_EQ(r.record.unknown_fields, 0u);  // srcids is a known field: eni-9 and i-8 stay in the line only

  ParseResult none(R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.com.","srcids":null})");
  ASSERT_TRUE(none.outcome.ok);
  EXPECT_EQ(none.record.instance, "");

  // Rdata wins over Address whichever comes first.
  ParseResult both(R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.com.","answers":[{"Rdata":"10.0.0.1",)"
                   R"("Address":"10.0.0.2"},{"Address":"10.0.0.3","Rdata":"10.0.0.4"}]})");
  ASSERT_TRUE(both.outcome.ok);
  ASSERT_EQ(both.record.answer_count, 2u);
  EXPECT_EQ(both.record.answers[0].rdata, "10.0.0.1");
  EXPECT_EQ(both.record.answers[1].rdata, "10.0.0.4");
}

TEST(QueryLogParser, ResolverEndpointSourceAndNumbersWhereStringsAreUsual) {
  ParseResult r(
      R"({"version":1.1,"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.example.com.","srcport":53,)"
      R"("srcids":{"resolver_endpoint":"rslvr-in-1","resolver_network_interface":"rni-2"},"future_field":{"x":[1]}})");
  ASSERT_TRUE(r.outcome.ok);
  EXPECT_EQ(r.record.version, "1.1");
  EXPECT_EQ(r.record.srcport, "53");
  EXPECT_EQ(r.record.resolver_endpoint, "rslvr-in-1");
  EXPECT_EQ(r.record.resolver_network_interface, "rni-2");
  EXPECT_EQ(r.record.unknown_fields, 1u);
}

// Keys are read as views of the input; escaped keys and whitespace around the colon must still work.
TEST(QueryLogParser, EscapedKeysAndSpacesAroundTheColon) {
  ParseResult p(R"({ "query\u005fname" : "a.example.com." , "query_timestamp"	:"2021-02-04T17:51:55Z",)"
                R"("srcids" : {"inst\u0061nce" :"i-1"},"answers":[{"R\u0064ata" : "10.0.0.1" , "Type":"A"}],)"
                R"("x\"y":1, "ver\u0073ion": 1.1, "rcode":"NO\u0045RROR"})");
  ASSERT_TRUE(p.outcome.ok) << p.outcome.detail;
  EXPECT_EQ(p.record.query_name, "a.example.com.");
  EXPECT_EQ(p.record.query_timestamp, "2021-02-04T17:51:55Z");
  EXPECT_EQ(p.record.instance, "i-1");
  ASSERT_EQ(p.record.answer_count, 1u);
  EXPECT_EQ(p.record.answers[0].rdata, "10.0.0.1");
  EXPECT_EQ(p.record.answers[0].type, "A");
  EXPECT_EQ(p.record.version, "1.1");
  EXPECT_EQ(p.record.rcode, "NOERROR");    // an escaped value is unescaped
  EXPECT_EQ(p.record.unknown_fields, 1u);  // "x\"y"
}

TEST(QueryLogParser, KeepsEveryAnswer) {
  std::string answers;
  for (int i = 0; i < 40; ++i)
    answers += std::string(i ? "," : "") + R"({"Rdata":"10.0.0.)" + std::to_string(i) + R"(","Type":"A","Class":"IN"})";
  ParseResult r(R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.com.","answers":[)" + answers + "]}");
  ASSERT_TRUE(r.outcome.ok);
  ASSERT_EQ(r.record.answer_count, 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(r.record.answers[i].rdata, "10.0.0." + std::to_string(i));
}

// Route 53 writes answers compactly, in one key order; other producers may not. Every layout reads as the
// same two answers.
TEST(QueryLogParser, AnswersReadTheSameInEveryLayout) {
  const std::string head = R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.example.com.","answers":)";
  const std::vector<std::string> layouts = {
      R"([{"Rdata":"x.example.net.","Type":"CNAME","Class":"IN"},{"Rdata":"10.0.0.1","Type":"A","Class":"IN"}])",
      R"([ {"Rdata": "x.example.net.", "Type": "CNAME", "Class": "IN"}, {"Rdata": "10.0.0.1", "Type": "A", "Class": "IN"} ] )",
      R"([{"Type":"CNAME","Class":"IN","Rdata":"x.example.net."},{"Class":"IN","Rdata":"10.0.0.1","Type":"A"}])",
      R"([{"Rdata":"x.example.net.","Type":"CNAME","Class":"IN","TTL":"60"},{"Rdata":"10.0.0.1","Type":"A","Class":"IN"}])",
      "[{\"Rdata\":\"x.example.net.\",\"Type\":\"CNAME\",\"Class\":\"IN\"},\n{\"Rdata\":\"10.0.0.1\",\"Type\":\"A\","
      "\"Class\":\"IN\"}]",
      R"([{"Rdata":"x.example.net.","Type":"CNAME","Class":"IN"},{"Rdata":"10.0.0.1","Type":"A","Class":"IN"}]    )",
  };
  for (const std::string& answers : layouts) {
    for (const std::string& tail : {std::string("}"), std::string(R"(,"rcode":"NOERROR"})")}) {
      ParseResult r(head + answers + tail);
      ASSERT_TRUE(r.outcome.ok) << answers << tail << ": " << r.outcome.detail;
      ASSERT_EQ(r.record.answer_count, 2u) << answers;
      EXPECT_EQ(r.record.answers[0].rdata, "x.example.net.") << answers;
      EXPECT_EQ(r.record.answers[0].type, "CNAME");
      EXPECT_EQ(r.record.answers[0].klass, "IN");
      EXPECT_EQ(r.record.answers[1].rdata, "10.0.0.1");
      EXPECT_EQ(r.record.answers[1].type, "A");
      EXPECT_EQ(r.record.answers[1].klass, "IN");
      if (tail.size() > 1) {
        EXPECT_EQ(r.record.rcode, "NOERROR");
      }
    }
  }
  ParseResult empty(head + "[]}");
  ASSERT_TRUE(empty.outcome.ok);
  EXPECT_EQ(empty.record.answer_count, 0u);
  ParseResult null_answers(head + "null}");
  ASSERT_TRUE(null_answers.outcome.ok);
  EXPECT_EQ(null_answers.record.answer_count, 0u);
}

// Answers that look like Route 53's layout up to a point are bad records, for the right reason.
TEST(QueryLogParser, BrokenAnswersAreBadRecords) {
  const std::string head = R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.example.com.","answers":)";
  const std::vector<std::pair<std::string, BadReason>> cases = {
      {R"([{"Rdata":1,"Type":"A","Class":"IN"}]})", BadReason::kWrongType},
      // simdjson finds `]` where the next element should be: a value of the wrong type.
      {R"([{"Rdata":"10.0.0.1","Type":"A","Class":"IN"},]})", BadReason::kWrongType},
      {R"([{"Rdata":"10.0.0.1" "Type":"A","Class":"IN"}]})", BadReason::kMalformedJson},
      {R"(["10.0.0.1"]})", BadReason::kWrongType},
      {R"([{"Rdata":"10.0.0.1","Type":"A","Class":"IN"}})", BadReason::kMalformedJson},
      {R"([{"Rdata":"10.0.0.1","Type":"A","Class":"IN"}]]})", BadReason::kMalformedJson},
      {R"({"Rdata":"10.0.0.1","Type":"A","Class":"IN"}})", BadReason::kWrongType},
  };
  for (const auto& [answers, reason] : cases) {
    ParseResult r(head + answers);
    EXPECT_FALSE(r.outcome.ok) << answers;
    EXPECT_EQ(r.outcome.reason, reason) << answers << ": " << r.outcome.detail;
  }
}

}  // namespace
}  // namespace dnslens
