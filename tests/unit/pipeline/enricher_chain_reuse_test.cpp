// The enricher chain does not reset the record between records: each enricher writes every field it
// owns. A record with every fact set (threat-intel hit, firewall rule, registered domain, name
// signals) followed by one with none of them must come out as if enriched alone.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <simdjson.h>

#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "enrich/dns_firewall/policy_loader.hpp"
#include "enrich/threat_intel/feed_loader.hpp"
#include "pipeline/record_processor.hpp"
#include "pipeline_test_helpers.hpp"

namespace dnslens {
namespace {

using testing::line_for;

const PublicSuffixList& psl() { return testing::pipeline_psl(); }

// What each record was enriched with, copied when it is seen (the views point into per-record buffers).
struct Facts {
  bool threat_hit;
  std::uint32_t threat_count;
  std::string threat_feed;
  bool firewall_rule;
  std::string firewall_action, firewall_rule_name;
  std::string registered_domain, public_suffix;
  bool tld_valid;
  std::uint32_t name_length;
  float dga_score;
  std::uint64_t name_hash;
};

struct Recorder final : RecordObserver {
  void observe(const QueryRecord&, const EnrichedRecord& e) override {
    seen.push_back({e.threat.hit(), e.threat.count, std::string(e.threat.feed), e.firewall.rule != nullptr,
                    std::string(e.firewall.action), std::string(e.firewall.rule_name), std::string(e.registered_domain),
                    std::string(e.public_suffix), e.tld_valid, e.signals.features.name_length, e.signals.dga_score,
                    e.name_hash});
  }
  std::vector<Facts> seen;
};

TEST(EnricherChainReuse, ARecordCarriesNothingOfTheOneBefore) {
  auto intel = std::make_shared<ThreatIntel>();
  (void)load_feed_text(FeedSpec::parse("feed=inline.txt"), "c2-beacon.xyz\n", psl(), *intel);
  const IntelHandle handle(intel);
  const FirewallHandle firewall(std::make_shared<const FirewallEvaluator>(load_policy_text(R"(version: 1
domain_lists:
  bad: [c2-beacon.xyz, "*.c2-beacon.xyz"]
rule_groups:
  g:
    rules:
      - {name: block-bad, priority: 100, action: BLOCK, block_response: NXDOMAIN, domain_list: bad}
associations: [{rule_group: g, vpc: "*", priority: 101}]
)",
                                                                                           "policy.yaml", "", {})));
  const Enrichers enrichers{.psl = &psl(),
                            .interesting = nullptr,
                            .intel = &handle,
                            .intel_match_srcaddr = false,
                            .firewall = &firewall,
                            .dga = &default_dga_model(),
                            .benign_noise = &BenignNoise::builtin()};
  RecordProcessor processor(enrichers, 1 << 20);
  Recorder recorder;
  processor.set_observer(&recorder);
  // Every fact, then a name that is not valid DNS syntax (no parts, no signals), then a plain name.
  const std::string text =
      line_for("www.c2-beacon.xyz.") + "\n" + line_for("bad..name") + "\n" + line_for("www.example.com.") + "\n";
  Job job;
  job.input.assign(text.begin(), text.end());
  job.size = text.size();
  job.input.resize(job.size + simdjson::SIMDJSON_PADDING, '\0');
  processor.process(job);
  ASSERT_EQ(recorder.seen.size(), 3u);
  const Facts& hit = recorder.seen[0];
  ASSERT_TRUE(hit.threat_hit);
  EXPECT_EQ(hit.threat_feed, "feed");
  ASSERT_TRUE(hit.firewall_rule);
  EXPECT_EQ(hit.firewall_action, "BLOCK");
  EXPECT_EQ(hit.registered_domain, "c2-beacon.xyz");
  EXPECT_GT(hit.name_length, 0u);

  const Facts& invalid = recorder.seen[1];
  EXPECT_FALSE(invalid.threat_hit);
  EXPECT_EQ(invalid.threat_count, 0u);
  EXPECT_TRUE(invalid.threat_feed.empty());
  EXPECT_FALSE(invalid.firewall_rule);
  EXPECT_TRUE(invalid.firewall_action.empty());
  EXPECT_TRUE(invalid.firewall_rule_name.empty());
  EXPECT_TRUE(invalid.registered_domain.empty());
  EXPECT_TRUE(invalid.public_suffix.empty());
  EXPECT_FALSE(invalid.tld_valid);
  EXPECT_EQ(invalid.name_length, 0u);
  EXPECT_EQ(invalid.dga_score, 0.0f);
  EXPECT_EQ(invalid.name_hash, 0u);

  const Facts& plain = recorder.seen[2];
  EXPECT_FALSE(plain.threat_hit);
  EXPECT_FALSE(plain.firewall_rule);
  EXPECT_EQ(plain.registered_domain, "example.com");
  EXPECT_TRUE(plain.tld_valid);
}

}  // namespace
}  // namespace dnslens
