#pragma once
// Reads DNS Firewall policies from what people have:
// - the JSON the AWS CLI/API returns: list-firewall-rule-groups, list-firewall-rules,
//   list-firewall-domain-lists, list-firewall-domains, list-firewall-rule-group-associations (and
//   the get-* forms of a group or list);
// - CloudFormation templates (JSON or YAML, short-form tags included) with
//   AWS::Route53Resolver::FirewallDomainList, FirewallRuleGroup and FirewallRuleGroupAssociation;
// - dnslens's own policy file (YAML or JSON, see docs/FIREWALL.md);
// - domain list files, one domain per line (blank lines and # comments allowed).
// Several sources make one policy: a list named in one file gets its domains from another.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "enrich/dns_firewall/firewall_policy.hpp"

namespace dnslens {

enum class PolicyFormat { kAwsCli, kCloudFormation, kDnslens, kDomainList };
[[nodiscard]] std::string_view policy_format_name(PolicyFormat f);

struct PolicyLoadOptions {
  // CloudFormation parameter values (NAME=VALUE); a template's defaults apply otherwise.
  std::map<std::string, std::string> template_parameters;
  // dnslens policies may name domain-list files; off for text from untrusted places (the fuzzer).
  bool allow_file_references = true;
};

// "[ID=]PATH": PATH is a file or a directory (every file below it, sorted). ID names the domain list
// a domain-list file or list-firewall-domains output fills (default: the file name without its
// extension). Throws Error(kConfig) naming the file and the element for anything unreadable.
[[nodiscard]] FirewallPolicy load_policy(const std::vector<std::string>& sources, const PolicyLoadOptions& options);

// One source already in memory; path names it in messages and resolves relative domain files.
[[nodiscard]] FirewallPolicy load_policy_text(const std::string& text, const std::string& path,
                                              std::string_view list_id, const PolicyLoadOptions& options,
                                              PolicyFormat* detected = nullptr);

}  // namespace dnslens
