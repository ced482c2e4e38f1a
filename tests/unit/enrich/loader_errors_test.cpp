// Error paths of the feed and policy loaders: hostile or malformed text is Error(kConfig) naming
// the file, the place and the problem; no other exception escapes, and aliases cannot expand.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/error.hpp"
#include "enrich/dns_firewall/policy_loader.hpp"
#include "enrich/threat_intel/feed_loader.hpp"

namespace dnslens {
namespace {

const PublicSuffixList& psl() {
  static const PublicSuffixList list =
      PublicSuffixList::load_file("/usr/share/publicsuffix/public_suffix_list.dat", PslScope::kIcannAndPrivate);
  return list;
}

// The message of the Error the call throws; a failure when it throws nothing or anything else.
template <typename F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConfig) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

std::string misp_error(const std::string& text) {
  FeedSpec spec;
  spec.name = "misp";
  spec.path = "misp.json";
  spec.format = FeedFormat::kMisp;
  ThreatIntel intel;
  return config_error([&] { (void)load_feed_text(spec, text, psl(), intel); });
}

TEST(FeedLoaderErrors, AMispEventOfTheWrongTypeNamesItsPointer) {
  EXPECT_NE(misp_error(R"({"Event": []})").find("misp.json: /Event: a MISP Event must be an object, not an array"),
            std::string::npos);
  EXPECT_NE(misp_error(R"({"Event": 5})").find("misp.json: /Event: a MISP Event must be an object, not a number"),
            std::string::npos);
  EXPECT_NE(misp_error(R"({"Event": null})").find("misp.json: /Event: a MISP Event must be an object, not null"),
            std::string::npos);
  EXPECT_NE(misp_error(R"({"response": [{"Event": {}}, {"Event": "x"}]})").find("misp.json: /response/1/Event"),
            std::string::npos);
}

TEST(FeedLoaderErrors, MispEventsWithoutAnOrgcLoad) {
  FeedSpec spec;
  spec.name = "misp";
  spec.path = "misp.json";
  ThreatIntel intel;
  const FeedReport r = load_feed_text(
      spec, R"([{"Event": {"Orgc": {"name": "CIRCL"}, "Attribute": [{"type": "domain", "value": "a-evil.com"}]}},
                {"Event": {"Attribute": [{"type": "domain", "value": "b-evil.com"}]}}])",
      psl(), intel);
  EXPECT_EQ(r.loaded, 2u);
  EXPECT_EQ(r.rejected, 0u);
}

TEST(FeedLoaderErrors, ABomBeforeTheCsvHeaderIsSkipped) {
  FeedSpec spec;
  spec.name = "csv";
  spec.path = "feed.csv";
  ThreatIntel intel;
  const FeedReport r = load_feed_text(spec, "\xEF\xBB\xBFindicator,confidence\nevil-domain.com,90\n", psl(), intel);
  EXPECT_EQ(r.format, FeedFormat::kCsv);
  EXPECT_EQ(r.loaded, 1u);
}

TEST(FeedLoaderErrors, AStixConfidenceOutOfRangeRejectsTheEntry) {
  FeedSpec spec;
  spec.name = "stix";
  spec.path = "bundle.json";
  ThreatIntel intel;
  const FeedReport r = load_feed_text(
      spec, R"({"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--1", "confidence": 4294967346,
                "pattern": "[domain-name:value = 'evil-domain.com']"}]})",
      psl(), intel);
  EXPECT_EQ(r.loaded, 0u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("bundle.json:object 1 (indicator--1): confidence 4294967346 is not 0..100"),
            std::string::npos)
      << r.problems[0];
}

std::string policy_error(const std::string& text, const std::string& path = "policy.yaml") {
  return config_error([&] { (void)load_policy_text(text, path, "", {}); });
}

// 9 levels of 9 aliases: a few hundred bytes that would expand to 9^9 nodes.
std::string alias_bomb(const std::string& key_prefix) {
  std::string yaml = key_prefix + "a: &a [x, x, x, x, x, x, x, x, x]\n";
  const char* names = "abcdefghi";
  for (int level = 1; level < 9; ++level) {
    yaml += key_prefix + names[level] + ": &" + names[level] + " [";
    for (int i = 0; i < 9; ++i) yaml += std::string(i ? ", " : "") + "*" + names[level - 1];
    yaml += "]\n";
  }
  return yaml;
}

TEST(PolicyLoaderErrors, AnAliasBombIsRefusedBeforeItExpands) {
  const auto start = std::chrono::steady_clock::now();
  const std::string err = policy_error("domain_lists:\n" + alias_bomb("  "), "bomb.yaml");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
  EXPECT_NE(err.find("bomb.yaml: line "), std::string::npos) << err;
  EXPECT_NE(err.find("aliases expand to more than"), std::string::npos) << err;
  // Whatever the file's name: a .txt is tried as YAML first too.
  EXPECT_NE(policy_error("domain_lists:\n" + alias_bomb("  "), "list.txt").find("aliases expand"), std::string::npos);
  // A CloudFormation template.
  EXPECT_NE(policy_error("Resources:\n  Bomb:\n" + alias_bomb("    "), "stack.yaml").find("stack.yaml: line "),
            std::string::npos);
}

TEST(PolicyLoaderErrors, AnAliasInsideWhatItNamesIsACycle) {
  const std::string err = policy_error("domain_lists: &a {l: *a}\n");
  EXPECT_NE(err.find("policy.yaml: line 1, column "), std::string::npos) << err;
  EXPECT_NE(err.find("refers to a node that contains it"), std::string::npos) << err;
}

TEST(PolicyLoaderErrors, DeepNestingIsRefusedWithItsPlace) {
  std::string block = "rule_groups:\n  ";
  for (int i = 0; i < 4000; ++i) block += "- ";
  EXPECT_NE(policy_error(block + "x\n").find("policy.yaml: line 2, column "), std::string::npos);
  EXPECT_NE(policy_error("rule_groups: " + std::string(5000, '[') + "\n").find("policy.yaml: line 1, column "),
            std::string::npos);
}

TEST(PolicyLoaderErrors, ANonScalarKeyNamesItsLine) {
  const std::string err = policy_error("version: 1\n? [a, b]\n: 1\n");
  EXPECT_NE(err.find("policy.yaml: line 2, column 3: a key must be a plain value"), std::string::npos) << err;
}

TEST(PolicyLoaderErrors, ABomBeforeAPolicyOrListIsSkipped) {
  const FirewallPolicy p =
      load_policy_text("\xEF\xBB\xBFversion: 1\ndomain_lists:\n  l: [bom.example]\n", "p.yaml", "", {});
  ASSERT_EQ(p.domain_lists.size(), 1u);
  EXPECT_EQ(p.domain_lists[0].domains.at(0), "bom.example");
  const FirewallPolicy list = load_policy_text(
      "\xEF\xBB\xBF"
      "first.example\nsecond.example\n",
      "l.txt", "l", {});
  ASSERT_EQ(list.domain_lists.size(), 1u);
  EXPECT_EQ(list.domain_lists[0].domains.at(0), "first.example");
}

}  // namespace
}  // namespace dnslens
