#include "detect/findings/finding.hpp"

#include <fmt/format.h>

#include "core/json_escape.hpp"
#include "core/timestamp.hpp"

namespace dnslens {

std::string_view finding_severity_name(FindingSeverity s) {
  switch (s) {
    case FindingSeverity::kLow:
      return "low";
    case FindingSeverity::kMedium:
      return "medium";
    case FindingSeverity::kHigh:
      return "high";
  }
  return "?";
}

bool parse_finding_severity(std::string_view name, FindingSeverity& out) {
  for (FindingSeverity s : {FindingSeverity::kLow, FindingSeverity::kMedium, FindingSeverity::kHigh}) {
    if (name == finding_severity_name(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

std::string Finding::key() const {
  std::string k(finding_type_name(type));
  k += '\0';
  k += entity.source;
  k += '\0';
  k += domain;
  return k;
}

namespace {

void field(std::string& o, std::string_view name, std::string_view value) {
  o += ",\"";
  o += name;
  o += "\":";
  if (value.empty()) {
    o += "null";
    return;
  }
  o += '"';
  append_json_escaped_bytes(o, value);
  o += '"';
}

}  // namespace

std::string finding_to_json(const Finding& f) {
  std::string o = "{\"finding_type\":\"";
  o += finding_type_name(f.type);
  o += '"';
  field(o, "guardduty_analog", guardduty_analog(f.type));
  field(o, "severity", finding_severity_name(f.severity));
  o += fmt::format(",\"confidence\":{:.2f},\"score\":{:.3f}", f.confidence, f.score);
  field(o, "first_seen", iso8601_seconds(f.first_seen_ms));
  field(o, "last_seen", iso8601_seconds(f.last_seen_ms));
  o += fmt::format(",\"events\":{},\"occurrences\":{}", f.events, f.occurrences);
  field(o, "account_id", f.entity.account);
  field(o, "vpc_id", f.entity.vpc);
  field(o, "instance", f.entity.instance);
  field(o, "srcaddr", f.entity.srcaddr);
  field(o, "source", f.entity.source);
  field(o, "domain", f.domain);
  field(o, "explanation", f.explanation);
  o += ",\"metrics\":";
  o += f.metrics_json.empty() ? "{}" : f.metrics_json;
  // Evidence lines were valid JSON objects when parsed; they go in as they are.
  o += ",\"evidence\":[";
  for (std::size_t i = 0; i < f.evidence.size(); ++i) {
    if (i) o += ',';
    o += f.evidence[i];
  }
  o += "]}";
  return o;
}

}  // namespace dnslens
