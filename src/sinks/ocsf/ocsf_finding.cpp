#include "sinks/ocsf/ocsf_finding.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/query_record.hpp"
#include "detect/detectors.hpp"
#include "enrich/threat_intel/ip_address.hpp"
#include "parse/query_log_parser.hpp"
#include "sinks/formats/event_writer.hpp"

namespace dnslens {

namespace {

using namespace std::string_view_literals;
using event_writer::Buffer;
using event_writer::Escaper;
using event_writer::Members;

std::string_view analytic_caption(AnalyticKind kind) {
  switch (kind) {
    case AnalyticKind::kRule:
      return "Rule";
    case AnalyticKind::kBehavioral:
      return "Behavioral";
    case AnalyticKind::kStatistical:
      return "Statistical";
    case AnalyticKind::kLearning:
      return "Learning (ML/DL)";
  }
  return "Unknown";
}

// OCSF severity: Low 2, Medium 3, High 4.
std::pair<int, std::string_view> severity(FindingSeverity s) {
  switch (s) {
    case FindingSeverity::kLow:
      return {2, "Low"};
    case FindingSeverity::kMedium:
      return {3, "Medium"};
    case FindingSeverity::kHigh:
      return {4, "High"};
  }
  return {0, "Unknown"};
}

// OCSF confidence: Low 1 (below 0.5), Medium 2 (below 0.8), High 3.
std::pair<int, std::string_view> confidence(double c) {
  if (c >= 0.8) return {3, "High"};
  if (c >= 0.5) return {2, "Medium"};
  return {1, "Low"};
}

// A stable id for the finding: FNV-1a 64 of its deduplication key (type, source, domain), so a finding
// raised again in another run, or updated, keeps its uid.
std::string finding_uid(const Finding& f) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : f.key()) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("dnslens-{:016x}", h);
}

void object_uid_name(Members& parent, std::string_view member, std::string_view uid, std::string_view name) {
  Buffer& out = parent.key(member);
  Members o(out);
  o.text("\"uid\":\"", uid);
  o.text("\"name\":\"", name);
  o.close();
}

// One evidence: the record's query and source as OCSF has them, and the record itself.
void append_evidence(Buffer& out, bool first, const QueryRecord& r, std::string_view raw) {
  if (!first) out += ',';
  Members ev(out);
  {
    ev.key("\"query\":");
    Members q(out);
    q.text("\"hostname\":\"", r.query_name);
    q.text_if("\"type\":\"", r.query_type);
    q.text_if("\"class\":\"", r.query_class);
    q.close();
  }
  const bool ip = is_ip_address(r.srcaddr);
  if (ip || !r.instance.empty()) {
    ev.key("\"src_endpoint\":");
    Members src(out);
    if (ip) src.text("\"ip\":\"", r.srcaddr);
    src.text_if("\"vpc_uid\":\"", r.vpc_id);
    src.text_if("\"instance_uid\":\"", r.instance);
    src.close();
  }
  ev.raw("\"data\":", raw);  // the record as logged: a JSON object the parser accepted
  ev.close();
}

}  // namespace

std::string_view ocsf_schema_version(std::string_view format_name) {
  if (format_name == "ocsf-1.1"sv) return "1.1.0";
  if (format_name == "ocsf-1.5"sv) return "1.5.0";
  return {};
}

void encode_ocsf_detection_finding(const Finding& f, std::string_view schema_version, std::string& line_out) {
  const FindingTypeInfo& info = finding_type_info(f.type);
  // The evidence records, parsed: their region and query fields go into the event.
  QueryLogParser parser;
  std::vector<std::pair<QueryRecord, std::string_view>> evidence;
  std::vector<std::string> padded(f.evidence.size());
  for (std::size_t i = 0; i < f.evidence.size(); ++i) {
    padded[i].reserve(f.evidence[i].size() + simdjson::SIMDJSON_PADDING);
    padded[i] = f.evidence[i];
    QueryRecord r;
    if (!parser.parse(padded[i], padded[i].capacity(), r).ok) continue;
    if (!r.converted_line.empty()) {
      // An OCSF line: its record views the parser's buffer, which the next line reuses. The Route 53
      // line it was read as takes the evidence's place, and the record views that copy.
      const std::string converted(r.converted_line);
      padded[i].reserve(converted.size() + simdjson::SIMDJSON_PADDING);
      padded[i] = converted;
      if (!parser.parse(padded[i], padded[i].capacity(), r).ok) continue;
    }
    evidence.emplace_back(std::move(r), f.evidence[i]);
  }
  const std::string_view region = evidence.empty() ? std::string_view{} : evidence.front().first.region;

  Buffer out;
  Members event(out);
  event.raw("\"class_uid\":",
            "2004,\"class_name\":\"Detection Finding\",\"category_uid\":2,\"category_name\":\"Findings\","
            "\"activity_id\":1,\"activity_name\":\"Create\",\"type_uid\":200401,\"type_name\":\"Detection Finding: "
            "Create\""sv);
  const auto [severity_id, severity_caption] = severity(f.severity);
  event.number("\"severity_id\":", severity_id);
  event.text("\"severity\":\"", severity_caption);
  event.number("\"time\":", f.last_seen_ms);
  event.timestamp("\"time_dt\":", f.last_seen_ms);
  {
    event.key("\"metadata\":");
    Members metadata(out);
    metadata.key("\"product\":");
    Members product(out);
    product.raw("\"name\":", "\"dnslens\",\"vendor_name\":\"dnslens\""sv);
    product.text("\"version\":\"", DNSLENS_VERSION);
    product.key("\"feature\":") += "{\"name\":\""sv;
    out += info.name;
    out += "\"}"sv;
    product.close();
    metadata.raw("\"profiles\":", "[\"cloud\",\"datetime\"]"sv);
    metadata.text("\"version\":\"", schema_version);
    metadata.close();
  }
  {
    event.key("\"cloud\":");
    Members cloud(out);
    if (!f.entity.account.empty()) {
      cloud.key("\"account\":");
      Members account(out);
      account.text("\"uid\":\"", f.entity.account);
      account.close();
    }
    cloud.raw("\"provider\":", "\"AWS\""sv);
    cloud.text_if("\"region\":\"", region);
    cloud.close();
  }
  const std::string title = f.domain.empty() ? fmt::format("{}: {}", info.name, f.entity.source)
                                             : fmt::format("{}: {} -> {}", info.name, f.entity.source, f.domain);
  {
    event.key("\"finding_info\":");
    Members fi(out);
    fi.text("\"uid\":\"", finding_uid(f));
    fi.text("\"title\":\"", title);
    fi.text_if("\"desc\":\"", f.explanation);
    fi.key("\"types\":") += "[\""sv;
    out += info.name;
    out += "\"]"sv;
    {
      fi.key("\"analytic\":");
      Members analytic(out);
      analytic.text("\"name\":\"", info.name);
      analytic.number("\"type_id\":", static_cast<int>(info.analytic));
      analytic.text("\"type\":\"", analytic_caption(info.analytic));
      analytic.close();
    }
    if (!info.attack.technique_uid.empty()) {
      fi.key("\"attacks\":") += '[';
      Members attack(out);
      object_uid_name(attack, "\"tactic\":", info.attack.tactic_uid, info.attack.tactic);
      object_uid_name(attack, "\"technique\":", info.attack.technique_uid, info.attack.technique);
      if (!info.attack.sub_technique_uid.empty())
        object_uid_name(attack, "\"sub_technique\":", info.attack.sub_technique_uid, info.attack.sub_technique);
      attack.close();
      out += ']';
    }
    fi.number("\"first_seen_time\":", f.first_seen_ms);
    fi.timestamp("\"first_seen_time_dt\":", f.first_seen_ms);
    fi.number("\"last_seen_time\":", f.last_seen_ms);
    fi.timestamp("\"last_seen_time_dt\":", f.last_seen_ms);
    fi.raw("\"data_sources\":", "[\"Route 53 Resolver Query Logs\"]"sv);
    fi.close();
  }
  event.text("\"message\":\"", title);
  const auto [confidence_id, confidence_caption] = confidence(f.confidence);
  event.number("\"confidence_id\":", confidence_id);
  event.text("\"confidence\":\"", confidence_caption);
  event.number("\"confidence_score\":", std::lround(std::clamp(f.confidence, 0.0, 1.0) * 100));
  event.raw("\"status_id\":", "1,\"status\":\"New\""sv);
  event.number("\"count\":", static_cast<std::int64_t>(f.occurrences));
  if (!f.entity.instance.empty()) {
    event.key("\"resources\":") += '[';
    Members resource(out);
    resource.text("\"uid\":\"", f.entity.instance);
    resource.raw("\"type\":", "\"AWS::EC2::Instance\",\"cloud_partition\":\"aws\""sv);
    resource.text_if("\"region\":\"", region);
    resource.close();
    out += ']';
  }
  if (!evidence.empty()) {
    event.key("\"evidences\":") += '[';
    for (std::size_t i = 0; i < evidence.size(); ++i)
      append_evidence(out, i == 0, evidence[i].first, evidence[i].second);
    out += ']';
  }
  {
    Buffer& o = event.key("\"observables\":");
    o += '[';
    bool first = true;
    auto observable = [&](std::string_view name, std::string_view type_and_id, std::string_view value) {
      if (value.empty()) return;
      o += first ? "{\"name\":\""sv : ",{\"name\":\""sv;
      first = false;
      o += name;
      o += type_and_id;
      o += ",\"value\":\""sv;
      o.escaped(value, Escaper::kBytes);
      o += "\"}"sv;
    };
    observable("evidences[].query.hostname", "\",\"type\":\"Hostname\",\"type_id\":1", f.domain);
    if (!f.entity.srcaddr.empty() && parse_ip(f.entity.srcaddr))
      observable("evidences[].src_endpoint.ip", "\",\"type\":\"IP Address\",\"type_id\":2", f.entity.srcaddr);
    observable("resources[].uid", "\",\"type\":\"Resource UID\",\"type_id\":10", f.entity.instance);
    o += ']';
  }
  {
    event.key("\"unmapped\":");
    Members unmapped(out);
    unmapped.text("\"finding_type\":\"", info.name);
    unmapped.text_if("\"guardduty_analog\":\"", info.guardduty_analog);
    unmapped.decimal("\"score\":", f.score);
    unmapped.number("\"events\":", static_cast<std::int64_t>(f.events));
    unmapped.text_if("\"source\":\"", f.entity.source);
    unmapped.text_if("\"vpc_id\":\"", f.entity.vpc);
    unmapped.raw("\"metrics\":", f.metrics_json.empty() ? "{}"sv : std::string_view(f.metrics_json));
    unmapped.close();
  }
  event.close();
  const std::string_view text = out.view();
  line_out.append(text.data(), text.size());
}

}  // namespace dnslens
