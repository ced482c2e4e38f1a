#include "detect/answers/answers_detector.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/json_escape.hpp"
#include "core/text.hpp"

namespace dnslens {

DomainSet parse_name_list(std::string_view text, const ConfigCheck& check, std::string_view key) {
  DomainSet set;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view entry = trim_json_space(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry.empty()) continue;
    const bool hostname_chars = std::all_of(entry.begin(), entry.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '*';
    });
    if (!hostname_chars || !set.add(entry))
      check.fail(key, fmt::format("has '{}', which is not a domain name or *.domain", entry));
  }
  return set;
}

void AnswersConfig::validate(const ConfigCheck& check) const {
  (void)parse_name_list(metadata_allowed_names, check, "metadata_allowed_names");
  (void)parse_name_list(blackhole_allowed_names, check, "blackhole_allowed_names");
}

AnswersDetector::AnswersDetector(const AnswersConfig& config, std::uint32_t evidence)
    : metadata_allowed_(
          parse_name_list(config.metadata_allowed_names, ConfigCheck("answers"), "metadata_allowed_names")),
      blackhole_allowed_(
          parse_name_list(config.blackhole_allowed_names, ConfigCheck("answers"), "blackhole_allowed_names")),
      evidence_(evidence) {
  // AWS's own names for the metadata service are always allowed.
  for (std::string_view aws : {"instance-data", "instance-data.ec2.internal"}) metadata_allowed_.add(aws);
  stats_.name = "answers";
}

namespace {

bool has_localhost_label(std::string_view name) {
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    if (name.substr(0, dot) == "localhost") return true;
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  return false;
}

}  // namespace

void AnswersDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  const bool metadata = e.has(kEventMetadataAnswer);
  if (!metadata && !e.has(kEventBlackholeAnswer)) return;
  const std::string_view name = ctx.str(e.name);
  const std::string_view answer = ctx.str(e.answer);
  const bool intel = e.has(kEventSinkholeIntel);
  if (metadata) {
    if (metadata_allowed_.matches(name)) return;
  } else {
    // Loopback answers for local development names and DNS blocklists (benign noise) are by design;
    // a block by the VPC's own DNS Firewall is not the domain's doing. A sinkhole that threat intel
    // names is always reported (the threat-intel detector leaves it to this one).
    if (!intel && (blackhole_allowed_.matches(name) || e.action == LoggedAction::kBlock || e.has(kEventBenignNoise) ||
                   !e.has(kEventTldValid) || has_localhost_label(name)))
      return;
  }
  ++stats_.events;
  Finding f;
  f.type = metadata ? FindingType::kMetadataDnsRebind : FindingType::kBlackholeTraffic;
  f.severity = metadata ? FindingSeverity::kHigh : FindingSeverity::kMedium;
  f.first_seen_ms = f.last_seen_ms = e.ts_ms;
  f.events = 1;
  f.entity = ctx.entity();
  f.domain = std::string(ctx.str(e.domain));
  std::string name_json, answer_json;
  append_json_escaped_bytes(name_json, name);
  append_json_escaped_bytes(answer_json, answer);
  if (metadata) {
    f.confidence = 0.9;
    f.explanation = fmt::format(
        "{} resolved {} to {}, an EC2 metadata and credential endpoint: a URL with this name reaches the instance's "
        "credentials (DNS rebinding)",
        f.entity.source, name, answer);
  } else if (intel) {
    f.confidence = 0.8;
    f.explanation = fmt::format("{} queried {}: feed '{}' calls indicator {} a sinkhole", f.entity.source, name,
                                ctx.str(e.threat_feed), ctx.str(e.threat_indicator));
  } else {
    f.confidence = 0.7;
    f.explanation = fmt::format("{} queried {}, which resolves to {}: a black hole (a taken-down or sinkholed domain)",
                                f.entity.source, name, answer);
  }
  f.score = f.confidence;
  f.metrics_json = fmt::format("{{\"name\":\"{}\",\"answer\":\"{}\"}}", name_json, answer_json);
  if (evidence_ > 0) f.evidence.emplace_back(ctx.line());
  ++stats_.detections;
  sink.emit(std::move(f));
}

namespace {

DetectorDoc answers_doc(const DetectionConfig&) { return {"per (source, registered domain); each record alone", ""}; }

}  // namespace

const DetectorRegistration& answers_registration() {
  static constexpr FindingTypeInfo kTypes[] = {
      {FindingType::kMetadataDnsRebind,
       "MetadataDNSRebind",
       "UnauthorizedAccess:EC2/MetadataDNSRebind",
       AnalyticKind::kRule,
       {"TA0006", "Credential Access", "T1552", "Unsecured Credentials", "T1552.005", "Cloud Instance Metadata API"},
       "an answer is the instance metadata service (169.254.169.254, fd00:ec2::254) or another EC2 credential "
       "endpoint (169.254.170.2, 169.254.170.23, fd00:ec2::23), IPv4-mapped forms too; AWS's own `instance-data` "
       "names and those in `metadata_allowed_names` are allowed"},
      {FindingType::kBlackholeTraffic,
       "BlackholeTraffic",
       "Trojan:EC2/BlackholeTraffic!DNS",
       AnalyticKind::kRule,
       {"TA0011", "Command and Control", "T1071", "Application Layer Protocol", "T1071.004", "DNS"},
       "a public name (known TLD, no `localhost` label, not benign noise) resolves to 0.0.0.0/8, 127.0.0.0/8, ::, "
       "::1 or 100::/64, not when the VPC's own DNS Firewall blocked it nor for `blackhole_allowed_names`; or a "
       "threat-intel hit whose category says `sinkhole` or `blackhole`, always"},
  };
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::answers, AnswersDetector>("answers", kTypes, answers_doc);
  return r;
}

}  // namespace dnslens
