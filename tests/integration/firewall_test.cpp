// The firewall commands end to end through the real binary: simulate (table and JSON), lint exit
// codes, suggest's lists and Advanced rules, and run --firewall-policy's per-record fields, DNS Firewall
// Advanced rules included.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_harness.hpp"

namespace dnslens::testing {
namespace {

const std::string kData = std::string(DNSLENS_TEST_DATA) + "/firewall/";

TEST(FirewallSimulate, JsonReportCountsRulesAndDrift) {
  Workdir w;
  for (const char* threads : {"1", "2"}) {
    RunResult r = run_dnslens(w, std::string("firewall simulate --json -j ") + threads + " --policy " + kData +
                                     "aws-cli " + kData + "logs.jsonl --dead-letter dl.jsonl");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["records"], 12);
    EXPECT_EQ(j["simulated"]["BLOCK"], 5);
    EXPECT_EQ(j["simulated"]["ALERT"], 1);
    EXPECT_EQ(j["simulated"]["ALLOW"], 4);
    EXPECT_EQ(j["simulated"]["none"], 2);
    EXPECT_EQ(j["logged"]["BLOCK"], 2);
    std::map<std::string, nlohmann::json> rules;
    for (const auto& rule : j["rules"]) rules[rule["rule"]] = rule;
    EXPECT_EQ(rules["block-known-bad"]["queries"], 3);
    EXPECT_EQ(rules["block-known-bad"]["via_redirection"], 1);
    EXPECT_EQ(rules["block-txt-tunnel"]["queries"], 1);
    EXPECT_EQ(rules["block-everything-else"]["top_domains"][0]["domain"], "random.example.com");
    EXPECT_EQ(rules["block-aws-managed-malware"]["simulated"], false);
    ASSERT_EQ(j["drift"].size(), 1u);
    EXPECT_EQ(j["drift"][0]["logged"], "none");
    EXPECT_EQ(j["drift"][0]["simulated"], "BLOCK");
    EXPECT_EQ(j["drift_queries"], 3);
    // The malformed last line went to the dead-letter file with its line number.
    EXPECT_NE(w.read("dl.jsonl").find("\"line\":13"), std::string::npos) << w.read("dl.jsonl");
  }
}

TEST(FirewallSimulate, TableNamesRulesDomainsSourcesAndDrift) {
  Workdir w;
  RunResult r =
      run_dnslens(w, "firewall simulate -j1 --policy " + kData + "dnslens/policy.yaml " + kData + "logs.jsonl -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rule 'block-known-bad' (priority 200) in rule group 'baseline' (rslvr-frg-0a1b2c3d4e5f60718)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("top domains: a.evil-payroll.top (2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Policy drift"), std::string::npos);
  EXPECT_NE(r.out.find("logged none  simulated BLOCK"), std::string::npos) << r.out;
}

TEST(FirewallSimulate, BadPolicyFailsNamingTheRule) {
  Workdir w;
  RunResult r = run_dnslens(w, "firewall simulate --policy " + kData + "bad/policy.yaml " + kData + "logs.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("rule 'block-bad' (priority 200) in rule group 'g1': a BLOCK rule needs a block response"),
            std::string::npos)
      << r.err;
}

TEST(FirewallLint, ExitCodesFollowTheFindings) {
  Workdir w;
  RunResult clean = run_dnslens(w, "firewall lint " + kData + "dnslens/policy.yaml");
  EXPECT_EQ(clean.exit_code, 0) << clean.out;
  EXPECT_NE(clean.out.find("0 error(s), 0 warning(s)"), std::string::npos);
  RunResult warnings = run_dnslens(w, "firewall lint --template-param VpcId=vpc-1 " + kData + "cfn/dns-firewall.yaml");
  EXPECT_EQ(warnings.exit_code, 0) << warnings.out;
  EXPECT_NE(warnings.out.find("template.domain_file_url"), std::string::npos);
  RunResult strict = run_dnslens(w, "firewall lint --strict " + kData + "cfn/dns-firewall.yaml");
  EXPECT_EQ(strict.exit_code, 1);
  RunResult bad = run_dnslens(w, "firewall lint --json " + kData + "bad/policy.yaml");
  EXPECT_EQ(bad.exit_code, 1);
  auto j = nlohmann::json::parse(bad.out);
  EXPECT_EQ(j["errors"], 5);  // its association at priority 50 is a warning: Firewall Manager's range
  bool found = false;
  for (const auto& p : j["problems"]) found = found || p["code"] == "rule.block_partly_unreachable";
  EXPECT_TRUE(found) << bad.out;
  RunResult missing = run_dnslens(w, "firewall lint no-such-policy.yaml");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no-such-policy.yaml"), std::string::npos);
}

TEST(FirewallRun, RecordsCarryTheSimulatedVerdictBesideTheLoggedOne) {
  Workdir w;
  RunResult r = run_dnslens(w, "run -j1 --firewall-policy " + kData + "aws-cli " + kData +
                                   "logs.jsonl -o out.jsonl --summary-json summary.json --dead-letter dl.jsonl -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> recs;
  for (const auto& line : lines_of(w.read("out.jsonl"))) recs.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(recs.size(), 12u);
  // The CNAME chain case: no rule on the name, the target is on the blocklist.
  EXPECT_EQ(recs[7]["query_name"], "shop.example.net.");
  EXPECT_EQ(recs[7]["firewall_sim_action"], "BLOCK");
  EXPECT_EQ(recs[7]["firewall_sim_rule"], "block-known-bad");
  EXPECT_EQ(recs[7]["firewall_sim_domain_list_id"], "rslvr-fdl-0badc0de0badc0de0");
  EXPECT_EQ(recs[7]["firewall_sim_block_response"], "NXDOMAIN");
  EXPECT_EQ(recs[7]["firewall_sim_matched_on"], "redirection");
  EXPECT_EQ(recs[7]["firewall_sim_drift"], true);
  // Logged and simulated agree.
  EXPECT_EQ(recs[1]["firewall_rule_action"], "BLOCK");
  EXPECT_EQ(recs[1]["firewall_sim_action"], "BLOCK");
  EXPECT_EQ(recs[1]["firewall_sim_drift"], false);
  // No association for this VPC: nothing would match.
  EXPECT_TRUE(recs[11]["firewall_sim_action"].is_null());
  EXPECT_EQ(recs[11]["firewall_sim_drift"], false);
  auto summary = nlohmann::json::parse(w.read("summary.json"));
  EXPECT_EQ(summary["firewall_drift"], 3);
}

TEST(FirewallSuggest, AllowlistOfFleetNoiseAndBlocklistFromIntel) {
  Workdir w;
  std::string logs;
  // Five instances all query the same update host and a cloud probe; one also hits a bad domain.
  for (int i = 0; i < 5; ++i) {
    for (const char* name : {"updates.vendor.example", "metadata.google.internal", "rare-"}) {
      std::string n = name;
      if (n == "rare-") n += std::to_string(i) + ".example.org";
      std::string rec = record(n + ".");
      const std::string inst = "\"instance\":\"i-0abc\"";
      rec.replace(rec.find(inst), inst.size(), "\"instance\":\"i-" + std::to_string(i) + "\"");
      logs += rec + "\n";
    }
  }
  logs += record("login.phish-login.xyz.") + "\n";
  w.write("logs.jsonl", logs);
  w.write("intel.csv", "indicator,type,confidence,actor\nphish-login.xyz,domain,90,Payroll Pirates\n");
  RunResult r = run_dnslens(w, "firewall suggest -j1 --intel intel.csv --out-dir sugg logs.jsonl -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string allow = w.read("sugg/allowlist.txt");
  EXPECT_EQ(allow, "metadata.google.internal\nupdates.vendor.example\n");
  EXPECT_EQ(w.read("sugg/blocklist.txt"), "*.phish-login.xyz\nphish-login.xyz\n");
  EXPECT_NE(w.read("sugg/allowlist.why.tsv").find("GCP metadata probe"), std::string::npos);
  EXPECT_NE(w.read("sugg/blocklist.why.tsv").find("\t90\t1"), std::string::npos) << w.read("sugg/blocklist.why.tsv");
  // The suggested lists are valid domain lists: lint accepts them as a policy's lists.
  RunResult lint = run_dnslens(w, "firewall lint sugg/allowlist.txt sugg/blocklist.txt --notes");
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  EXPECT_EQ(lint.out.find("domain.invalid"), std::string::npos) << lint.out;
}

// A name asked by more sources than are kept per name (4,096): the suggestions say the same with one
// worker and with two, whose sets of sources are kept apart and merged (their union was reported).
TEST(FirewallSuggest, TheSameSuggestionsHoweverTheRunIsSplitAmongWorkers) {
  Workdir w;
  std::string logs;
  const std::string inst = "\"instance\":\"i-0abc\"";
  for (int i = 0; i < 5000; ++i) {
    std::string rec = record("updates.vendor.example.");
    rec.replace(rec.find(inst), inst.size(), "\"instance\":\"i-" + std::to_string(i) + "\"");
    logs += rec + "\n";
  }
  w.write("logs.jsonl", logs);  // 5,000 sources, about 1.7 MB: batches of 512 KiB for both workers
  std::string why[2];
  for (int j = 1; j <= 2; ++j) {
    RunResult r = run_dnslens(w, "firewall suggest -j" + std::to_string(j) + " --out-dir s" + std::to_string(j) +
                                     " --fleet-fraction 0.5 logs.jsonl -q");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    why[j - 1] = w.read("s" + std::to_string(j) + "/allowlist.why.tsv");
  }
  EXPECT_NE(why[0].find("queried by 4096 of 5000 sources"), std::string::npos) << why[0];
  EXPECT_EQ(why[0], why[1]);
}

// Logs with a DGA name (the registered label scores 0.996), a base32 tunnel and ordinary names, from
// the VPC the aws-cli-advanced fixture associates its rule groups with; one query the firewall in force
// already alerted on.
std::string advanced_logs() {
  auto in_vpc = [](std::string rec) {
    const std::string vpc = "vpc-7example";
    return rec.replace(rec.find(vpc), vpc.size(), "vpc-0prod0000000000a");
  };
  std::string logs;
  logs += in_vpc(record("mxwvfpgtxlxomjue.com.")) + "\n";
  logs += in_vpc(record("o5hqf7uxqmvub5rvnvkj2yiibcwzxryj4taq2zrbs633xrw4p5.87.ledgermetrics-403.net.")) + "\n";
  logs += in_vpc(record("www.example.com.")) + "\n";
  std::string alerted = in_vpc(record("qzxvkwjpfhtbnmrcd.com."));
  alerted.insert(alerted.size() - 1, R"(,"firewall_rule_action":"ALERT","firewall_rule_group_id":"rslvr-frg-0x")");
  logs += alerted + "\n";
  return logs;
}

TEST(FirewallAdvanced, RunAndSimulateEvaluateDgaAndTunnelingRulesWithoutTheDetectors) {
  Workdir w;
  w.write("logs.jsonl", advanced_logs());
  RunResult r =
      run_dnslens(w, "run -j1 --no-detect --firewall-policy " + kData + "aws-cli-advanced logs.jsonl -o out.jsonl -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> recs;
  for (const auto& line : lines_of(w.read("out.jsonl"))) recs.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0]["firewall_sim_action"], "BLOCK") << recs[0].dump();
  EXPECT_EQ(recs[0]["firewall_sim_rule"], "block-dga");
  EXPECT_TRUE(recs[0]["firewall_sim_domain_list_id"].is_null() || recs[0]["firewall_sim_domain_list_id"] == "")
      << recs[0].dump();
  EXPECT_EQ(recs[1]["firewall_sim_action"], "ALERT");
  EXPECT_EQ(recs[1]["firewall_sim_rule"], "alert-tunneling");
  EXPECT_TRUE(recs[2]["firewall_sim_action"].is_null()) << recs[2].dump();

  RunResult sim = run_dnslens(w, "firewall simulate --json -j1 --policy " + kData + "aws-cli-advanced logs.jsonl -q");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  auto j = nlohmann::json::parse(sim.out);
  std::map<std::string, nlohmann::json> rules;
  for (const auto& rule : j["rules"]) rules[rule["rule"]] = rule;
  EXPECT_EQ(rules["block-dga"]["threat_protection"], "DGA");
  EXPECT_EQ(rules["block-dga"]["confidence_threshold"], "HIGH");
  EXPECT_EQ(rules["block-dga"]["queries"], 2);
  EXPECT_EQ(rules["alert-tunneling"]["queries"], 1);
  EXPECT_EQ(rules["block-dictionary-dga"]["simulated"], false);
  RunResult table = run_dnslens(w, "firewall simulate -j1 --policy " + kData + "aws-cli-advanced logs.jsonl");
  EXPECT_NE(table.out.find("[BLOCK NXDOMAIN; DGA at HIGH]"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("not simulated: dnslens does not simulate DICTIONARY_DGA yet"), std::string::npos)
      << table.out;
  EXPECT_NE(table.err.find("DICTIONARY_DGA is not simulated"), std::string::npos) << table.err;
}

TEST(FirewallAdvanced, SuggestProposesRulesForWhatTheFirewallLetThrough) {
  Workdir w;
  w.write("logs.jsonl", advanced_logs());
  // The alerted name must itself score HIGH (0.98), or leaving it out below would prove nothing.
  RunResult score = run_dnslens(w, "dga score qzxvkwjpfhtbnmrcd.com");
  ASSERT_EQ(score.exit_code, 0) << score.err;
  ASSERT_GE(std::stod(lines_of(score.out).at(1)), 0.98) << score.out;
  RunResult r = run_dnslens(w, "firewall suggest -j1 --out-dir sugg logs.jsonl -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rules = nlohmann::json::parse(w.read("sugg/advanced-rules.json"))["FirewallRules"];
  ASSERT_EQ(rules.size(), 2u) << rules.dump();
  EXPECT_EQ(rules[0]["DnsThreatProtection"], "DGA");
  EXPECT_EQ(rules[0]["ConfidenceThreshold"], "HIGH");
  EXPECT_EQ(rules[0]["Action"], "ALERT");
  EXPECT_EQ(rules[1]["DnsThreatProtection"], "DNS_TUNNELING");
  // The query the firewall already alerted on is not counted: one DGA query at HIGH, not two.
  const std::string why = w.read("sugg/advanced.why.tsv");
  EXPECT_NE(why.find("DGA\tHIGH\t1\t1\t1 of 1\tmxwvfpgtxlxomjue.com\tyes"), std::string::npos) << why;
  // The proposal is a policy dnslens reads back: lint accepts it and simulate evaluates it.
  RunResult lint = run_dnslens(w, "firewall lint sugg/advanced-rules.json");
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  RunResult sim = run_dnslens(w, "firewall simulate --json -j1 --policy sugg/advanced-rules.json logs.jsonl -q");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  EXPECT_EQ(nlohmann::json::parse(sim.out)["simulated"]["ALERT"], 3);
}

}  // namespace
}  // namespace dnslens::testing
