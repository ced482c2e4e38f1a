// libFuzzer target: DNS Firewall policy loaders (AWS CLI JSON, CloudFormation JSON/YAML, dnslens
// policy, domain lists) on hostile text, then compilation, lint and evaluation of whatever loaded.
// The first byte picks the file name the text is read as. Bad policies may throw dnslens::Error,
// never crash.
#include <cstdint>
#include <string>

#include "core/dns_name.hpp"
#include "core/error.hpp"
#include "enrich/dns_firewall/firewall_evaluator.hpp"
#include "enrich/dns_firewall/policy_lint.hpp"
#include "enrich/dns_firewall/policy_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* kNames[] = {"policy.yaml", "rules.json", "rslvr-fdl-1.txt", "template.yml"};
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  dnslens::PolicyLoadOptions options;
  options.allow_file_references = false;
  options.template_parameters["VpcId"] = "vpc-a";
  try {
    dnslens::FirewallPolicy policy = dnslens::load_policy_text(text, kNames[data[0] % 4], "", options);
    (void)dnslens::lint_policy(policy);
    dnslens::FirewallEvaluator ev(std::move(policy));
    dnslens::QueryRecord r;
    r.vpc_id = "vpc-a";
    r.query_type = "TXT";
    r.answers[0] = dnslens::DnsAnswer{"x.example.com.", "CNAME", "IN"};
    r.answer_count = 1;
    char scratch[dnslens::kMaxNormalizedName];
    for (const char* name : {"a.b.example.com", "example.com", "com", ""}) {
      r.query_name = name;
      auto v = ev.evaluate(r, name, scratch);
      (void)ev.drift(r, v);
    }
  } catch (const dnslens::Error&) {
  }
  return 0;
}
