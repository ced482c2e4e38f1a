#pragma once
// dnslens's name signals and simulated DNS Firewall verdict as members of a JSON object, spelled the
// same in every format that nests them (OCSF: enrichments[].data; ECS: dnslens.signals,
// dnslens.firewall_sim). The route53 format writes them flat, with its own names.
#include <string_view>

#include "core/enriched_record.hpp"
#include "sinks/formats/event_writer.hpp"

namespace dnslens::event_writer {

inline void signal_members(Members& data, const NameSignals& signals) {
  const NameFeatures& f = signals.features;
  data.decimal("\"dga_score\":", signals.dga_score);
  data.decimal("\"name_entropy\":", f.name_entropy);
  data.decimal("\"subdomain_entropy\":", f.subdomain_entropy);
  data.number("\"name_length\":", f.name_length);
  data.number("\"subdomain_length\":", f.subdomain_length);
  data.number("\"longest_label\":", f.longest_label);
  data.number("\"label_count\":", f.label_count);
  data.decimal("\"digit_ratio\":", f.digit_ratio);
  data.decimal("\"consonant_ratio\":", f.consonant_ratio);
  data.boolean("\"benign_noise\":", signals.benign_noise);
}

// action NONE when no rule decides the query.
inline void firewall_sim_members(Members& data, const FirewallOutcome& fw) {
  if (fw.decided()) {
    data.text("\"action\":\"", fw.action);
    data.text_if("\"rule\":\"", fw.rule_name);
    data.text_if("\"rule_group_id\":\"", fw.rule_group_id);
    data.text_if("\"domain_list_id\":\"", fw.domain_list_id);
    data.text_if("\"block_response\":\"", fw.block_response);
    data.text("\"matched_on\":\"",
              fw.via_redirection ? std::string_view("redirection") : std::string_view("query_name"));
    data.text_if("\"matched_name\":\"", fw.matched_name);
  } else {
    data.text("\"action\":\"", "NONE");
  }
  data.text("\"drift\":\"", firewall_drift_name(fw.drift));
}

}  // namespace dnslens::event_writer
