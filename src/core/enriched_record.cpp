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

}  // namespace dnslens
