// RecordProcessor's per-name memo: a repeated name gets the signals it would have got computed
// afresh, and the memo never answers for a different name.
#include "pipeline/record_processor.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "../test_padding.hpp"
#include "pipeline_test_helpers.hpp"

namespace dnslens {
namespace {

using testing::line_for;

const PublicSuffixList& psl() { return testing::pipeline_psl(); }

Enrichers signal_enrichers() {
  Enrichers e;
  e.psl = &psl();
  e.dga = &default_dga_model();
  e.benign_noise = &BenignNoise::builtin();
  return e;
}

std::string enrich(RecordProcessor& p, std::string_view name, EnrichedRecord* outcome = nullptr) {
  testing::PaddedLine line(line_for(name));
  QueryLogParser parser;
  QueryRecord record;
  EXPECT_TRUE(parser.parse(line.view(), line.capacity(), record).ok);
  OutputBuffer out;
  EnrichedRecord o = p.append_enriched(line.view(), record, out);
  if (outcome != nullptr) *outcome = o;
  return std::string(out.view());
}

TEST(RecordProcessor, RepeatedNamesGetTheSignalsComputedAfresh) {
  const std::vector<std::string> names = {"xkqjwbrtzplmvh.com.",      "www.example.co.uk.",
                                          "s3.amazonaws.com.",        "a1b2c3d4e5f6a7b8c9d0.t.exfil.net.",
                                          "xkqjwbrtzplmvh.mooo.com.", "169.254.169.254.in-addr.arpa."};
  RecordProcessor warm(signal_enrichers(), 1 << 20);
  for (const auto& n : names) (void)enrich(warm, n);  // every name now in the memo
  ASSERT_EQ(warm.signal_memo()->misses(), names.size());
  for (const auto& n : names) {
    RecordProcessor fresh(signal_enrichers(), 1 << 20);
    EnrichedRecord from_memo, computed;
    EXPECT_EQ(enrich(warm, n, &from_memo), enrich(fresh, n, &computed)) << n;
    EXPECT_EQ(from_memo.signals.dga_score, computed.signals.dga_score) << n;
    EXPECT_EQ(from_memo.signals.subdomain_dga, computed.signals.subdomain_dga) << n;
    EXPECT_EQ(from_memo.signals.longest_subdomain_label, computed.signals.longest_subdomain_label) << n;
    EXPECT_EQ(from_memo.name_hash, computed.name_hash) << n;
    EXPECT_EQ(fresh.signal_memo()->hits(), 0u);
  }
  EXPECT_EQ(warm.signal_memo()->hits(), names.size());
}

TEST(RecordProcessor, LongSubdomainLabelsAreScoredShortOnesAreNot) {
  RecordProcessor p(signal_enrichers(), 1 << 20);
  EnrichedRecord o;
  (void)enrich(p, "qzxvkjwpfhgtmbnrcdlsy.t.exfil.net.", &o);
  EXPECT_EQ(o.signals.longest_subdomain_label, 21);
  EXPECT_GT(o.signals.subdomain_dga, 0.5f);
  (void)enrich(p, "www.exfil.net.", &o);
  EXPECT_EQ(o.signals.longest_subdomain_label, 3);
  EXPECT_EQ(o.signals.subdomain_dga, 0.0f);
}

TEST(NameMemo, AnswersOnlyForTheSameNameAndSkipsOverlongOnes) {
  NameMemo<int> memo(4);
  memo.put("a.example.com", 7, 1);
  ASSERT_NE(memo.find("a.example.com", 7), nullptr);
  EXPECT_EQ(*memo.find("a.example.com", 7), 1);
  EXPECT_EQ(memo.find("b.example.com", 7), nullptr);  // same hash, different name: a collision
  EXPECT_EQ(memo.find("a.example.com", 11), nullptr);
  memo.put("b.example.com", 11, 2);  // 11 & 3 == 7 & 3: replaces the slot
  EXPECT_EQ(memo.find("a.example.com", 7), nullptr);
  EXPECT_EQ(*memo.find("b.example.com", 11), 2);
  const std::string long_name(300, 'a');
  memo.put(long_name, 5, 3);
  EXPECT_EQ(memo.find(long_name, 5), nullptr);
}

}  // namespace
}  // namespace dnslens
