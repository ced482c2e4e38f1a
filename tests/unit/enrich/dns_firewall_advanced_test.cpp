// DNS Firewall Advanced simulated per query: DGA and DNS_TUNNELING at LOW, MEDIUM and HIGH from the query
// name's signals, in priority order with the domain-list rules, on the query name only; what AWS rejects
// on such rules, and what lint says about their order.
#include <gtest/gtest.h>

#include "core/dns_name.hpp"
#include "core/error.hpp"
#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "detect/dga/dga_families.hpp"
#include "enrich/dns_firewall/firewall_enricher.hpp"
#include "enrich/dns_firewall/policy_lint.hpp"
#include "enrich/dns_firewall/policy_loader.hpp"
#include "enrich/dns_firewall/threat_protection.hpp"
#include "pipeline/record_processor.hpp"

namespace dnslens {
namespace {

const PublicSuffixList& psl() {
  static const PublicSuffixList p = PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, PslScope::kIcannAndPrivate);
  return p;
}

// Enriches queries as run and serve do (names, name signals, then the firewall), against one policy.
class Advanced {
 public:
  explicit Advanced(const std::string& policy_yaml, bool signals = true)
      : handle_(std::make_shared<const FirewallEvaluator>(load_policy_text(policy_yaml, "policy.yaml", "", {}))),
        chain_(build_enricher_chain(Enrichers{.psl = &psl(),
                                              .firewall = &handle_,
                                              .dga = signals ? &default_dga_model() : nullptr,
                                              .benign_noise = signals ? &BenignNoise::builtin() : nullptr})),
        local_(chain_.make_local()) {
    chain_.begin_batch(local_);
  }

  // The deciding rule's name, or "-".
  std::string decide(const std::string& name, const std::string& type = "A",
                     const std::vector<std::string>& cnames = {}) {
    out_ = enrich(name, type, cnames);
    return out_.firewall.decided() ? std::string(out_.firewall.rule_name) : "-";
  }
  const EnrichedRecord& last() const { return out_; }
  const FirewallEvaluator& evaluator() const { return *handle_.current(); }

  EnrichedRecord enrich(const std::string& name, const std::string& type = "A",
                        const std::vector<std::string>& cnames = {}) {
    name_ = name;
    type_ = type;
    cnames_ = cnames;
    QueryRecord r;
    r.vpc_id = "vpc-a";
    r.query_name = name_;
    r.query_type = type_;
    for (const auto& c : cnames_) r.answers[r.answer_count++] = DnsAnswer{c, "CNAME", "IN"};
    EnrichedRecord e;
    chain_.enrich(r, e, local_);
    return e;
  }

 private:
  FirewallHandle handle_;
  EnricherChain chain_;
  EnricherChain::Local local_;
  EnrichedRecord out_;
  std::string name_, type_;
  std::vector<std::string> cnames_;
};

std::string rule(const std::string& name, int priority, const std::string& protection, const std::string& confidence,
                 const std::string& action = "ALERT") {
  return "      - {name: " + name + ", priority: " + std::to_string(priority) + ", action: " + action +
         (action == "BLOCK" ? ", block_response: NXDOMAIN" : "") + ", threat_protection: " + protection +
         ", confidence: " + confidence + "}\n";
}

std::string policy(const std::string& rules, const std::string& lists = "") {
  return "version: 1\n" + (lists.empty() ? "" : "domain_lists:\n" + lists) + "rule_groups:\n  g:\n    rules:\n" + rules;
}

TEST(AdvancedDga, CatchesMachineMadeRegisteredLabelsAndNotPopularOrPlatformNames) {
  Advanced high(policy(rule("dga", 100, "DGA", "HIGH", "BLOCK")));
  Advanced low(policy(rule("dga", 100, "DGA", "LOW")));
  std::size_t caught_high = 0, caught_low = 0;
  const auto names = generate_dga_domains(DgaFamily::kNecurs, 42, 300);
  for (const auto& n : names) {
    const bool at_high = high.decide(n) == "dga";
    const bool at_low = low.decide(n) == "dga";
    EXPECT_TRUE(!at_high || at_low) << n << " matches at HIGH but not at LOW";
    caught_high += at_high;
    caught_low += at_low;
  }
  // The thresholds are nested: LOW catches at least what HIGH does, and both catch a real share.
  EXPECT_GE(caught_low, caught_high);
  EXPECT_GE(caught_high, names.size() / 5) << caught_high;
  EXPECT_GE(caught_low, names.size() * 7 / 10) << caught_low;
  for (const char* benign : {"www.google.com", "github.com", "stackoverflow.com", "s3.us-east-1.amazonaws.com",
                             "login.microsoftonline.com", "wikipedia.org"}) {
    EXPECT_EQ(low.decide(benign), "-") << benign;
  }
  // A CloudFront distribution's label scores as machine-made, but the platform assigned it.
  EXPECT_EQ(low.decide("d1a2b3c4d5e6f7.cloudfront.net"), "-");
  EXPECT_GE(low.last().signals.dga_score, threat_protection_thresholds().dga_score[2]);
  // Single-label names (a browser's random intranet probe) have no registered domain to judge.
  EXPECT_EQ(low.decide("bdpxjtycq"), "-");
}

TEST(AdvancedTunneling, LongEncodedSubdomainsMatchAtTheirLevel) {
  Advanced high(policy(rule("tunnel", 100, "DNS_TUNNELING", "HIGH")));
  Advanced low(policy(rule("tunnel", 100, "DNS_TUNNELING", "LOW")));
  const std::string chunk50 = "o5hqf7uxqmvub5rvnvkj2yiibcwzxryj4taq2zrbs633xrw4p5";
  EXPECT_EQ(high.decide(chunk50 + ".87.ledgermetrics-403.net", "TXT"), "tunnel");
  EXPECT_EQ(high.decide(chunk50 + ".87.ledgermetrics-403.net", "A"), "tunnel");  // every query type
  // A 16-character chunk is long enough for LOW, not for HIGH.
  EXPECT_EQ(low.decide("vapmsihui7757e7l.19.nodenode-695.net"), "tunnel");
  EXPECT_EQ(high.decide("vapmsihui7757e7l.19.nodenode-695.net"), "-");
  // Known benign encodings (a hash-reputation lookup) and ordinary names do not.
  EXPECT_EQ(low.decide("e3945bee0717d829df759d7fd63529fea334097b.malware.hash.cymru.com", "TXT"), "-");
  EXPECT_EQ(low.decide("www.example.com"), "-");
  EXPECT_EQ(low.decide("internationalization.example.com"), "-");
}

TEST(AdvancedOrder, RulesDecideInPriorityOrderWithTheDomainListRules) {
  const std::string lists = "  corp: [\"*.corp.example\"]\n  bad: [\"bad.example\", \"*.bad.example\"]\n";
  Advanced a(policy("      - {name: allow-corp, priority: 50, action: ALLOW, domain_list: corp}\n" +
                        rule("dga", 100, "DGA", "LOW", "BLOCK") +
                        "      - {name: block-bad, priority: 200, action: BLOCK, block_response: NODATA, "
                        "domain_list: bad}\n" +
                        rule("tunnel", 300, "DNS_TUNNELING", "LOW"),
                    lists));
  const std::string dga = generate_dga_domains(DgaFamily::kRamnit, 7, 1)[0];
  ASSERT_EQ(a.decide(dga), "dga");
  const std::string dga_label = dga.substr(0, dga.find('.'));
  EXPECT_EQ(a.decide(dga_label + ".corp.example"), "allow-corp");  // the earlier ALLOW decides
  EXPECT_EQ(a.decide("x.bad.example"), "block-bad");
  const std::string tunnel = "47rhkqe37qem4kdtlwcg4a52ppoa5hnfj7ir.56.bad.example";
  EXPECT_EQ(a.decide(tunnel), "block-bad");  // the list rule comes first
  EXPECT_EQ(a.decide("47rhkqe37qem4kdtlwcg4a52ppoa5hnfj7ir.56.kvkv-876.net"), "tunnel");
  // The verdict carries the rule, with no domain list.
  EXPECT_EQ(a.last().firewall.action, "ALERT");
  EXPECT_EQ(a.last().firewall.domain_list_id, "");
}

TEST(AdvancedOrder, OnlyTheQueryNameIsInspectedNotTheRedirectionChain) {
  Advanced a(policy(rule("dga", 100, "DGA", "LOW", "BLOCK")));
  const std::string dga = generate_dga_domains(DgaFamily::kNecurs, 3, 40)[0];
  ASSERT_EQ(a.decide(dga), "dga");
  EXPECT_EQ(a.decide("www.shop.example", "A", {dga + "."}), "-");
}

TEST(AdvancedDictionaryDga, LoadsButNeverMatches) {
  Advanced a(policy(rule("dict", 100, "DICTIONARY_DGA", "LOW") + rule("dga", 200, "DGA", "LOW")));
  EXPECT_FALSE(a.evaluator().rules()[0].evaluable);
  const std::string dga = generate_dga_domains(DgaFamily::kNecurs, 9, 40)[0];
  EXPECT_EQ(a.decide(dga), "dga");  // goes on past the rule the simulation cannot evaluate
}

TEST(AdvancedSignals, WithoutTheNameSignalsThePipelineRefusesThePolicy) {
  FirewallHandle handle(std::make_shared<const FirewallEvaluator>(
      load_policy_text(policy(rule("dga", 100, "DGA", "HIGH")), "p.yaml", "", {})));
  PipelineConfig config;
  config.source.inputs = {"-"};
  config.enrich.psl = &psl();
  config.enrich.firewall = &handle;
  try {
    config.validate();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("DNS Firewall Advanced rules read name signals"), std::string::npos)
        << e.what();
  }
  config.enrich.dga = &default_dga_model();
  EXPECT_NO_THROW(config.validate());
}

std::vector<std::string> codes(const std::vector<PolicyProblem>& problems, Severity s) {
  std::vector<std::string> out;
  for (const auto& p : problems) {
    if (p.severity == s) out.push_back(p.code);
  }
  return out;
}

TEST(AdvancedCheck, WhatAwsRejectsAndWhatDoesNotApply) {
  FirewallPolicy p =
      load_policy_text(policy(rule("allow", 100, "DGA", "HIGH", "ALLOW") +
                                  "      - {name: none, priority: 200, action: ALERT, threat_protection: "
                                  "DNS_TUNNELING}\n"
                                  "      - {name: typed, priority: 300, action: ALERT, threat_protection: "
                                  "DGA, confidence: LOW, query_type: TXT}\n"
                                  "      - {name: listed, priority: 400, action: ALERT, confidence: LOW, "
                                  "domain_list: l}\n",
                              "  l: [a.example]\n"),
                       "p.yaml", "", {});
  const auto problems = p.check();
  EXPECT_EQ(codes(problems, Severity::kError),
            (std::vector<std::string>{"rule.advanced_allow", "rule.confidence_missing", "rule.confidence_unexpected"}));
  EXPECT_EQ(codes(problems, Severity::kWarning), std::vector<std::string>{"rule.advanced_query_type"});
  try {
    p.validate();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rule 'allow' (priority 100) in rule group 'g': DNS Firewall Advanced (DGA) "
                                         "rules take ALERT or BLOCK, not ALLOW"),
              std::string::npos)
        << e.what();
  }
  try {
    (void)load_policy_text(policy("      - {name: x, priority: 1, action: ALERT, threat_protection: DGAS}\n"), "p.yaml",
                           "", {});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("p.yaml: rule group 'g' rule 'x': threat protection 'DGAS' is not DGA, "
                                         "DICTIONARY_DGA or DNS_TUNNELING"),
              std::string::npos)
        << e.what();
  }
}

TEST(AdvancedLint, AStricterRuleAfterALooserOneOfTheSameProtectionNeverDecides) {
  FirewallPolicy p =
      load_policy_text(policy(rule("dga-low", 100, "DGA", "LOW") + rule("dga-high", 200, "DGA", "HIGH", "BLOCK") +
                              rule("tunnel-high", 300, "DNS_TUNNELING", "HIGH") +
                              rule("tunnel-low", 400, "DNS_TUNNELING", "LOW", "BLOCK")),
                       "p.yaml", "", {});
  const LintReport report = lint_policy(p);
  EXPECT_EQ(report.errors, 0u);
  std::vector<std::string> shadowed;
  for (const auto& pr : report.problems) {
    if (pr.code == "rule.shadowed") shadowed.push_back(pr.message);
  }
  ASSERT_EQ(shadowed.size(), 1u);
  EXPECT_NE(shadowed[0].find("rule 'dga-high' (priority 200) in rule group 'g' (DGA at HIGH) can never decide a "
                             "query: ALERT rule 'dga-low' (priority 100) in rule group 'g' at LOW matches first"),
            std::string::npos)
      << shadowed[0];
  bool low_block_note = false;
  for (const auto& pr : report.problems) low_block_note = low_block_note || pr.code == "rule.advanced_low_block";
  EXPECT_TRUE(low_block_note);

  FirewallPolicy everything =
      load_policy_text(policy("      - {name: allow-all, priority: 10, action: ALLOW, domain_list: all}\n" +
                                  rule("dga", 100, "DGA", "HIGH", "BLOCK"),
                              "  all: [\"*\"]\n"),
                       "p.yaml", "", {});
  bool unreachable = false;
  for (const auto& pr : lint_policy(everything).problems)
    unreachable = unreachable || pr.code == "rule.block_unreachable";
  EXPECT_TRUE(unreachable);
}

}  // namespace
}  // namespace dnslens
