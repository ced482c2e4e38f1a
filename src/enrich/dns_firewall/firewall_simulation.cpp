#include "enrich/dns_firewall/firewall_simulation.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/absl_view.hpp"
#include "core/json_escape.hpp"

namespace dnslens {

namespace {

std::string_view action_or_none(FirewallAction a) {
  return a == FirewallAction::kNone ? "none" : firewall_action_name(a);
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  append_json_escaped_bytes(out, s);
  out += '"';
  return out;
}

std::string json_top(const TopCounter& c, std::size_t n, const char* key_name) {
  std::string out = "[";
  bool first = true;
  for (const auto& [k, v] : c.top(n)) {
    out += fmt::format("{}{{\"{}\":{},\"queries\":{}}}", first ? "" : ",", key_name, json_string(k), v);
    first = false;
  }
  return out + "]";
}

std::string text_top(const TopCounter& c, std::size_t n) {
  std::string out;
  for (const auto& [k, v] : c.top(n)) out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", k, v);
  if (c.distinct() > n) out += fmt::format(", ... {} distinct", c.distinct());
  return out;
}

}  // namespace

void TopCounter::add(std::string_view key, std::uint64_t n) {
  if (auto it = counts_.find(as_absl(key)); it != counts_.end()) {
    it->second += n;
  } else if (counts_.size() < kMaxKeys) {
    counts_.emplace(std::string(key), n);
  } else {
    other_ += n;
  }
}

void TopCounter::merge(const TopCounter& o) {
  for (const auto& [k, v] : o.counts_) add(k, v);
  other_ += o.other_;
}

std::vector<std::pair<std::string, std::uint64_t>> TopCounter::top(std::size_t n) const {
  std::vector<std::pair<std::string, std::uint64_t>> all(counts_.begin(), counts_.end());
  if (other_ > 0) all.emplace_back("(other)", other_);
  const std::size_t k = std::min(n, all.size());
  std::partial_sort(
      all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
      [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  all.resize(k);
  return all;
}

FirewallSimulation::FirewallSimulation(const FirewallEvaluator& evaluator)
    : evaluator_(&evaluator), rules_(evaluator.rules().size()) {}

void FirewallSimulation::add(const QueryRecord& r, std::string_view name, const FirewallVerdict& v,
                             FirewallDrift drift) {
  ++records_;
  const FirewallAction sim = v.action();
  ++simulated_[static_cast<std::size_t>(sim)];
  FirewallAction logged = FirewallAction::kNone;
  if (!r.firewall_rule_action.empty()) {
    if (auto a = parse_firewall_action(r.firewall_rule_action)) {
      logged = *a;
    } else {
      ++logged_other_;
    }
  }
  ++logged_[static_cast<std::size_t>(logged)];
  const std::string_view shown = name.empty() ? r.query_name : name;
  if (v.rule != nullptr) {
    RuleStats& s = rules_[v.rule->id];
    ++s.hits;
    if (v.via_redirection) ++s.via_redirection;
    s.names.add(shown);
    s.sources.add(r.source());
    s.vpcs.add(r.vpc_id);
  }
  if (drift == FirewallDrift::kNone) return;
  DriftStats& d =
      drift == FirewallDrift::kRule ? rule_drift_ : drift_[{static_cast<int>(logged), static_cast<int>(sim)}];
  ++d.count;
  d.names.add(shown);
  if (!r.firewall_rule_group_id.empty() || !r.firewall_domain_list_id.empty()) {
    d.logged_rules.add(fmt::format("{} / {}", r.firewall_rule_group_id, r.firewall_domain_list_id));
  }
  if (v.rule != nullptr) d.simulated_rules.add(v.rule->rule->name);
}

void FirewallSimulation::merge(const FirewallSimulation& o) {
  records_ += o.records_;
  for (std::size_t i = 0; i < simulated_.size(); ++i) {
    simulated_[i] += o.simulated_[i];
    logged_[i] += o.logged_[i];
  }
  logged_other_ += o.logged_other_;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    rules_[i].hits += o.rules_[i].hits;
    rules_[i].via_redirection += o.rules_[i].via_redirection;
    rules_[i].names.merge(o.rules_[i].names);
    rules_[i].sources.merge(o.rules_[i].sources);
    rules_[i].vpcs.merge(o.rules_[i].vpcs);
  }
  auto merge_drift = [](DriftStats& a, const DriftStats& b) {
    a.count += b.count;
    a.names.merge(b.names);
    a.logged_rules.merge(b.logged_rules);
    a.simulated_rules.merge(b.simulated_rules);
  };
  for (const auto& [k, d] : o.drift_) merge_drift(drift_[k], d);
  merge_drift(rule_drift_, o.rule_drift_);
}

std::uint64_t FirewallSimulation::drift_records() const {
  std::uint64_t n = rule_drift_.count;
  for (const auto& [k, d] : drift_) n += d.count;
  return n;
}

std::string FirewallSimulation::to_table(std::size_t top) const {
  const auto& rules = evaluator_->rules();
  std::string s = fmt::format(
      "DNS Firewall simulation: {} records against {} rule(s) in {} rule group(s), {} domain specification(s)\n",
      records_, rules.size(), evaluator_->policy().rule_groups.size(), evaluator_->domain_count());
  auto actions = [&](const std::array<std::uint64_t, 4>& a) {
    return fmt::format("BLOCK {:>10}  ALERT {:>10}  ALLOW {:>10}  no rule {:>10}", a[3], a[2], a[1], a[0]);
  };
  s += fmt::format("  simulated  {}\n  logged     {}{}\n", actions(simulated_), actions(logged_),
                   logged_other_ ? fmt::format("  (other actions: {})", logged_other_) : "");
  s += "\nPer rule, in evaluation order:\n";
  std::vector<std::uint32_t> order;
  for (std::uint32_t id : evaluator_->chain_for("")) order.push_back(id);
  for (const auto& vpc : evaluator_->vpcs_with_own_chain()) {
    for (std::uint32_t id : evaluator_->chain_for(vpc)) {
      if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
    }
  }
  for (std::uint32_t id = 0; id < rules.size(); ++id) {
    if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
  }
  for (std::uint32_t id : order) {
    const CompiledRule& c = rules[id];
    const RuleStats& st = rules_[id];
    const FirewallRule& r = *c.rule;
    std::string action(firewall_action_name(r.action));
    if (r.action == FirewallAction::kBlock && r.block_response != BlockResponse::kNone) {
      action += fmt::format(" {}", block_response_name(r.block_response));
      if (r.block_response == BlockResponse::kOverride) action += fmt::format(" -> {}", r.block_override_domain);
    }
    const std::string matches =
        r.advanced() ? fmt::format("{} at {}", threat_protection_name(r.threat_protection),
                                   r.confidence == ConfidenceThreshold::kNone ? "no threshold"
                                                                              : confidence_threshold_name(r.confidence))
                     : fmt::format("list '{}'", r.domain_list_id);
    s += fmt::format("  {:<6} {}  [{}; {}{}]\n", firewall_action_name(r.action), r.label(), action, matches,
                     r.query_type.empty() ? "" : "; type " + r.query_type);
    if (!c.evaluable) {
      s += r.advanced() ? (r.confidence == ConfidenceThreshold::kNone
                               ? std::string("         not simulated: the rule has no confidence threshold\n")
                               : fmt::format("         not simulated: dnslens does not simulate {} yet\n",
                                             threat_protection_name(r.threat_protection)))
                        : "         not simulated: the domain list's contents are not in the policy\n";
      continue;
    }
    if (st.hits == 0) {
      s += "         would decide no query\n";
      continue;
    }
    s += fmt::format("         would decide {} queries{}\n", st.hits,
                     st.via_redirection ? fmt::format(" ({} through a CNAME chain)", st.via_redirection) : "");
    s += fmt::format("         top domains: {}\n", text_top(st.names, top));
    s += fmt::format("         sources:     {}\n", text_top(st.sources, top));
    s += fmt::format("         VPCs:        {}\n", text_top(st.vpcs, top));
  }
  s += "\nPolicy drift (simulated action vs the logged firewall_rule_action):\n";
  if (drift_.empty() && rule_drift_.count == 0) {
    s += "  none: every record's simulated action is the logged one\n";
    return s;
  }
  for (const auto& [k, d] : drift_) {
    s += fmt::format("  logged {:<5} simulated {:<5} {:>10} queries\n",
                     action_or_none(static_cast<FirewallAction>(k.first)),
                     action_or_none(static_cast<FirewallAction>(k.second)), d.count);
    s += fmt::format("         top domains: {}\n", text_top(d.names, top));
    if (d.logged_rules.distinct())
      s += fmt::format("         logged rule group / list: {}\n", text_top(d.logged_rules, top));
    if (d.simulated_rules.distinct())
      s += fmt::format("         simulated rule: {}\n", text_top(d.simulated_rules, top));
  }
  if (rule_drift_.count) {
    s += fmt::format("  same action, another rule group or list {:>10} queries\n", rule_drift_.count);
    s += fmt::format("         top domains: {}\n", text_top(rule_drift_.names, top));
    s += fmt::format("         logged rule group / list: {}\n", text_top(rule_drift_.logged_rules, top));
    s += fmt::format("         simulated rule: {}\n", text_top(rule_drift_.simulated_rules, top));
  }
  return s;
}

std::string FirewallSimulation::to_json(std::size_t top) const {
  auto actions = [](const std::array<std::uint64_t, 4>& a) {
    return fmt::format("{{\"BLOCK\":{},\"ALERT\":{},\"ALLOW\":{},\"none\":{}}}", a[3], a[2], a[1], a[0]);
  };
  std::string out =
      fmt::format("{{\"records\":{},\"simulated\":{},\"logged\":{},\"logged_other_actions\":{},\"rules\":[", records_,
                  actions(simulated_), actions(logged_), logged_other_);
  const auto& rules = evaluator_->rules();
  for (std::uint32_t id = 0; id < rules.size(); ++id) {
    const FirewallRule& r = *rules[id].rule;
    const RuleStats& st = rules_[id];
    out += fmt::format(
        "{}{{\"rule\":{},\"rule_group_id\":{},\"priority\":{},\"action\":\"{}\",\"block_response\":{},\"domain_list_"
        "id\":{},"
        "\"query_type\":{},\"threat_protection\":{},\"confidence_threshold\":{},\"simulated\":{},\"queries\":{},\"via_"
        "redirection\":{},\"top_domains\":{},\"top_sources\":{}"
        ","
        "\"vpcs\":{}}}",
        id ? "," : "", json_string(r.name), json_string(r.rule_group_id), r.priority, firewall_action_name(r.action),
        r.block_response == BlockResponse::kNone ? "null" : json_string(block_response_name(r.block_response)),
        r.advanced() ? "null" : json_string(r.domain_list_id),
        r.query_type.empty() ? "null" : json_string(r.query_type),
        r.advanced() ? json_string(threat_protection_name(r.threat_protection)) : "null",
        r.confidence == ConfidenceThreshold::kNone ? "null" : json_string(confidence_threshold_name(r.confidence)),
        rules[id].evaluable ? "true" : "false", st.hits, st.via_redirection, json_top(st.names, top, "domain"),
        json_top(st.sources, top, "source"), json_top(st.vpcs, top, "vpc_id"));
  }
  out += "],\"drift\":[";
  bool first = true;
  for (const auto& [k, d] : drift_) {
    out += fmt::format(
        "{}{{\"kind\":\"action\",\"logged\":\"{}\",\"simulated\":\"{}\",\"queries\":{},\"top_domains\":{},"
        "\"logged_rules\":{},\"simulated_rules\":{}}}",
        first ? "" : ",", action_or_none(static_cast<FirewallAction>(k.first)),
        action_or_none(static_cast<FirewallAction>(k.second)), d.count, json_top(d.names, top, "domain"),
        json_top(d.logged_rules, top, "rule_group_and_list"), json_top(d.simulated_rules, top, "rule"));
    first = false;
  }
  if (rule_drift_.count) {
    out += fmt::format(
        "{}{{\"kind\":\"rule\",\"queries\":{},\"top_domains\":{},\"logged_rules\":{},\"simulated_rules\":{}}}",
        first ? "" : ",", rule_drift_.count, json_top(rule_drift_.names, top, "domain"),
        json_top(rule_drift_.logged_rules, top, "rule_group_and_list"),
        json_top(rule_drift_.simulated_rules, top, "rule"));
  }
  out += fmt::format("],\"drift_queries\":{}}}\n", drift_records());
  return out;
}

}  // namespace dnslens
