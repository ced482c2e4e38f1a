#include "sources/envelope_decoder.hpp"

#include <gtest/gtest.h>

#include "../compress_helpers.hpp"
#include "core/error.hpp"
#include "core/json_escape.hpp"

namespace dnslens {
namespace {

using testing::gzip_member;

const std::string kRecordA = R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"a.example.com."})";
const std::string kRecordB = R"({"query_timestamp":"2021-02-04T17:51:56Z","query_name":"b.example.com."})";

std::string escaped(std::string_view s) {
  std::string out;
  append_json_escaped(out, s);
  return out;
}

std::string cloudwatch_payload(const std::vector<std::string>& messages, std::string_view type = "DATA_MESSAGE") {
  std::string p =
      R"({"messageType":")" + std::string(type) +
      R"(","owner":"111122223333","logGroup":"/aws/route53resolver","logStream":"vpc-1_1","subscriptionFilters":["f"],"logEvents":[)";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    p += (i ? "," : "") + std::string(R"({"id":"3195310660696698337880902507980421114328961542429822156)") +
         std::to_string(i) + R"(","timestamp":1612461115000,"message":")" + escaped(messages[i]) + "\"}";
  }
  return p + "]}";
}

std::string firehose_body(const std::vector<std::string>& datas) {
  std::string b = R"({"requestId":"ed4acda5-034f-9f42-bba1-f29aea6d7d8f","timestamp":1578090901599,"records":[)";
  for (std::size_t i = 0; i < datas.size(); ++i)
    b += (i ? "," : "") + std::string(R"({"data":")") + base64_encode(datas[i]) + "\"}";
  return b + "]}";
}

DecodedEnvelopes decode(std::string_view text, InputFormat f = InputFormat::kAuto) {
  return decode_envelopes(text, f == InputFormat::kAuto ? sniff_input_format(text) : f, "test", DecompressLimits{});
}

TEST(EnvelopeDecoder, SniffsFormats) {
  EXPECT_EQ(sniff_input_format(kRecordA), InputFormat::kJsonLines);
  EXPECT_EQ(sniff_input_format(cloudwatch_payload({kRecordA})), InputFormat::kCloudWatch);
  EXPECT_EQ(sniff_input_format(firehose_body({kRecordA})), InputFormat::kFirehose);
  EXPECT_EQ(sniff_input_format("  "), InputFormat::kJsonLines);
}

TEST(EnvelopeDecoder, CloudWatchPayloadAndControlMessages) {
  auto d = decode(cloudwatch_payload({kRecordA, kRecordB}) + "\n" +
                  cloudwatch_payload({"CWL CONTROL MESSAGE"}, "CONTROL_MESSAGE"));
  EXPECT_EQ(d.records, kRecordA + "\n" + kRecordB + "\n");
  EXPECT_EQ(d.log_events, 2u);
  EXPECT_EQ(d.control_messages, 1u);
  EXPECT_TRUE(d.problems.empty());
}

TEST(EnvelopeDecoder, FirehoseWithGzippedCloudWatchSubscriptionData) {
  // What CloudWatch Logs subscriptions deliver through Firehose: each record's data is a gzip payload.
  auto d =
      decode(firehose_body({gzip_member(cloudwatch_payload({kRecordA})), gzip_member(cloudwatch_payload({kRecordB}))}));
  EXPECT_EQ(d.records, kRecordA + "\n" + kRecordB + "\n");
  EXPECT_EQ(d.firehose_records, 2u);
  EXPECT_EQ(d.request_id, "ed4acda5-034f-9f42-bba1-f29aea6d7d8f");
}

TEST(EnvelopeDecoder, FirehoseWithDirectQueryLogRecords) {
  auto d = decode(firehose_body({kRecordA + "\n", kRecordB + "\n" + kRecordA}));
  EXPECT_EQ(d.records, kRecordA + "\n" + kRecordB + "\n" + kRecordA + "\n");
}

TEST(EnvelopeDecoder, LambdaAwslogsEventAndConcatenatedPayloads) {
  std::string lambda = R"({"awslogs":{"data":")" + base64_encode(gzip_member(cloudwatch_payload({kRecordA}))) + "\"}}";
  auto d = decode(lambda);
  EXPECT_EQ(d.records, kRecordA + "\n");
  // Firehose writes CloudWatch payloads to S3 back to back, without separators.
  auto d2 = decode(cloudwatch_payload({kRecordA}) + cloudwatch_payload({kRecordB}), InputFormat::kCloudWatch);
  EXPECT_EQ(d2.records, kRecordA + "\n" + kRecordB + "\n");
  EXPECT_EQ(d2.envelopes, 2u);
}

TEST(EnvelopeDecoder, BadEnvelopeIsReportedAndTheOthersStillDecode) {
  std::string good = firehose_body({kRecordA});
  std::string bad_base64 = R"({"requestId":"r2","timestamp":1,"records":[{"data":"!!!not base64!!!"}]})";
  std::string truncated_gzip = firehose_body({gzip_member(cloudwatch_payload({kRecordB})).substr(0, 20)});
  auto d = decode(good + "\n" + bad_base64 + "\n" + truncated_gzip + "\n" + good);
  EXPECT_EQ(d.records, kRecordA + "\n" + kRecordA + "\n");
  ASSERT_EQ(d.problems.size(), 2u);
  EXPECT_EQ(d.problems[0].index, 2u);
  EXPECT_NE(d.problems[0].reason.find("base64"), std::string::npos);
  EXPECT_EQ(d.problems[1].index, 3u);
  EXPECT_NE(d.problems[1].reason.find("truncated"), std::string::npos);
  EXPECT_EQ(d.origin, (std::vector<std::uint64_t>{1, 4}));
}

TEST(EnvelopeDecoder, ProblemsPastTheirCapAreCountedNotKept) {
  std::string body = R"({"requestId":"r","records":[)";
  for (int i = 0; i < 5000; ++i) body += (i ? "," : "") + std::string(R"({"nodata":1})");
  body += "]}";
  const FirehoseRequest r = decode_firehose_request(body, "test", DecompressLimits{}, {.max_problems = 100});
  ASSERT_EQ(r.decoded.problems.size(), 100u);
  EXPECT_EQ(r.decoded.problems_dropped, 4900u);
  EXPECT_EQ(r.decoded.problems.back().index, 100u);
  EXPECT_EQ(r.decoded.firehose_records, 5000u);
}

TEST(EnvelopeDecoder, TheBudgetEndsTheWholeDecodeNotOneRecord) {
  // A CloudWatch payload inside a Firehose record inside a file of Firehose requests: every
  // level's inflation counts against the one budget.
  const std::string nested = gzip_member(cloudwatch_payload(std::vector<std::string>(2000, kRecordA)));
  const std::string text = firehose_body({nested}) + firehose_body({nested});
  const std::size_t payload = cloudwatch_payload(std::vector<std::string>(2000, kRecordA)).size();
  const EnvelopeBudget roomy{.max_decoded_bytes = 2 * payload};
  EXPECT_EQ(decode_envelopes(text, InputFormat::kFirehose, "test", DecompressLimits{}, roomy).origin.size(), 4000u);
  const EnvelopeBudget tight{.max_decoded_bytes = 2 * payload - 1};
  try {
    (void)decode_envelopes(text, InputFormat::kFirehose, "test", DecompressLimits{}, tight);
    FAIL() << "a decode past its budget must fail as a whole";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDecompressionBomb);
    EXPECT_NE(std::string(e.what()).find("decompressed payloads come to more than"), std::string::npos) << e.what();
  }
  // Lines count too, and so does their number.
  const std::string direct = firehose_body({kRecordA + "\n" + kRecordB + "\n" + kRecordA + "\n"});
  auto code_of = [&](const EnvelopeBudget& b) {
    try {
      (void)decode_firehose_request(direct, "test", DecompressLimits{}, b);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kInternal;  // decoded: no error
  };
  EXPECT_EQ(code_of({.max_lines = 2}), ErrorCode::kDecompressionBomb);
  EXPECT_EQ(decode_firehose_request(direct, "test", DecompressLimits{}, {.max_lines = 3}).decoded.origin.size(), 3u);
  EXPECT_EQ(code_of({.max_decoded_bytes = 3 * kRecordA.size()}), ErrorCode::kDecompressionBomb);
}

TEST(EnvelopeDecoder, ARecordThatIsDroppedGivesBackTheLinesItHadCharged) {
  // Record 1's events decode, then one without a message drops the record whole; record 2 fits the
  // budget only if record 1's lines no longer count.
  std::string events = R"({"messageType":"DATA_MESSAGE","logEvents":[)";
  for (int i = 0; i < 40; ++i) events += R"({"message":")" + escaped(kRecordA) + "\"},";
  events += R"({"id":"no message"}]})";
  std::string second;
  for (int i = 0; i < 20; ++i) second += kRecordB + "\n";
  const std::string body = firehose_body({gzip_member(events), second});
  // What record 1 inflated to still counts (that work was done); its 40 lines must not.
  const std::uint64_t limit = events.size();
  ASSERT_LT(limit, 40 * (kRecordA.size() + 1) + second.size());
  ASSERT_GE(limit, second.size());
  const FirehoseRequest r = decode_firehose_request(body, "test", DecompressLimits{}, {.max_decoded_bytes = limit});
  EXPECT_EQ(r.decoded.records, second);
  ASSERT_EQ(r.decoded.problems.size(), 1u);
  EXPECT_EQ(r.decoded.problems[0].index, 1u);
}

TEST(EnvelopeDecoder, SplitsTopLevelJsonHonouringStrings) {
  auto docs = split_top_level_json(R"({"a":"}{"}{"b":[1,{"c":2}]}  {"d":"\"}"})");
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0], R"({"a":"}{"})");
  EXPECT_EQ(docs[2], R"({"d":"\"}"})");
}

}  // namespace
}  // namespace dnslens
