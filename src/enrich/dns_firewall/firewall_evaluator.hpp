#pragma once
// A DNS Firewall policy compiled for per-record evaluation: which rule (if any) would decide a
// logged query, with AWS's order (association priority, then rule priority; first match wins) and
// redirection-chain inspection over the CNAME answers in the record.
//
// Built once, then const and shared by worker threads. A lookup is one hash probe for the exact
// name plus one per parent ("*.parent" specifications), whatever the policy's size; nothing is
// allocated per record.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "core/enriched_record.hpp"
#include "core/query_record.hpp"
#include "enrich/dns_firewall/firewall_policy.hpp"

namespace dnslens {

struct CompiledRule {
  std::uint32_t id = 0;  // index in FirewallEvaluator::rules()
  const FirewallRule* rule = nullptr;
  const RuleGroup* group = nullptr;
  const DomainList* list = nullptr;
  std::uint32_t list_index = 0;
  std::uint16_t qtype = 0;  // 0: every type
  bool evaluable = true;    // false: the list's contents are unknown (managed, S3 only), or an Advanced
                            // protection the simulation does not evaluate
  // DNS Firewall Advanced: the protection and the threshold a query's level must reach (list is null).
  ThreatProtection protection = ThreatProtection::kNone;
  ConfidenceThreshold threshold = ConfidenceThreshold::kNone;
};

struct FirewallVerdict {
  const CompiledRule* rule = nullptr;  // null: no rule matched (the query is allowed, nothing logged)
  bool via_redirection = false;        // decided by a CNAME target, not the query name
  std::string_view matched_name;       // the name of the chain that matched (the record's text)
  [[nodiscard]] FirewallAction action() const { return rule ? rule->rule->action : FirewallAction::kNone; }
};

class FirewallEvaluator {
 public:
  // Compiles a validated policy (call policy.validate() first). Domain specifications AWS would
  // reject are skipped and reported in problems (when given). Without any association, every rule
  // group applies to every VPC in the order the policy lists them.
  explicit FirewallEvaluator(FirewallPolicy policy, std::vector<PolicyProblem>* problems = nullptr);

  // name: the normalised query name. scratch: kMaxNormalizedName bytes for CNAME targets. enriched: the
  // query name's parts and signals, which DNS Firewall Advanced rules read; null, or without signals:
  // those rules match nothing.
  [[nodiscard]] FirewallVerdict evaluate(const QueryRecord& record, std::string_view name, char* scratch,
                                         const EnrichedRecord* enriched = nullptr) const;
  // The first rule of the VPC's chain that matches one name (no redirection chain).
  [[nodiscard]] const CompiledRule* first_match(std::string_view vpc_id, std::string_view name, std::uint16_t qtype,
                                                const EnrichedRecord* enriched = nullptr) const;
  // The policy has DNS Firewall Advanced rules the simulation evaluates: it needs the name signals.
  [[nodiscard]] bool reads_name_signals() const { return reads_signals_; }

  [[nodiscard]] FirewallDrift drift(const QueryRecord& record, const FirewallVerdict& verdict) const;

  [[nodiscard]] const FirewallPolicy& policy() const { return *policy_; }
  [[nodiscard]] const std::vector<CompiledRule>& rules() const { return rules_; }
  // Rule ids in evaluation order for a VPC (VPCs without their own associations share one chain).
  [[nodiscard]] const std::vector<std::uint32_t>& chain_for(std::string_view vpc_id) const;
  [[nodiscard]] std::vector<std::string> vpcs_with_own_chain() const;
  [[nodiscard]] std::size_t domain_count() const { return domain_count_; }
  // Whether the ids in the policy are AWS resource ids (rslvr-fdl-..., rslvr-frg-...), which makes
  // them comparable with the ids in query logs.
  [[nodiscard]] bool has_aws_ids() const { return has_aws_ids_; }

 private:
  struct Range {
    std::uint32_t offset = 0;
    std::uint32_t count = 0;
  };
  static constexpr std::size_t kMaxHits = 256;
  struct Hits {
    std::uint32_t lists[kMaxHits];
    std::size_t n = 0;
    bool overflow = false;
  };
  template <typename Visit>
  void for_each_matching_list(std::string_view name, Visit&& visit) const;
  void collect(std::string_view name, Hits& hits) const;
  [[nodiscard]] bool list_matches(std::uint32_t list, std::string_view name) const;
  // The strictest threshold each protection matches the query at (by ThreatProtection).
  struct Levels {
    ConfidenceThreshold by_protection[4] = {};
    bool any = false;
  };
  [[nodiscard]] static Levels levels_of(const EnrichedRecord* enriched);
  // redirection_target: name is a later domain of the answer's redirection chain, which rules with
  // TRUST_REDIRECTION_DOMAIN do not inspect, nor Advanced rules (levels is then empty).
  [[nodiscard]] const CompiledRule* first_in_chain(const std::vector<std::uint32_t>& chain, std::string_view name,
                                                   std::uint16_t qtype, const Levels& levels,
                                                   bool redirection_target = false) const;

  std::shared_ptr<const FirewallPolicy> policy_;
  std::vector<CompiledRule> rules_;
  std::vector<std::vector<std::uint32_t>> chains_;  // chains_[0]: VPCs without their own associations
  absl::flat_hash_map<std::string, std::uint32_t> vpc_chain_;
  absl::flat_hash_map<std::string, Range> exact_;
  absl::flat_hash_map<std::string, Range> below_;  // "*.suffix" keyed by suffix
  std::vector<std::uint32_t> everything_;          // lists holding "*"
  std::vector<std::uint32_t> list_ids_;
  // Bit n: some key has n labels (63: 63 or more). Most parents of a name cannot be a key, and the
  // masks skip their hash probes.
  std::uint64_t exact_labels_ = 0;
  std::uint64_t below_labels_ = 0;
  std::size_t domain_count_ = 0;
  bool any_qtype_ = false;
  bool has_aws_ids_ = false;
  bool reads_signals_ = false;
};

}  // namespace dnslens
