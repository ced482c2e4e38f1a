// A Detection Finding's evidence records when they were read from OCSF events: each keeps its own
// query, source and region (the parser reuses the buffer an OCSF line is converted into, so a record
// read from one must not view it once the next evidence line is parsed).
#include "sinks/ocsf/ocsf_finding.hpp"

#include <string>

#include <gtest/gtest.h>
#include <simdjson.h>

namespace dnslens {
namespace {

TEST(OcsfDetectionFinding, EvidenceReadFromOcsfEventsKeepsEachRecord) {
  Finding f;
  f.type = FindingType::kThreatIntelMatch;
  f.domain = "evilbad.com";
  f.first_seen_ms = f.last_seen_ms = 1761358379000;
  for (int i = 0; i < 6; ++i) {
    // Each line longer than the one before: the converted line outgrows the buffer every time.
    const std::string host =
        "h" + std::to_string(i) + std::string(static_cast<std::size_t>(10 * i), 'x') + ".evilbad.com.";
    f.evidence.push_back(R"({"class_uid":4003,"time":1761358379000,"cloud":{"region":"us-east-)" + std::to_string(i) +
                         R"("},"query":{"hostname":")" + host + R"(","type":"A"},"src_endpoint":{"ip":"10.0.0.)" +
                         std::to_string(i + 1) + R"("}})");
  }
  std::string out;
  encode_ocsf_detection_finding(f, "1.1.0", out);
  simdjson::dom::parser parser;
  simdjson::dom::element event;
  ASSERT_EQ(parser.parse(out).get(event), simdjson::SUCCESS) << out;
  EXPECT_EQ(std::string_view(event["cloud"]["region"]), "us-east-0") << out;
  simdjson::dom::array evidences;
  ASSERT_EQ(event["evidences"].get_array().get(evidences), simdjson::SUCCESS) << out;
  ASSERT_EQ(evidences.size(), 6u);
  int i = 0;
  for (simdjson::dom::element e : evidences) {
    const std::string host =
        "h" + std::to_string(i) + std::string(static_cast<std::size_t>(10 * i), 'x') + ".evilbad.com.";
    EXPECT_EQ(std::string_view(e["query"]["hostname"]), host) << i;
    EXPECT_EQ(std::string_view(e["src_endpoint"]["ip"]), "10.0.0." + std::to_string(i + 1)) << i;
    ++i;
  }
}

}  // namespace
}  // namespace dnslens
