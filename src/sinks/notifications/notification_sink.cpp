#include "sinks/notifications/notification_sink.hpp"

#include <iterator>

#include <fmt/format.h>

#include "core/json_escape.hpp"

namespace dnslens {

namespace {

struct MatchEvent {
  NotificationKind kind = NotificationKind::kInterestingMatch;
  std::string json;  // the object without where it came from and its closing brace
  std::string chat;  // its line for chat (Notification::line)
  std::uint64_t line_in_batch = 0;
};

struct NotificationBatch final : SinkBatch {
  std::vector<MatchEvent> events;
  void clear() override { events.clear(); }
};

void append_field(std::string& out, std::string_view name, std::string_view value, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += name;
  out += "\":\"";
  append_json_escaped_bytes(out, value);
  out += '"';
}

// " from 10.0.0.5 i-0abc in vpc-1 at 2026-11-21T10:00:00Z": who asked, for a chat line.
void append_asker(std::string& out, const QueryRecord& r) {
  const std::string_view who = !r.instance.empty()            ? r.instance
                               : !r.resolver_endpoint.empty() ? r.resolver_endpoint
                                                              : "-";
  fmt::format_to(std::back_inserter(out), " from {} {} in {} at {}", r.srcaddr, who, r.vpc_id, r.query_timestamp);
}

void add_threat_event(NotificationBatch& batch, std::uint64_t line, const QueryRecord& r, const ThreatMatch& hit) {
  MatchEvent& event = batch.events.emplace_back();
  event.kind = NotificationKind::kThreatIntelMatch;
  event.line_in_batch = line;
  fmt::format_to(std::back_inserter(event.chat), "`{}` matched {} `{}` of feed {}", r.query_name, hit.kind, hit.value,
                 hit.feed.empty() ? "-" : hit.feed);
  if (hit.confidence >= 0) fmt::format_to(std::back_inserter(event.chat), " (confidence {})", hit.confidence);
  if (hit.site != MatchSite::kQueryName) {
    fmt::format_to(std::back_inserter(event.chat), " on {} {}", match_site_name(hit.site), hit.matched_value);
  }
  append_asker(event.chat, r);
  std::string& e = event.json;
  e += '{';
  append_field(e, "event", notification_event_name(NotificationKind::kThreatIntelMatch), true);
  append_field(e, "query_timestamp", r.query_timestamp);
  append_field(e, "query_name", r.query_name);
  append_field(e, "indicator", hit.value);
  append_field(e, "indicator_type", hit.kind);
  append_field(e, "feed", hit.feed);
  if (hit.confidence >= 0) fmt::format_to(std::back_inserter(e), ",\"confidence\":{}", hit.confidence);
  append_field(e, "confidence_level", hit.confidence_level);
  if (!hit.actor.empty()) append_field(e, "actor", hit.actor);
  if (!hit.category.empty()) append_field(e, "threat", hit.category);
  append_field(e, "matched_on", match_site_name(hit.site));
  append_field(e, "matched_value", hit.matched_value);
  append_field(e, "srcaddr", r.srcaddr);
  append_field(e, "account_id", r.account_id);
  append_field(e, "vpc_id", r.vpc_id);
  if (!r.instance.empty()) append_field(e, "instance", r.instance);
}

void add_match_event(NotificationBatch& batch, std::uint64_t line, const QueryRecord& r, std::string_view registered) {
  MatchEvent& event = batch.events.emplace_back();
  event.kind = NotificationKind::kInterestingMatch;
  event.line_in_batch = line;
  fmt::format_to(std::back_inserter(event.chat), "`{}` ({})", r.query_name, registered);
  append_asker(event.chat, r);
  std::string& e = event.json;
  e += '{';
  append_field(e, "event", notification_event_name(NotificationKind::kInterestingMatch), true);
  append_field(e, "query_timestamp", r.query_timestamp);
  append_field(e, "query_name", r.query_name);
  append_field(e, "registered_domain", registered);
  append_field(e, "query_type", r.query_type);
  append_field(e, "rcode", r.rcode);
  append_field(e, "srcaddr", r.srcaddr);
  append_field(e, "account_id", r.account_id);
  append_field(e, "region", r.region);
  append_field(e, "vpc_id", r.vpc_id);
  if (!r.instance.empty()) append_field(e, "instance", r.instance);
  if (!r.resolver_endpoint.empty()) append_field(e, "resolver_endpoint", r.resolver_endpoint);
  if (!r.firewall_rule_action.empty()) append_field(e, "firewall_rule_action", r.firewall_rule_action);
}

class NotificationLocal final : public SinkLocal {
 public:
  void add(const SinkRecord& r, SinkBatch& b) override {
    auto& batch = static_cast<NotificationBatch&>(b);
    if (r.enriched.threat.hit()) add_threat_event(batch, r.line_in_batch, r.record, r.enriched.threat);
    if (r.enriched.matched) add_match_event(batch, r.line_in_batch, r.record, r.enriched.registered_domain);
  }
};

}  // namespace

std::unique_ptr<SinkLocal> NotificationSink::make_local(unsigned /*worker*/, unsigned /*workers*/) {
  return std::make_unique<NotificationLocal>();
}

std::unique_ptr<SinkBatch> NotificationSink::make_batch() const { return std::make_unique<NotificationBatch>(); }

void NotificationSink::write(SinkBatch& b, const BatchOrigin& origin) {
  for (MatchEvent& m : static_cast<NotificationBatch&>(b).events) {
    const std::uint64_t line = origin.first_line + m.line_in_batch;
    if (!origin.source.empty()) append_field(m.json, "file", origin.source);
    if (!origin.firehose_request_id.empty()) {
      append_field(m.json, "firehose_request_id", origin.firehose_request_id);
      fmt::format_to(std::back_inserter(m.json), ",\"firehose_record\":{}", origin.envelope_of(line));
    }
    fmt::format_to(std::back_inserter(m.json), ",\"line\":{}}}", line);
    notifier_.enqueue({m.kind, std::move(m.json), std::move(m.chat)});
  }
}

}  // namespace dnslens
