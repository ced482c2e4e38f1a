// Route 53 Global Resolver's own OCSF 1.2.0 query logs read as Route 53 records: the resolver, view,
// rule and token ids kept as fields, its "Allowed"/"Denied" action read as the firewall's, its
// lowercase transport as Route 53 writes it. The events are AWS's documented samples
// (tests/data/ocsf/aws-samples/global-resolver-v1.2.0.ocsf.jsonl) and variations of them.
#include "parse/ocsf_dns_reader.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

namespace dnslens {
namespace {

std::vector<std::string> aws_samples() {
  std::ifstream in(std::string(DNSLENS_TEST_DATA) + "/ocsf/aws-samples/global-resolver-v1.2.0.ocsf.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The Route 53 line the reader makes of an event, as a parsed object.
class ReadBack {
 public:
  explicit ReadBack(std::string_view event) {
    OcsfDnsReader reader;
    const ParseOutcome o = reader.to_route53(event, line_);
    EXPECT_TRUE(o.ok) << o.detail;
    obj_ = parser_.parse(line_).get_object().value();
  }
  std::string text(std::string_view key) const {
    std::string_view v;
    return obj_.at_key(key).get_string().get(v) ? std::string("<absent>") : std::string(v);
  }
  const std::string& line() const { return line_; }

 private:
  std::string line_;
  simdjson::dom::parser parser_;
  simdjson::dom::object obj_;
};

std::string replaced(std::string s, std::string_view from, std::string_view to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(OcsfDnsReaderGlobalResolver, TheAllowedSampleKeepsItsIdsAndIsAllowedByItsRule) {
  const auto samples = aws_samples();
  ASSERT_EQ(samples.size(), 2u);
  const ReadBack r(samples[0]);
  EXPECT_EQ(r.text("query_name"), "example.com.");
  EXPECT_EQ(r.text("query_timestamp"), "2025-10-25T02:12:59.995Z");  // time 1761358379995
  EXPECT_EQ(r.text("account_id"), "123456789012");
  EXPECT_EQ(r.text("region"), "us-east-1");
  EXPECT_EQ(r.text("rcode"), "NOERROR");
  EXPECT_EQ(r.text("srcaddr"), "3.3.3.3");
  EXPECT_EQ(r.text("srcport"), "28276");
  EXPECT_EQ(r.text("transport"), "UDP");
  EXPECT_EQ(r.text("firewall_rule_action"), "ALLOW");
  EXPECT_EQ(r.text("global_resolver_id"), "gr-a1b2c3d4fexample");
  EXPECT_EQ(r.text("dns_view_id"), "dnsv-a1b2c3d4fexample");
  EXPECT_EQ(r.text("firewall_rule_id"), "fr-a1b2c3d4fexample");
  EXPECT_EQ(r.text("token_id"), "t-a1b2c3d4fexample");
  EXPECT_EQ(r.text("token_name"), "device-123456");
  EXPECT_EQ(r.text("token_expiration"), "1789419206");
  // Global Resolver has no VPC, no Resolver endpoint and no log version.
  EXPECT_EQ(r.text("vpc_id"), "<absent>");
  EXPECT_EQ(r.text("version"), "<absent>");
  EXPECT_EQ(r.line().find("srcids"), std::string::npos);
  EXPECT_NE(r.line().find(R"("answers":[{"Rdata":"3.3.3.3","Type":"A","Class":"IN"},{"Rdata":"3.3.3.4")"),
            std::string::npos);
}

TEST(OcsfDnsReaderGlobalResolver, TheDeniedSampleIsABlockOverTcp) {
  const ReadBack r(aws_samples().at(1));
  EXPECT_EQ(r.text("firewall_rule_action"), "BLOCK");
  EXPECT_EQ(r.text("rcode"), "REFUSED");
  EXPECT_EQ(r.text("transport"), "TCP");
  EXPECT_EQ(r.text("region"), "us-west-2");
  EXPECT_NE(r.line().find(R"("answers":[])"), std::string::npos);
}

TEST(OcsfDnsReaderGlobalResolver, AnAllowedQueryThatNoRuleDecidedHasNoFirewallAction) {
  const std::string event = replaced(aws_samples().at(0), R"("firewall_rule_id":"fr-a1b2c3d4fexample",)", "");
  const ReadBack r(event);
  EXPECT_EQ(r.text("firewall_rule_action"), "<absent>");
  EXPECT_EQ(r.text("firewall_rule_id"), "<absent>");
  EXPECT_EQ(r.text("dns_view_id"), "dnsv-a1b2c3d4fexample");
}

TEST(OcsfDnsReaderGlobalResolver, OnlyTheEnrichmentNamedGlobalResolverIsRead) {
  const std::string event = replaced(aws_samples().at(0), R"("name":"global-resolver")", R"("name":"other")");
  const ReadBack r(event);
  EXPECT_EQ(r.text("global_resolver_id"), "<absent>");
  EXPECT_EQ(r.text("firewall_rule_id"), "<absent>");
  EXPECT_EQ(r.text("firewall_rule_action"), "<absent>");
}

TEST(OcsfDnsReaderGlobalResolver, AnIdThatIsNotTextIsLeftOut) {
  const std::string event = replaced(aws_samples().at(0), R"("token_name":"device-123456")", R"("token_name":7)");
  const ReadBack r(event);
  EXPECT_EQ(r.text("token_name"), "<absent>");
  EXPECT_EQ(r.text("token_id"), "t-a1b2c3d4fexample");
}

// unmapped carries the record's fields OCSF has no place for; it cannot replace (or repeat) a field the
// event itself says, such as the query name a threat-intel feed would match.
TEST(OcsfDnsReaderHostileInput, UnmappedCannotReplaceTheEventsOwnFields) {
  const ReadBack r(R"({"class_uid":4003,"time":1761358379000,"query":{"hostname":"c2.evilbad.com.","type":"A"},)"
                   R"("src_endpoint":{"ip":"10.0.0.1"},"unmapped":{"query_name":"www.amazon.com.","query_type":"TXT",)"
                   R"("srcaddr":"10.9.9.9","account_id":"999999999999","custom":"kept"}})");
  EXPECT_EQ(r.text("query_name"), "c2.evilbad.com.");
  EXPECT_EQ(r.text("query_type"), "A");
  EXPECT_EQ(r.text("srcaddr"), "10.0.0.1");
  EXPECT_EQ(r.text("account_id"), "<absent>");
  EXPECT_EQ(r.text("custom"), "kept");
  EXPECT_EQ(r.line().find("www.amazon.com"), std::string::npos) << r.line();
}

// dnslens's own OCSF output of a Global Resolver record carries the ids in unmapped (OCSF has no place
// for them there): read back, they are the record's again. With the enrichment, it alone says them.
TEST(OcsfDnsReaderGlobalResolver, IdsInUnmappedReadBackWhenTheEventHasNoResolverEnrichment) {
  const ReadBack back(R"({"class_uid":4003,"time":1761358379995,"query":{"hostname":"example.com."},)"
                      R"("unmapped":{"global_resolver_id":"gr-1","dns_view_id":"dnsv-1","token_name":"device-1"}})");
  EXPECT_EQ(back.text("global_resolver_id"), "gr-1");
  EXPECT_EQ(back.text("dns_view_id"), "dnsv-1");
  EXPECT_EQ(back.text("token_name"), "device-1");
  const std::string both = replaced(aws_samples().at(0), R"("message":"",)",
                                    R"("message":"","unmapped":{"dns_view_id":"dnsv-other","custom":"kept"},)");
  const ReadBack r(both);
  EXPECT_EQ(r.text("dns_view_id"), "dnsv-a1b2c3d4fexample");
  EXPECT_EQ(r.text("custom"), "kept");
  EXPECT_EQ(r.line().find("dnsv-other"), std::string::npos) << r.line();
}

TEST(OcsfDnsReaderHostileInput, AnRcodeIdOutOfRangeIsNotACode) {
  const ReadBack r(R"({"class_uid":4003,"time":1761358379000,"query":{"hostname":"a.test."},)"
                   R"("rcode_id":4294967296,"rcode":"Refused"})");
  EXPECT_EQ(r.text("rcode"), "Refused");  // as written, not NOERROR (4294967296 wraps to 0 as an int)
}

TEST(OcsfDnsReaderHostileInput, ATimeOutsideTheYears0To9999IsABadTimestamp) {
  OcsfDnsReader reader;
  std::string out;
  for (const char* time : {"-9223372036854775808", "9223372036854775807", "253402300800000", "-62167219200001"}) {
    const ParseOutcome o =
        reader.to_route53(std::string(R"({"class_uid":4003,"query":{"hostname":"a.test."},"time":)") + time + "}", out);
    EXPECT_FALSE(o.ok) << time;
    EXPECT_EQ(o.reason, BadReason::kBadTimestamp) << time;
  }
  EXPECT_TRUE(reader.to_route53(R"({"class_uid":4003,"query":{"hostname":"a.test."},"time":253402300799999})", out).ok);
}

}  // namespace
}  // namespace dnslens
