// DNS Firewall semantics: domain specifications, priorities, first match, query types, the
// redirection chain, and the checks AWS itself applies to a policy.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/dns_name.hpp"
#include "core/error.hpp"
#include "enrich/dns_firewall/firewall_evaluator.hpp"
#include "enrich/dns_firewall/firewall_simulation.hpp"
#include "enrich/dns_firewall/policy_loader.hpp"

namespace dnslens {
namespace {

// A policy from dnslens YAML text (the loader is tested separately below).
FirewallPolicy yaml(const std::string& text) { return load_policy_text(text, "test.yaml", "", {}); }

struct Query {
  std::string vpc = "vpc-a";
  std::string name;
  std::string type = "A";
  std::vector<std::string> cnames = {};
  std::string logged_action = {};
};

FirewallVerdict evaluate(const FirewallEvaluator& ev, const Query& q) {
  QueryRecord r;
  r.vpc_id = q.vpc;
  r.query_name = q.name;
  r.query_type = q.type;
  r.firewall_rule_action = q.logged_action;
  for (const auto& c : q.cnames) r.answers[r.answer_count++] = DnsAnswer{c, "CNAME", "IN"};
  char name_buf[kMaxNormalizedName];
  char scratch[kMaxNormalizedName];
  NormalizedName norm = normalize_name(q.name, name_buf);
  return ev.evaluate(r, norm.text, scratch);
}

std::string decided(const FirewallEvaluator& ev, const Query& q) {
  FirewallVerdict v = evaluate(ev, q);
  return v.rule ? v.rule->rule->name : "-";
}

TEST(DomainSpec, FollowsAwsSyntax) {
  DomainSpec s;
  EXPECT_FALSE(parse_domain_spec("Example.COM.", s));
  EXPECT_EQ(s.kind, DomainSpec::Kind::kExact);
  EXPECT_EQ(s.name, "example.com");
  EXPECT_FALSE(parse_domain_spec("*.example.com", s));
  EXPECT_EQ(s.kind, DomainSpec::Kind::kBelow);
  EXPECT_EQ(s.name, "example.com");
  EXPECT_FALSE(parse_domain_spec("*", s));
  EXPECT_EQ(s.kind, DomainSpec::Kind::kEverything);
  EXPECT_FALSE(parse_domain_spec("xn--bcher-kva.example", s));
  EXPECT_TRUE(parse_domain_spec("", s));
  EXPECT_TRUE(parse_domain_spec("*example.com", s));
  EXPECT_TRUE(parse_domain_spec("a.*.example.com", s));
  EXPECT_TRUE(parse_domain_spec("under_score.com", s));
  EXPECT_TRUE(parse_domain_spec("bücher.example", s));
  EXPECT_TRUE(parse_domain_spec("a..b", s));
  EXPECT_TRUE(parse_domain_spec(std::string(64, 'a') + ".com", s));
  EXPECT_TRUE(parse_domain_spec(std::string(256, 'a'), s));
}

TEST(QueryTypes, NamesAndNumbersAreTheSameType) {
  EXPECT_EQ(parse_query_type("AAAA"), parse_query_type("TYPE28"));
  EXPECT_EQ(parse_query_type("txt"), 16);
  EXPECT_EQ(parse_query_type("HTTPS"), 65);
  EXPECT_FALSE(parse_query_type("TYPE0"));
  EXPECT_FALSE(parse_query_type("TYPEx"));
  EXPECT_TRUE(is_rule_query_type("CAA"));
  EXPECT_TRUE(is_rule_query_type("TYPE65"));
  EXPECT_FALSE(is_rule_query_type("HTTPS"));  // not a mnemonic DNS Firewall accepts; TYPE65 is
  // The API reference: "TYPENUMBER, where the NUMBER can be 1-65534" (older SDK docs said 65334).
  EXPECT_TRUE(is_rule_query_type("TYPE65335"));
  EXPECT_TRUE(is_rule_query_type("TYPE65534"));
  EXPECT_FALSE(is_rule_query_type("TYPE65535"));
}

const char* kWildcardPolicy = R"(
domain_lists:
  exact: [example.com]
  below: ["*.example.net"]
  all: ["*"]
rule_groups:
  g:
    rules:
      - {name: exact, priority: 1, action: BLOCK, block_response: NXDOMAIN, domain_list: exact}
      - {name: below, priority: 2, action: ALERT, domain_list: below}
associations:
  - {rule_group: g, vpc: vpc-a, priority: 100}
)";

TEST(Wildcards, ExactNameOnlyMatchesItself) {
  FirewallEvaluator ev(yaml(kWildcardPolicy));
  EXPECT_EQ(decided(ev, {.name = "example.com."}), "exact");
  EXPECT_EQ(decided(ev, {.name = "EXAMPLE.com"}), "exact");
  EXPECT_EQ(decided(ev, {.name = "www.example.com."}), "-");
  EXPECT_EQ(decided(ev, {.name = "notexample.com"}), "-");
}

TEST(Wildcards, StarDotMatchesEveryNameBelowButNotTheApex) {
  FirewallEvaluator ev(yaml(kWildcardPolicy));
  EXPECT_EQ(decided(ev, {.name = "a.example.net"}), "below");
  EXPECT_EQ(decided(ev, {.name = "a.b.c.example.net"}), "below");
  EXPECT_EQ(decided(ev, {.name = "example.net"}), "-");
  EXPECT_EQ(decided(ev, {.name = "badexample.net"}), "-");
}

TEST(Wildcards, LoneStarMatchesEverything) {
  auto p = yaml(kWildcardPolicy);
  p.rule_groups[0].rules.push_back(p.rule_groups[0].rules[1]);
  p.rule_groups[0].rules.back().name = "everything";
  p.rule_groups[0].rules.back().priority = 3;
  p.rule_groups[0].rules.back().domain_list_id = "all";
  FirewallEvaluator ev(std::move(p));
  EXPECT_EQ(decided(ev, {.name = "anything.at.all"}), "everything");
  EXPECT_EQ(decided(ev, {.name = "com"}), "everything");
  EXPECT_EQ(decided(ev, {.name = "example.com"}), "exact");  // earlier rule still first
}

TEST(Priorities, RulePriorityNotFileOrderDecides) {
  FirewallEvaluator ev(yaml(R"(
domain_lists:
  l: [x.test]
rule_groups:
  g:
    rules:
      - {name: late, priority: 300, action: BLOCK, block_response: NODATA, domain_list: l}
      - {name: early, priority: 20, action: ALLOW, domain_list: l}
associations: [{rule_group: g, vpc: vpc-a, priority: 100}]
)"));
  EXPECT_EQ(decided(ev, {.name = "x.test"}), "early");
}

const char* kTwoGroups = R"(
domain_lists:
  l: ["*.shared.test"]
rule_groups:
  allow-group:
    rules: [{name: allow, priority: 1, action: ALLOW, domain_list: l}]
  block-group:
    rules: [{name: block, priority: 1, action: BLOCK, block_response: NXDOMAIN, domain_list: l}]
associations:
  - {rule_group: allow-group, vpc: vpc-a, priority: 500}
  - {rule_group: block-group, vpc: vpc-a, priority: 200}
  - {rule_group: allow-group, vpc: vpc-b, priority: 100}
  - {rule_group: block-group, vpc: vpc-b, priority: 9900}
)";

TEST(Priorities, AssociationPriorityOrdersRuleGroupsPerVpc) {
  FirewallEvaluator ev(yaml(kTwoGroups));
  EXPECT_EQ(decided(ev, {.vpc = "vpc-a", .name = "a.shared.test"}), "block");
  EXPECT_EQ(decided(ev, {.vpc = "vpc-b", .name = "a.shared.test"}), "allow");
  EXPECT_EQ(decided(ev, {.vpc = "vpc-unassociated", .name = "a.shared.test"}), "-");
}

TEST(Priorities, AlertStopsInspectionLikeAllowAndBlock) {
  FirewallEvaluator ev(yaml(R"(
domain_lists:
  l: [x.test]
rule_groups:
  g:
    rules:
      - {name: alert, priority: 1, action: ALERT, domain_list: l}
      - {name: block, priority: 2, action: BLOCK, block_response: NODATA, domain_list: l}
associations: [{rule_group: g, vpc: "*", priority: 100}]
)"));
  EXPECT_EQ(decided(ev, {.vpc = "vpc-any", .name = "x.test"}), "alert");
}

TEST(QueryTypes, RuleWithATypeOnlyMatchesThatType) {
  FirewallEvaluator ev(yaml(R"(
domain_lists:
  l: ["*.tunnel.test"]
rule_groups:
  g:
    rules:
      - {name: txt, priority: 1, action: BLOCK, block_response: NODATA, query_type: TXT, domain_list: l}
      - {name: aaaa, priority: 2, action: ALERT, query_type: TYPE28, domain_list: l}
associations: [{rule_group: g, vpc: "*", priority: 100}]
)"));
  EXPECT_EQ(decided(ev, {.name = "a.tunnel.test", .type = "TXT"}), "txt");
  EXPECT_EQ(decided(ev, {.name = "a.tunnel.test", .type = "A"}), "-");
  EXPECT_EQ(decided(ev, {.name = "a.tunnel.test", .type = "AAAA"}), "aaaa");
}

const char* kChain = R"(
domain_lists:
  allowed: [app.corp.test]
  trusted: [cdn.corp.test]
  bad: ["*.bad.test"]
rule_groups:
  g:
    rules:
      - {name: allow-inspect, priority: 1, action: ALLOW, domain_list: allowed}
      - {name: allow-trust, priority: 2, action: ALLOW, domain_list: trusted, redirection: TRUST_REDIRECTION_DOMAIN}
      - {name: block-bad, priority: 3, action: BLOCK, block_response: NXDOMAIN, domain_list: bad}
associations: [{rule_group: g, vpc: "*", priority: 100}]
)";

TEST(Redirection, InspectChecksEveryDomainOfTheChain) {
  FirewallEvaluator ev(yaml(kChain));
  const Query query{.name = "app.corp.test", .cnames = {"edge.bad.test."}};  // the verdict views its names
  FirewallVerdict v = evaluate(ev, query);
  ASSERT_NE(v.rule, nullptr);
  EXPECT_EQ(v.rule->rule->name, "block-bad");
  EXPECT_TRUE(v.via_redirection);
  EXPECT_EQ(v.matched_name, "edge.bad.test.");
  // A name no rule matches is still blocked when it redirects to a blocked one.
  EXPECT_EQ(decided(ev, {.name = "unknown.test", .cnames = {"x.other.test", "y.bad.test"}}), "block-bad");
}

TEST(Redirection, TrustInspectsOnlyTheFirstDomain) {
  FirewallEvaluator ev(yaml(kChain));
  FirewallVerdict v = evaluate(ev, {.name = "cdn.corp.test", .cnames = {"edge.bad.test"}});
  ASSERT_NE(v.rule, nullptr);
  EXPECT_EQ(v.rule->rule->name, "allow-trust");
  EXPECT_FALSE(v.via_redirection);
}

// AWS: TRUST_REDIRECTION_DOMAIN "inspects only the first domain in the redirection chain" (the
// FirewallDomainRedirectionAction of the Route 53 Resolver API): such a rule never matches a CNAME
// target, whatever its action; a rule below it that inspects redirections still does.
TEST(Redirection, ATrustRuleIsNotMatchedByALaterDomainOfTheChain) {
  FirewallEvaluator ev(yaml(R"(
domain_lists:
  bad: ["*.bad.test"]
  watch: ["*.watch.test"]
rule_groups:
  g:
    rules:
      - {name: block-bad, priority: 1, action: BLOCK, block_response: NXDOMAIN, domain_list: bad,
         redirection: TRUST_REDIRECTION_DOMAIN}
      - {name: alert-watch, priority: 2, action: ALERT, domain_list: watch}
associations: [{rule_group: g, vpc: "*", priority: 100}]
)"));
  EXPECT_EQ(decided(ev, {.name = "x.bad.test"}), "block-bad");
  EXPECT_EQ(decided(ev, {.name = "app.test", .cnames = {"edge.bad.test"}}), "-");
  EXPECT_EQ(decided(ev, {.name = "app.test", .cnames = {"edge.bad.test", "e.watch.test"}}), "alert-watch");
}

TEST(ManagedLists, RulesOnUnknownContentsAreSkippedNotGuessed) {
  auto p = yaml(R"(
domain_lists:
  managed: {managed_owner: Route 53 Resolver DNS Firewall}
  mine: [x.test]
rule_groups:
  g:
    rules:
      - {name: managed, priority: 1, action: BLOCK, block_response: NODATA, domain_list: managed}
      - {name: mine, priority: 2, action: ALERT, domain_list: mine}
associations: [{rule_group: g, vpc: "*", priority: 100}]
)");
  FirewallEvaluator ev(std::move(p));
  EXPECT_FALSE(ev.rules()[0].evaluable);
  EXPECT_EQ(decided(ev, {.name = "x.test"}), "mine");
}

TEST(Drift, ComparesTheLoggedAction) {
  FirewallEvaluator ev(yaml(kChain));
  QueryRecord r;
  r.vpc_id = "vpc-a";
  FirewallVerdict none;
  EXPECT_EQ(ev.drift(r, none), FirewallDrift::kNone);
  r.firewall_rule_action = "BLOCK";
  EXPECT_EQ(ev.drift(r, none), FirewallDrift::kAction);
  FirewallVerdict block = evaluate(ev, {.name = "a.bad.test"});
  EXPECT_EQ(ev.drift(r, block), FirewallDrift::kNone);
  r.firewall_rule_action = "ALERT";
  EXPECT_EQ(ev.drift(r, block), FirewallDrift::kAction);
  // ALLOW and no rule are the same outcome: the query resolved.
  FirewallVerdict allow = evaluate(ev, {.name = "app.corp.test"});
  ASSERT_EQ(allow.action(), FirewallAction::kAllow);
  r.firewall_rule_action = "";
  EXPECT_EQ(ev.drift(r, allow), FirewallDrift::kNone);
  r.firewall_rule_action = "BLOCK";
  EXPECT_EQ(ev.drift(r, allow), FirewallDrift::kAction);
}

// --- What AWS would reject -------------------------------------------------------------------

std::vector<std::string> codes(const FirewallPolicy& p) {
  std::vector<std::string> out;
  for (const auto& problem : p.check()) out.push_back(problem.code);
  return out;
}

TEST(Check, BlockNeedsAResponseAndTheMessageNamesTheRule) {
  auto p = yaml(R"(
domain_lists: {l: [x.test]}
rule_groups:
  g: {rules: [{name: no-response, priority: 1, action: BLOCK, domain_list: l}]}
)");
  auto problems = p.check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].code, "rule.block_response_missing");
  EXPECT_NE(problems[0].message.find("rule 'no-response' (priority 1) in rule group 'g'"), std::string::npos);
  try {
    p.validate();
    FAIL() << "validate() accepted a BLOCK rule without a response";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConfig);
    EXPECT_NE(std::string(e.what()).find("no-response"), std::string::npos);
  }
}

TEST(Check, OverrideNeedsCnameDomainAndTtl) {
  auto p = yaml(R"(
domain_lists: {l: [x.test]}
rule_groups:
  g:
    rules:
      - {name: o, priority: 1, action: BLOCK, block_response: OVERRIDE, block_override_dns_type: A,
         block_override_ttl: 700000, domain_list: l}
)");
  auto c = codes(p);
  EXPECT_NE(std::find(c.begin(), c.end(), "rule.override_domain_missing"), c.end());
  EXPECT_NE(std::find(c.begin(), c.end(), "rule.override_type_invalid"), c.end());
  EXPECT_NE(std::find(c.begin(), c.end(), "rule.override_ttl_range"), c.end());
}

TEST(Check, PrioritiesAreUniqueAndInRange) {
  auto p = yaml(R"(
domain_lists: {l: [x.test]}
rule_groups:
  g:
    rules:
      - {name: a, priority: 5, action: ALLOW, domain_list: l}
      - {name: b, priority: 5, action: ALERT, domain_list: l}
  h: {rules: []}
associations:
  - {rule_group: g, vpc: vpc-a, priority: 100}
  - {rule_group: h, vpc: vpc-a, priority: 100}
  - {rule_group: h, vpc: vpc-b, priority: 9901}
  - {rule_group: missing, vpc: vpc-b, priority: 200}
)");
  auto c = codes(p);
  for (const char* expected : {"rule.priority_duplicate", "association.priority_duplicate",
                               "association.priority_range", "association.rule_group_unknown"}) {
    EXPECT_NE(std::find(c.begin(), c.end(), expected), c.end()) << expected;
  }
}

// Firewall Manager associates its policy's rule groups at 1-99 (first) and 9901-10000 (last), around
// the account's own at 100-9900: an organization's export loads, its associations in priority order.
TEST(Check, FirewallManagerPrioritiesLoadAndAreOrdered) {
  FirewallPolicy p = load_policy_text(R"({"FirewallRuleGroupAssociations": [
    {"FirewallRuleGroupId": "g-first", "VpcId": "vpc-a", "Priority": 1, "Name": "fms-first",
     "ManagedOwnerName": "AWS Firewall Manager", "Status": "COMPLETE"},
    {"FirewallRuleGroupId": "g-own", "VpcId": "vpc-a", "Priority": 100, "Name": "own", "Status": "COMPLETE"},
    {"FirewallRuleGroupId": "g-last", "VpcId": "vpc-a", "Priority": 10000, "Name": "fms-last",
     "ManagedOwnerName": "AWS Firewall Manager", "Status": "COMPLETE"},
    {"FirewallRuleGroupId": "g-odd", "VpcId": "vpc-b", "Priority": 50, "Name": "unmanaged", "Status": "COMPLETE"},
    {"FirewallRuleGroupId": "g-own", "VpcId": "vpc-c", "Priority": 10001, "Name": "impossible", "Status": "COMPLETE"}
  ]})",
                                      "list-firewall-rule-group-associations.json", "", {});
  for (const char* id : {"g-first", "g-own", "g-last", "g-odd"}) {
    RuleGroup& g = p.group_for(id);
    FirewallRule r;
    r.name = std::string(id) + "-rule";
    r.rule_group_id = id;
    r.priority = 1;
    r.action = FirewallAction::kAlert;
    r.domain_list_id = "l";
    g.rules.push_back(r);
  }
  p.list_for("l").domains = {"x.test"};
  p.list_for("l").domain_lines = {0};
  p.list_for("l").contents_known = true;
  std::vector<std::string> errors, warnings;
  for (const auto& problem : p.check()) {
    if (problem.code != "association.priority_range") continue;
    (problem.severity == Severity::kError ? errors : warnings).push_back(problem.message);
  }
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("(priority 10001)"), std::string::npos) << errors[0];
  ASSERT_EQ(warnings.size(), 1u);  // 50 without a managing owner; Firewall Manager's 1 and 10000 pass
  EXPECT_NE(warnings[0].find("(priority 50)"), std::string::npos) << warnings[0];
  std::erase_if(p.associations, [](const RuleGroupAssociation& a) { return a.priority == 10001; });
  FirewallEvaluator ev(std::move(p));
  std::vector<std::string> order;
  for (std::uint32_t id : ev.chain_for("vpc-a")) order.push_back(ev.rules()[id].group->id);
  EXPECT_EQ(order, (std::vector<std::string>{"g-first", "g-own", "g-last"}));
}

TEST(Check, UnknownListIsAWarningBecauseManagedListsLiveInAws) {
  auto p = yaml(R"(
rule_groups:
  g: {rules: [{name: m, priority: 1, action: BLOCK, block_response: NODATA, domain_list: rslvr-fdl-2c46f2ecbfec4dcc}]}
)");
  auto problems = p.check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].severity, Severity::kWarning);
  EXPECT_NO_THROW(p.validate());
}

// --- Simulation report -------------------------------------------------------------------------

TEST(Simulation, CountsRulesAndDriftAcrossMergedWorkers) {
  FirewallEvaluator ev(yaml(kChain));
  FirewallSimulation a(ev), b(ev);
  auto feed = [&](FirewallSimulation& sim, const Query& q) {
    QueryRecord r;
    r.vpc_id = q.vpc;
    r.query_name = q.name;
    r.query_type = q.type;
    r.instance = "i-1";
    r.firewall_rule_action = q.logged_action;
    FirewallVerdict v = evaluate(ev, q);
    sim.add(r, q.name, v, ev.drift(r, v));
  };
  feed(a, {.name = "a.bad.test", .logged_action = "BLOCK"});
  feed(a, {.name = "b.bad.test"});  // the log shows no block: drift
  feed(b, {.name = "b.bad.test"});
  feed(b, {.name = "app.corp.test", .logged_action = "ALLOW"});
  a.merge(b);
  EXPECT_EQ(a.records(), 4u);
  EXPECT_EQ(a.rule_hits(2), 3u);  // block-bad
  EXPECT_EQ(a.rule_hits(0), 1u);  // allow-inspect
  EXPECT_EQ(a.drift_records(), 2u);
  const std::string json = a.to_json(5);
  EXPECT_NE(json.find(R"("logged":"none","simulated":"BLOCK","queries":2)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"({"domain":"b.bad.test","queries":2})"), std::string::npos) << json;
}

}  // namespace
}  // namespace dnslens
