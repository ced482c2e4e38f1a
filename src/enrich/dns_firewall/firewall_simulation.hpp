#pragma once
// What a DNS Firewall policy would have done to logged queries: per rule, how many queries it
// would decide (and how many through a CNAME chain), the top domains, instances and VPCs; overall
// action counts beside the logged ones; and where the simulation disagrees with the logged
// firewall_rule_action (policy drift). One accumulator per worker thread, merged at the end.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "core/query_record.hpp"
#include "enrich/dns_firewall/firewall_evaluator.hpp"

namespace dnslens {

class TopCounter {
 public:
  void add(std::string_view key, std::uint64_t n = 1);
  void merge(const TopCounter& other);
  [[nodiscard]] std::vector<std::pair<std::string, std::uint64_t>> top(std::size_t n) const;
  [[nodiscard]] std::size_t distinct() const { return counts_.size() + (other_ > 0 ? 1 : 0); }
  // Beyond this many distinct keys, new keys are counted together as "(other)".
  static constexpr std::size_t kMaxKeys = 100'000;

 private:
  absl::flat_hash_map<std::string, std::uint64_t> counts_;
  std::uint64_t other_ = 0;
};

class FirewallSimulation {
 public:
  explicit FirewallSimulation(const FirewallEvaluator& evaluator);

  void add(const QueryRecord& record, std::string_view name, const FirewallVerdict& verdict, FirewallDrift drift);
  void merge(const FirewallSimulation& other);

  [[nodiscard]] std::string to_table(std::size_t top) const;
  [[nodiscard]] std::string to_json(std::size_t top) const;
  [[nodiscard]] std::uint64_t records() const { return records_; }
  [[nodiscard]] std::uint64_t drift_records() const;
  [[nodiscard]] std::uint64_t rule_hits(std::uint32_t rule_id) const { return rules_[rule_id].hits; }

 private:
  struct RuleStats {
    std::uint64_t hits = 0;
    std::uint64_t via_redirection = 0;
    TopCounter names, sources, vpcs;
  };
  struct DriftStats {
    std::uint64_t count = 0;
    TopCounter names, logged_rules, simulated_rules;
  };
  const FirewallEvaluator* evaluator_;
  std::vector<RuleStats> rules_;
  std::uint64_t records_ = 0;
  std::array<std::uint64_t, 4> simulated_{};  // by FirewallAction
  std::array<std::uint64_t, 4> logged_{};
  std::uint64_t logged_other_ = 0;                   // firewall_rule_action values dnslens does not know
  std::map<std::pair<int, int>, DriftStats> drift_;  // (logged, simulated) action
  DriftStats rule_drift_;                            // same action, another rule group or list
};

}  // namespace dnslens
