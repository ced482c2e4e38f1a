// Golden tests for the DNS Firewall policy loaders (AWS CLI output, CloudFormation JSON/YAML,
// dnslens policy files, domain-list files) and for lint, on the fixtures in tests/data/firewall.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.hpp"
#include "enrich/dns_firewall/firewall_evaluator.hpp"
#include "enrich/dns_firewall/policy_lint.hpp"
#include "enrich/dns_firewall/policy_loader.hpp"

namespace dnslens {
namespace {

const std::string kData = std::string(DNSLENS_TEST_DATA) + "/firewall/";

const FirewallRule& rule(const FirewallPolicy& p, std::string_view name) {
  for (const auto& g : p.rule_groups) {
    for (const auto& r : g.rules) {
      if (r.name == name) return r;
    }
  }
  throw std::runtime_error("no rule " + std::string(name));
}

std::string config_error(const std::string& text, const std::string& path = "policy.yaml") {
  try {
    (void)load_policy_text(text, path, "", {});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConfig);
    return e.what();
  }
  return "(no error)";
}

TEST(AwsCliImport, ReadsEveryListCommandOutput) {
  FirewallPolicy p = load_policy({kData + "aws-cli"}, {});
  EXPECT_NO_THROW(p.validate());
  ASSERT_EQ(p.rule_groups.size(), 2u);
  EXPECT_EQ(p.find_group("rslvr-frg-0a1b2c3d4e5f60718")->name, "baseline");
  EXPECT_EQ(p.find_group("rslvr-frg-0a1b2c3d4e5f60718")->rules.size(), 5u);
  const FirewallRule& allow = rule(p, "allow-corp");
  EXPECT_EQ(allow.action, FirewallAction::kAllow);
  EXPECT_EQ(allow.priority, 100);
  EXPECT_EQ(allow.redirection, RedirectionAction::kTrust);
  EXPECT_EQ(allow.rule_group_name, "baseline");
  const FirewallRule& tunnel = rule(p, "block-txt-tunnel");
  EXPECT_EQ(tunnel.block_response, BlockResponse::kNodata);
  EXPECT_EQ(tunnel.query_type, "TXT");
  const FirewallRule& managed = rule(p, "block-aws-managed-malware");
  EXPECT_EQ(managed.block_response, BlockResponse::kOverride);
  EXPECT_EQ(managed.block_override_domain, "sinkhole.corp.example.");
  EXPECT_EQ(managed.block_override_ttl, 60);
  // Names from list-firewall-domain-lists, contents from list-firewall-domains (file named by id).
  const DomainList* bad = p.find_list("rslvr-fdl-0badc0de0badc0de0");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->name, "known-bad");
  EXPECT_TRUE(bad->contents_known);
  EXPECT_EQ(bad->domains.size(), 4u);
  const DomainList* aws_managed = p.find_list("rslvr-fdl-2c46f2ecbfec4dcc");
  ASSERT_NE(aws_managed, nullptr);
  EXPECT_FALSE(aws_managed->contents_known);
  EXPECT_EQ(aws_managed->managed_owner, "Route 53 Resolver DNS Firewall");
  ASSERT_EQ(p.associations.size(), 3u);
  FirewallEvaluator ev(std::move(p));
  EXPECT_EQ(ev.vpcs_with_own_chain(), (std::vector<std::string>{"vpc-0pci00000000000b", "vpc-0prod0000000000a"}));
  EXPECT_EQ(ev.chain_for("vpc-0pci00000000000b").size(), 7u);  // baseline (200) then walled garden (300)
  EXPECT_TRUE(ev.chain_for("vpc-0dev00000000000c").empty());
  EXPECT_TRUE(ev.has_aws_ids());
}

TEST(AwsCliImport, DomainsOutputNeedsTheListIdFromTheCommandLineOrFileName) {
  FirewallPolicy p = load_policy({"rslvr-fdl-0123=" + kData + "aws-cli/rslvr-fdl-0711e1000711e1000.json"}, {});
  ASSERT_EQ(p.domain_lists.size(), 1u);
  EXPECT_EQ(p.domain_lists[0].id, "rslvr-fdl-0123");
  EXPECT_EQ(p.domain_lists[0].domains, std::vector<std::string>{"*.evil-tunnel.net"});
}

TEST(AwsCliImport, PaginatedOutputIsNoted) {
  FirewallPolicy p = load_policy_text(R"({"Domains": ["a.test"], "NextToken": "abc"})", "page1.json", "l", {});
  ASSERT_EQ(p.load_notes.size(), 1u);
  EXPECT_EQ(p.load_notes[0].code, "aws.next_token");
}

// DNS Firewall Advanced rules (list-firewall-rules since November 2024: DnsThreatProtection with a
// ConfidenceThreshold, or the same in FirewallRuleType, and a FirewallThreatProtectionId; domain-list
// rules carry FirewallThreatProtectionId NOT_APPLICABLE) load with their protection and threshold. A
// rule of another rule type (a threat or content category) is noted, not simulated, and never makes the
// policy unloadable; DICTIONARY_DGA loads and is noted as not simulated.
TEST(AwsCliImport, AdvancedRulesLoadWithProtectionAndThreshold) {
  FirewallPolicy p = load_policy({kData + "aws-cli-advanced"}, {});
  EXPECT_NO_THROW(p.validate());
  const RuleGroup* g = p.find_group("rslvr-frg-0adv0000000000001");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->rules.size(), 3u);
  const FirewallRule& dga = rule(p, "block-dga");
  EXPECT_EQ(dga.threat_protection, ThreatProtection::kDga);
  EXPECT_EQ(dga.confidence, ConfidenceThreshold::kHigh);
  EXPECT_EQ(dga.action, FirewallAction::kBlock);
  EXPECT_EQ(dga.block_response, BlockResponse::kNxdomain);
  const FirewallRule& tunnel = rule(p, "alert-tunneling");  // the FirewallRuleType shape
  EXPECT_EQ(tunnel.threat_protection, ThreatProtection::kDnsTunneling);
  EXPECT_EQ(tunnel.confidence, ConfidenceThreshold::kMedium);
  EXPECT_FALSE(rule(p, "block-known-bad").advanced());  // FirewallThreatProtectionId NOT_APPLICABLE
  EXPECT_EQ(rule(p, "block-dictionary-dga").threat_protection, ThreatProtection::kDictionaryDga);
  std::vector<std::string> notes;
  for (const auto& n : p.load_notes) notes.push_back(n.code + " " + n.where + ": " + n.message);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("aws.advanced_rule"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("FirewallRules[4]: rule 'alert-phishing' is a DNS Firewall Advanced rule (advanced threat "
                          "category PHISHING) that dnslens cannot simulate"),
            std::string::npos)
      << notes[0];
  EXPECT_NE(notes[1].find("rule.advanced_not_simulated"), std::string::npos) << notes[1];
  EXPECT_NE(notes[1].find("rule 'block-dictionary-dga' (priority 100)"), std::string::npos) << notes[1];
  EXPECT_EQ(lint_policy(p).errors, 0u);
  FirewallEvaluator ev(std::move(p));
  EXPECT_TRUE(ev.reads_name_signals());
  const CompiledRule* hit = ev.first_match("vpc-0prod0000000000a", "x.c2-beacon.xyz", 0);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->rule->name, "block-known-bad");
  // Without the name's signals the Advanced rules match nothing.
  EXPECT_EQ(ev.first_match("vpc-0prod0000000000a", "kq3vz8wpl1xgbrtz.com", 0), nullptr);
}

TEST(CloudFormationImport, AdvancedRulesInEitherShapeLoad) {
  FirewallPolicy p = load_policy_text(R"({"Resources": {
  "List": {"Type": "AWS::Route53Resolver::FirewallDomainList", "Properties": {"Domains": ["evil.test"]}},
  "Group": {"Type": "AWS::Route53Resolver::FirewallRuleGroup", "Properties": {"FirewallRules": [
    {"Action": "BLOCK", "BlockResponse": "NXDOMAIN", "Priority": 100,
     "FirewallRuleType": {"DnsThreatProtection": {"Value": "DGA", "ConfidenceThreshold": "HIGH"}}},
    {"Action": "ALERT", "Priority": 150, "DnsThreatProtection": "DNS_TUNNELING", "ConfidenceThreshold": "LOW",
     "FirewallThreatProtectionId": "rslvr-ftp-0d6a0000000000004"},
    {"Action": "ALERT", "Priority": 170,
     "FirewallRuleType": {"FirewallAdvancedContentCategory": {"Category": "GAMBLING"}}},
    {"Action": "ALERT", "Priority": 200, "FirewallDomainListId": {"Ref": "List"}}]}}}})",
                                      "template.json", "", {});
  EXPECT_NO_THROW(p.validate());
  ASSERT_EQ(p.rule_groups.size(), 1u);
  const auto& rules = p.rule_groups[0].rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].threat_protection, ThreatProtection::kDga);
  EXPECT_EQ(rules[0].confidence, ConfidenceThreshold::kHigh);
  EXPECT_EQ(rules[0].name, "Group#100");
  EXPECT_EQ(rules[1].threat_protection, ThreatProtection::kDnsTunneling);
  EXPECT_EQ(rules[1].confidence, ConfidenceThreshold::kLow);
  EXPECT_EQ(rules[2].priority, 200);
  ASSERT_EQ(p.load_notes.size(), 1u);
  EXPECT_EQ(p.load_notes[0].code, "template.advanced_rule");
  EXPECT_NE(p.load_notes[0].message.find("'Group#170' is a DNS Firewall Advanced rule (advanced content category "
                                         "GAMBLING) that dnslens cannot simulate"),
            std::string::npos)
      << p.load_notes[0].message;
  // A threshold AWS does not have is an error naming the rule's place.
  EXPECT_NE(config_error(R"({"Resources": {"G": {"Type": "AWS::Route53Resolver::FirewallRuleGroup", "Properties":
    {"FirewallRules": [{"Action": "ALERT", "Priority": 1, "DnsThreatProtection": "DGA", "ConfidenceThreshold": "SURE"}]}}}})",
                         "t.json")
                .find("t.json: resource G FirewallRules[0]: confidence threshold 'SURE' is not LOW, MEDIUM or HIGH"),
            std::string::npos);
}

TEST(CloudFormationImport, YamlShortFormTagsAndParameters) {
  PolicyFormat format{};
  const std::string path = kData + "cfn/dns-firewall.yaml";
  PolicyLoadOptions options;
  options.template_parameters["VpcId"] = "vpc-0prod0000000000a";
  FirewallPolicy p = load_policy({path}, options);
  FirewallPolicy detect =
      load_policy_text("Resources: {L: {Type: AWS::Route53Resolver::FirewallDomainList}}", "t.yaml", "", {}, &format);
  EXPECT_EQ(format, PolicyFormat::kCloudFormation);
  EXPECT_NO_THROW(p.validate());
  ASSERT_EQ(p.rule_groups.size(), 1u);
  const RuleGroup& g = p.rule_groups[0];
  EXPECT_EQ(g.id, "RuleGroup");
  ASSERT_EQ(g.rules.size(), 3u);
  EXPECT_EQ(g.rules[0].domain_list_id, "AllowedDomains");  // !Ref
  EXPECT_EQ(g.rules[1].domain_list_id, "BlockedDomains");  // !GetAtt BlockedDomains.Id
  EXPECT_EQ(g.rules[1].block_override_ttl, 300);           // !Ref to a parameter default
  EXPECT_EQ(g.rules[1].name, "RuleGroup#20");
  EXPECT_EQ(g.rules[2].query_type, "TXT");
  ASSERT_EQ(p.associations.size(), 1u);
  EXPECT_EQ(p.associations[0].vpc_id, "vpc-0prod0000000000a");
  EXPECT_EQ(p.associations[0].rule_group_id, "RuleGroup");
  EXPECT_FALSE(p.find_list("S3Hosted")->contents_known);
  EXPECT_EQ(p.find_list("BlockedDomains")->domains.size(), 3u);
}

TEST(CloudFormationImport, UnresolvedVpcAppliesEverywhereWithANote) {
  FirewallPolicy p = load_policy({kData + "cfn/dns-firewall.yaml"}, {});
  ASSERT_EQ(p.associations.size(), 1u);
  EXPECT_EQ(p.associations[0].vpc_id, "*");
  EXPECT_TRUE(std::any_of(p.load_notes.begin(), p.load_notes.end(),
                          [](const PolicyProblem& n) { return n.code == "template.vpc_unresolved"; }));
}

TEST(CloudFormationImport, JsonTemplate) {
  FirewallPolicy p = load_policy({kData + "cfn/dns-firewall.json"}, {});
  EXPECT_NO_THROW(p.validate());
  ASSERT_EQ(p.associations.size(), 1u);
  EXPECT_EQ(p.associations[0].vpc_id, "vpc-0prod0000000000a");  // parameter default
  EXPECT_EQ(p.associations[0].priority, 150);                   // quoted number
  EXPECT_EQ(p.rule_groups[0].rules[0].redirection, RedirectionAction::kTrust);
}

TEST(CloudFormationImport, ReferenceToAMissingListNamesIt) {
  const std::string err = config_error(R"(
Resources:
  G:
    Type: AWS::Route53Resolver::FirewallRuleGroup
    Properties:
      FirewallRules: [{Action: ALLOW, Priority: 1, FirewallDomainListId: !Ref Nowhere}]
)");
  EXPECT_NE(err.find("Nowhere"), std::string::npos) << err;
  EXPECT_NE(err.find("FirewallRules[0]"), std::string::npos) << err;
}

TEST(DnslensPolicy, ListsFromFilesInlineAndAwsIds) {
  FirewallPolicy p = load_policy({kData + "dnslens/policy.yaml"}, {});
  EXPECT_NO_THROW(p.validate());
  const DomainList* bad = p.find_list("rslvr-fdl-0badc0de0badc0de0");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->domains.size(), 4u);
  EXPECT_EQ(bad->domain_lines.front(), 2u);  // after the comment line
  EXPECT_EQ(rule(p, "block-known-bad").domain_list_id, "rslvr-fdl-0badc0de0badc0de0");
  EXPECT_EQ(rule(p, "block-known-bad").rule_group_id, "rslvr-frg-0a1b2c3d4e5f60718");
  EXPECT_EQ(p.find_list("c2-watch")->domains.size(), 2u);
  ASSERT_EQ(p.associations.size(), 1u);
  EXPECT_EQ(p.associations[0].vpc_id, "*");
}

TEST(DnslensPolicy, ErrorsNameTheFileTheRuleAndTheProblem) {
  std::string err = config_error("rule_groups: {g: {rules: [{name: r1, priority: 1, action: DENY, domain_list: l}]}}");
  EXPECT_NE(err.find("policy.yaml"), std::string::npos) << err;
  EXPECT_NE(err.find("'r1'"), std::string::npos) << err;
  EXPECT_NE(err.find("DENY"), std::string::npos) << err;
  err = config_error("rule_groups: {g: {rules: [{name: r1, priority: 1, action: ALLOW, domainlist: l}]}}");
  EXPECT_NE(err.find("unknown key 'domainlist'"), std::string::npos) << err;
  err = config_error("rule_groups: {g: {rules: [{name: r1, action: ALLOW}]}}");
  EXPECT_NE(err.find("'priority' is required"), std::string::npos) << err;
  err = config_error("version: 2\n");
  EXPECT_NE(err.find("version 2"), std::string::npos) << err;
  err = config_error("rule_groups: [oops", "p.yaml");
  EXPECT_NE(err.find("not valid YAML"), std::string::npos) << err;
  err = config_error("{\"FirewallRules\": [", "rules.json");
  EXPECT_NE(err.find("not valid JSON"), std::string::npos) << err;
  // A number no double can hold is a parse error of the file, not a crash (found by the fuzzer).
  err = config_error("{\"FirewallRules\": [{\"Priority\": 1e99999}]}", "rules.json");
  EXPECT_NE(err.find("not valid JSON"), std::string::npos) << err;
  EXPECT_NE(err.find("number overflow"), std::string::npos) << err;
  err = config_error("{\"Something\": 1}", "x.json");
  EXPECT_NE(err.find("not a DNS Firewall policy"), std::string::npos) << err;
}

TEST(DomainListFile, OneDomainPerLineWithCommentsAndLineNumbers) {
  PolicyFormat format{};
  FirewallPolicy p = load_policy_text("\xEF\xBB\xBF# header\nexample.com\r\n\n*.example.net  # trailing comment\n",
                                      "blocked.txt", "", {}, &format);
  EXPECT_EQ(format, PolicyFormat::kDomainList);
  ASSERT_EQ(p.domain_lists.size(), 1u);
  EXPECT_EQ(p.domain_lists[0].id, "blocked");
  EXPECT_EQ(p.domain_lists[0].domains, (std::vector<std::string>{"example.com", "*.example.net"}));
  EXPECT_EQ(p.domain_lists[0].domain_lines, (std::vector<std::size_t>{2, 4}));
}

TEST(Lint, FindsWhatTheBadPolicyHides) {
  FirewallPolicy p = load_policy({kData + "bad/policy.yaml"}, {});
  LintReport r = lint_policy(p);
  auto find = [&](std::string_view code) -> const PolicyProblem* {
    for (const auto& x : r.problems) {
      if (x.code == code) return &x;
    }
    return nullptr;
  };
  EXPECT_EQ(r.errors, 5u);  // and the association at priority 50 a warning (only Firewall Manager's go there)
  const PolicyProblem* invalid = find("domain.invalid");
  ASSERT_NE(invalid, nullptr);
  EXPECT_NE(invalid->where.find("bad-domains.txt:4"), std::string::npos) << invalid->where;
  const PolicyProblem* dup = find("domain.duplicate");
  ASSERT_NE(dup, nullptr);
  EXPECT_NE(dup->where.find("bad-domains.txt:6"), std::string::npos);
  EXPECT_NE(dup->message.find("line 5"), std::string::npos);
  const PolicyProblem* hidden = find("rule.block_partly_unreachable");
  ASSERT_NE(hidden, nullptr);
  EXPECT_NE(hidden->message.find("'block-bad'"), std::string::npos);
  EXPECT_NE(hidden->message.find("ALLOW rule 'allow-example'"), std::string::npos);
  EXPECT_NE(hidden->message.find("2 of its 3 domains"), std::string::npos) << hidden->message;
  const PolicyProblem* shadowed = find("rule.shadowed");
  ASSERT_NE(shadowed, nullptr);
  EXPECT_NE(shadowed->message.find("'odd-type'"), std::string::npos);
  for (const char* code : {"rule.block_response_missing", "rule.priority_duplicate", "rule.query_type_invalid",
                           "association.priority_range", "list.empty", "group.unassociated", "list.unused"}) {
    EXPECT_NE(find(code), nullptr) << code;
  }
  // Errors come first.
  EXPECT_EQ(r.problems.front().severity, Severity::kError);
}

TEST(Lint, AllowThatCoversEveryBlockedDomainMakesTheBlockUnreachable) {
  FirewallPolicy p = load_policy_text(R"(
domain_lists: {corp: ["*.corp.test"], bad: [x.corp.test, "*.y.corp.test"]}
rule_groups:
  first: {rules: [{name: allow-corp, priority: 1, action: ALLOW, domain_list: corp}]}
  second: {rules: [{name: block-bad, priority: 1, action: BLOCK, block_response: NXDOMAIN, domain_list: bad}]}
associations:
  - {rule_group: second, vpc: vpc-a, priority: 200}
  - {rule_group: first, vpc: vpc-a, priority: 100}
)",
                                      "p.yaml", "", {});
  LintReport r = lint_policy(p);
  auto it = std::find_if(r.problems.begin(), r.problems.end(),
                         [](const auto& x) { return x.code == "rule.block_unreachable"; });
  ASSERT_NE(it, r.problems.end());
  EXPECT_EQ(it->severity, Severity::kWarning);
  // The same lists with the groups' order swapped: nothing is hidden.
  p.associations[0].priority = 50;
  r = lint_policy(p);
  EXPECT_TRUE(std::none_of(r.problems.begin(), r.problems.end(),
                           [](const auto& x) { return x.code.starts_with("rule.block"); }));
}

TEST(Lint, ATypedRuleOnlyShadowsRulesOfTheSameType) {
  FirewallPolicy p = load_policy_text(R"(
domain_lists: {l: [x.test]}
rule_groups:
  g:
    rules:
      - {name: txt-only, priority: 1, action: ALLOW, query_type: TXT, domain_list: l}
      - {name: all-types, priority: 2, action: BLOCK, block_response: NODATA, domain_list: l}
      - {name: txt-again, priority: 3, action: ALERT, query_type: TXT, domain_list: l}
associations: [{rule_group: g, vpc: vpc-a, priority: 100}]
)",
                                      "p.yaml", "", {});
  LintReport r = lint_policy(p);
  std::vector<std::string> shadowed;
  for (const auto& x : r.problems) {
    if (x.code.find("shadowed") != std::string::npos || x.code.find("unreachable") != std::string::npos)
      shadowed.push_back(x.message);
  }
  ASSERT_EQ(shadowed.size(), 1u);
  EXPECT_NE(shadowed[0].find("'txt-again'"), std::string::npos) << shadowed[0];
}

}  // namespace
}  // namespace dnslens
