#include "core/enriched_record.hpp"

namespace dnslens {

std::string_view match_site_name(MatchSite site) {
  switch (site) {
    case MatchSite::kQueryName:
      return "query_name";
    case MatchSite::kReverseName:
      return "reverse_name";
    case MatchSite::kAnswerIp:
      return "answer_ip";
    case MatchSite::kCname:
      return "cname";
    case MatchSite::kSrcaddr:
      return "srcaddr";
  }
  return "unknown";
}

std::string_view firewall_drift_name(FirewallDrift d) {
  switch (d) {
    case FirewallDrift::kAction:
      return "action";
    case FirewallDrift::kRule:
      return "rule";
    case FirewallDrift::kNone:
      break;
  }
  return "none";
}

bool firewall_outcomes_differ(std::string_view a, std::string_view b) {
  // A record without firewall fields and an ALLOW both mean the query went through unremarked.
  auto outcome = [](std::string_view action) { return action == "ALLOW" ? std::string_view{} : action; };
  return outcome(a) != outcome(b);
}

}  // namespace dnslens
