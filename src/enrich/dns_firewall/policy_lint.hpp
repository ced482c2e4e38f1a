#pragma once
// Reviews a DNS Firewall policy before it goes live: what AWS would reject (see
// FirewallPolicy::check), invalid and duplicate domains, empty and unused lists, rule groups no VPC
// uses, and rules that can never decide a query because rules evaluated before them already match
// every domain they list (an ALLOW that makes a BLOCK unreachable is the costly case).
#include <cstddef>
#include <vector>

#include "enrich/dns_firewall/firewall_policy.hpp"

namespace dnslens {

struct LintReport {
  std::vector<PolicyProblem> problems;  // errors first, then warnings, then notes
  std::size_t errors = 0;
  std::size_t warnings = 0;
};

[[nodiscard]] LintReport lint_policy(const FirewallPolicy& policy);

}  // namespace dnslens
