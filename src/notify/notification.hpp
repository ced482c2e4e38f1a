#pragma once
// One announcement: an interesting-domain match, a threat-intel match or a new finding. Its producer,
// which has the typed data, writes both forms: the JSON object stdout, the notification file and
// webhooks receive, and the one line chat shows (Slack), so no one parses the JSON back.
#include <cstdint>
#include <string>
#include <string_view>

namespace dnslens {

enum class NotificationKind : std::uint8_t { kInterestingMatch, kThreatIntelMatch, kFinding };
inline constexpr std::size_t kNotificationKindCount = 3;

// The "event" value of the JSON object: interesting_domain_match, threat_intel_match, finding.
[[nodiscard]] std::string_view notification_event_name(NotificationKind kind);
// How chat names n of them: "interesting-domain match(es)", "threat-intel match(es)", "finding(s)".
[[nodiscard]] std::string_view notification_title(NotificationKind kind, std::uint64_t n);

struct Notification {
  NotificationKind kind = NotificationKind::kInterestingMatch;
  std::string json;  // one JSON object, no newline
  std::string line;  // one line for chat: what happened, to whom, where, when
};

}  // namespace dnslens
