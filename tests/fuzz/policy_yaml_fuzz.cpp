// libFuzzer target: YAML DNS Firewall policies (dnslens's own format and CloudFormation templates,
// short-form tags included) through the policy loader. Hostile YAML (alias bombs, deep nesting,
// cyclic aliases, non-scalar keys, numbers out of range) must end in dnslens::Error, within bounded
// memory and time: anything else escaping crashes the fuzzer, as it should. The first byte picks
// the file name the text is read as.
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "enrich/dns_firewall/firewall_evaluator.hpp"
#include "enrich/dns_firewall/policy_lint.hpp"
#include "enrich/dns_firewall/policy_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* kNames[] = {"policy.yaml", "template.yaml", "firewall.yml", "stack.template"};
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  dnslens::PolicyLoadOptions options;
  options.allow_file_references = false;
  options.template_parameters["VpcId"] = "vpc-a";
  try {
    dnslens::FirewallPolicy policy = dnslens::load_policy_text(text, kNames[data[0] % 4], "", options);
    // What loaded came from the text: an expansion past a small multiple of it is an alias bomb
    // that got through.
    std::size_t entries = 0;
    for (const auto& list : policy.domain_lists) entries += list.domains.size();
    for (const auto& group : policy.rule_groups) entries += group.rules.size();
    if (entries > 2'000'000) __builtin_trap();
    (void)dnslens::lint_policy(policy);
    dnslens::FirewallEvaluator evaluator(std::move(policy));
  } catch (const dnslens::Error&) {
  }
  return 0;
}
