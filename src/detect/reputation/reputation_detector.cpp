#include "detect/reputation/reputation_detector.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "core/stable_hash.hpp"
#include "core/timestamp.hpp"
#include "detect/reputation/low_reputation.hpp"

namespace dnslens {

namespace {

// A SuspiciousDomainRequest about one record (both tiers of findings start so), and its name as JSON
// string content for the metrics.
Finding suspicious_request(const EventContext& ctx, FindingSeverity severity, double confidence,
                           std::string& name_json) {
  Finding f;
  f.type = FindingType::kSuspiciousDomainRequest;
  f.severity = severity;
  f.confidence = confidence;
  f.score = confidence;
  f.first_seen_ms = f.last_seen_ms = ctx.e.ts_ms;
  f.events = 1;
  f.entity = ctx.entity();
  append_json_escaped_bytes(name_json, ctx.str(ctx.e.name));
  return f;
}

}  // namespace

ReputationDetector::ReputationDetector(const ReputationConfig& config, std::uint32_t evidence)
    : config_(config), evidence_(evidence), last_save_(Clock::now()) {
  stats_.name = "reputation";
  if (!config_.history_file.empty()) {
    history_ = std::make_unique<DomainHistory>(config_.history_file,
                                               DomainHistoryLimits{.max_domains = config_.history_max_domains,
                                                                   .keep_seconds = config_.history_keep_seconds,
                                                                   .gap_seconds = config_.history_gap_seconds});
  }
}

void ReputationDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (e.has(kEventBenignNoise)) return;
  if (e.reputation != 0) {
    observe_low_reputation(ctx, sink);
  } else if (history_ && e.rcode == RcodeKind::kNoError && e.action != LoggedAction::kBlock && e.has(kEventTldValid) &&
             (e.flags & (kEventHasRegistered | kEventPrivateSuffix)) != 0 && !e.has(kEventPtr)) {
    observe_newly_observed(ctx, sink);
  }
}

void ReputationDetector::observe_low_reputation(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  ++stats_.events;
  const auto tier = static_cast<ReputationTier>(e.reputation);
  const bool callback = tier == ReputationTier::kOutOfBand;
  std::string name_json;
  Finding f = suspicious_request(ctx, callback ? FindingSeverity::kMedium : FindingSeverity::kLow, callback ? 0.7 : 0.5,
                                 name_json);
  const std::string_view name = ctx.str(e.name);
  // A provider's many hostnames (a DGA under a dynamic-DNS domain) are one finding per source; a parked
  // domain is its own.
  const std::string_view provider = tier == ReputationTier::kParked ? std::string_view() : reputation_provider(name);
  f.domain = std::string(provider.empty() ? ctx.str(e.domain) : provider);
  std::string_view why;
  switch (tier) {
    case ReputationTier::kDynamicDns:
      why = "a dynamic-DNS provider's free hostname";
      break;
    case ReputationTier::kTunnelService:
      why = "a tunnel or free-hosting service's public name";
      break;
    case ReputationTier::kOutOfBand:
      why = "an out-of-band callback service used to confirm injected payloads";
      break;
    case ReputationTier::kParked:
      why = "an alias of a domain-parking or domain-sale service (an expired or squatted domain)";
      break;
    case ReputationTier::kNone:
      break;
  }
  const std::string_view action = e.action == LoggedAction::kBlock   ? ", blocked by DNS Firewall"
                                  : e.action == LoggedAction::kAlert ? ", alerted by DNS Firewall"
                                                                     : "";
  f.explanation = fmt::format("{} queried {}: {}{}", f.entity.source, name, why, action);
  f.metrics_json = fmt::format("{{\"tier\":\"{}\",\"name\":\"{}\"}}", reputation_tier_name(tier), name_json);
  if (evidence_ > 0) f.evidence.emplace_back(ctx.line());
  ++stats_.detections;
  sink.emit(std::move(f));
}

void ReputationDetector::observe_newly_observed(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  const std::int64_t ts_s = e.ts_ms >= 0 ? e.ts_ms / 1000 : -((-e.ts_ms + 999) / 1000);
  // Under a suffix of the list's private section (a CloudFront distribution, an S3 bucket, a blog host's
  // customer) the domain is its owner's at the registry (cloudfront.net): each distribution or bucket
  // would otherwise be a domain of its own, new every time one is made.
  const bool private_suffix = e.has(kEventPrivateSuffix);
  const std::string_view domain = ctx.str(private_suffix ? e.icann_domain : e.domain);
  const std::uint64_t domain_hash = private_suffix ? stable_hash(domain) : e.domain_hash;
  const std::int64_t first_s = history_->observe(domain_hash, domain, ts_s);
  if (first_s == DomainHistory::kNever) return;
  // Learned while the history was young, or first resolved too long ago: known.
  if (first_s - history_->since() < config_.learning_seconds) return;
  if (ts_s - first_s >= config_.newly_observed_seconds) return;
  ++stats_.events;
  ++newly_observed_;
  const std::uint64_t key = mix_keys(e.source_hash, domain_hash);
  auto it = pending_.find(key);
  if (it != pending_.end()) {  // a repeat since the last sweep: gathered, emitted by flush_pending
    Pending& p = it->second;
    if (p.more == 0) {
      p.first_ms = p.last_ms = e.ts_ms;
    } else {
      p.first_ms = std::min(p.first_ms, e.ts_ms);
      p.last_ms = std::max(p.last_ms, e.ts_ms);
    }
    ++p.more;
    if (p.finding.evidence.size() < evidence_) p.finding.evidence.emplace_back(ctx.line());
    return;
  }
  std::string name_json;
  Finding f = suspicious_request(ctx, FindingSeverity::kLow, 0.3, name_json);
  f.domain = std::string(domain);
  const std::string_view name = ctx.str(e.name);
  char first_iso[20];
  const std::string_view first_text =
      write_iso8601_seconds(first_s * 1000, first_iso) ? std::string_view(first_iso, 20) : std::string_view("?");
  const double learned_days = static_cast<double>(first_s - history_->since()) / 86400.0;
  f.explanation = fmt::format(
      "{} resolved {}: {} was first resolved by this deployment at {}, after {:.1f} days of domain history without it",
      f.entity.source, name, f.domain, first_text, learned_days);
  f.metrics_json =
      fmt::format("{{\"tier\":\"newly_observed\",\"name\":\"{}\",\"first_resolved\":\"{}\",\"history_days\":{:.1f}}}",
                  name_json, first_text, learned_days);
  // The pending copy gathers its own evidence from the repeats.
  pending_[key].finding = f;
  if (evidence_ > 0) f.evidence.emplace_back(ctx.line());
  ++stats_.detections;
  sink.emit(std::move(f));
}

void ReputationDetector::flush_pending(FindingSink& sink) {
  for (auto& [key, p] : pending_) {
    if (p.more == 0) continue;
    Finding f = std::move(p.finding);
    f.events = p.more;
    f.occurrences = p.more;  // one detection per query, as if each had been emitted
    f.first_seen_ms = p.first_ms;
    f.last_seen_ms = p.last_ms;
    ++stats_.detections;
    sink.emit(std::move(f));
  }
  pending_.clear();
}

void ReputationDetector::sweep(const Watermarks&, std::int64_t, FindingSink& sink) {
  flush_pending(sink);
  if (history_ && Clock::now() - last_save_ >= std::chrono::seconds(config_.history_save_seconds)) save_history();
}

void ReputationDetector::finish(FindingSink& sink) {
  flush_pending(sink);
  if (history_) save_history();
}

void ReputationDetector::save_history() {
  // A history that cannot be saved must not stop the records and findings: said on stderr and in the
  // summary, and tried again at the next save.
  last_save_ = Clock::now();
  try {
    history_->save();
    save_failure_.clear();
  } catch (const std::exception& e) {
    save_failure_ = e.what();
    std::fprintf(stderr, "dnslens: the domain history was not saved: %s\n", e.what());
  }
}

DetectorStats ReputationDetector::stats() const {
  DetectorStats s = stats_;
  if (history_) {
    s.keys = history_->size();
    s.peak_keys = history_->peak();
    s.note = fmt::format(
        "domain history {}: {} domains ({} forgotten: not resolved for {} or over the cap), {} queries of newly "
        "observed domains{}",
        history_->path(), history_->size(), history_->forgotten(), doc_duration(config_.history_keep_seconds),
        newly_observed_, save_failure_.empty() ? "" : "; NOT SAVED: " + save_failure_);
  }
  return s;
}

namespace {

DetectorDoc reputation_doc(const DetectionConfig& c) {
  return {
      "per (source, provider domain), or (source, registered domain) when parked or newly observed; each record "
      "alone, against the domain history's first resolution of each registered domain (kept across runs, at most " +
          std::to_string(c.reputation.history_max_domains) + " domains, each for " +
          doc_duration(c.reputation.history_keep_seconds) + " after its last resolution)",
      "the name is a dynamic-DNS provider's hostname (duckdns.org, no-ip's and afraid.org's domains, ...), a tunnel "
      "or free-hosting service's (ngrok, trycloudflare.com, loca.lt, ...), an out-of-band callback service's "
      "(oast.*, oastify.com, dnslog.cn, ...: medium), or a CNAME of a parking service (parked); not benign noise. "
      "With a domain history (`--domain-history`): an answered query of a registered domain first resolved less "
      "than " +
          doc_duration(c.reputation.newly_observed_seconds) + " before, after " +
          doc_duration(c.reputation.learning_seconds) + " of history (newly observed)"};
}

}  // namespace

const DetectorRegistration& reputation_registration() {
  static constexpr FindingTypeInfo kTypes[] = {
      {FindingType::kSuspiciousDomainRequest,
       "SuspiciousDomainRequest",
       "Impact:EC2/SuspiciousDomainRequest.Reputation",
       AnalyticKind::kRule,
       {"TA0011", "Command and Control", "T1568", "Dynamic Resolution", {}, {}}}};
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::reputation, ReputationDetector>("reputation", kTypes, reputation_doc);
  return r;
}

}  // namespace dnslens
