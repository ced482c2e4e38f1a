#include "notify/notification.hpp"

namespace dnslens {

std::string_view notification_event_name(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::kInterestingMatch:
      return "interesting_domain_match";
    case NotificationKind::kThreatIntelMatch:
      return "threat_intel_match";
    case NotificationKind::kFinding:
      return "finding";
  }
  return "event";
}

std::string_view notification_title(NotificationKind kind, std::uint64_t n) {
  const bool one = n == 1;
  switch (kind) {
    case NotificationKind::kInterestingMatch:
      return one ? "interesting-domain match" : "interesting-domain matches";
    case NotificationKind::kThreatIntelMatch:
      return one ? "threat-intel match" : "threat-intel matches";
    case NotificationKind::kFinding:
      return one ? "finding" : "findings";
  }
  return one ? "event" : "events";
}

}  // namespace dnslens
