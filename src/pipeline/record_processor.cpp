#include "pipeline/record_processor.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "core/json_escape.hpp"
#include "core/stable_hash.hpp"
#include "detect/name_features/name_signal_enricher.hpp"
#include "enrich/dns_firewall/firewall_enricher.hpp"
#include "enrich/interesting_domains/interesting_enricher.hpp"
#include "enrich/registered_domain/name_enricher.hpp"
#include "enrich/threat_intel/threat_intel_enricher.hpp"
#include "core/text.hpp"
#include "store/record_chunks.hpp"
#include "sinks/jsonl/jsonl_encoder.hpp"

namespace dnslens {

namespace {

void append_event_field(std::string& out, std::string_view name, std::string_view value, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += name;
  out += "\":\"";
  append_json_escaped_bytes(out, value);
  out += '"';
}

RcodeKind rcode_kind(std::string_view rcode) {
  if (rcode == "NOERROR") return RcodeKind::kNoError;
  if (rcode == "NXDOMAIN") return RcodeKind::kNxDomain;
  if (rcode == "SERVFAIL") return RcodeKind::kServFail;
  return RcodeKind::kOther;
}

LoggedAction logged_action(std::string_view action) {
  if (action.empty()) return LoggedAction::kNone;
  if (action == "BLOCK") return LoggedAction::kBlock;
  if (action == "ALERT") return LoggedAction::kAlert;
  if (action == "ALLOW") return LoggedAction::kAllow;
  return LoggedAction::kNone;
}

bool is_tunnel_type(std::string_view t) {
  return t == "TXT" || t == "NULL" || t == "CNAME" || t == "MX" || t == "ANY" || t == "TYPE10";
}

}  // namespace

EnricherChain build_enricher_chain(const Enrichers& e) {
  EnricherChain chain;
  chain.add(std::make_shared<NameEnricher>(*e.psl));
  if (e.interesting != nullptr) chain.add(std::make_shared<InterestingEnricher>(*e.interesting));
  if (e.intel != nullptr) chain.add(std::make_shared<ThreatIntelEnricher>(*e.intel, *e.psl, e.intel_match_srcaddr));
  if (e.firewall != nullptr) chain.add(std::make_shared<FirewallEnricher>(*e.firewall));
  if (e.dga != nullptr) chain.add(std::make_shared<NameSignalEnricher>(*e.dga, e.benign_noise));
  return chain;
}

RecordProcessor::RecordProcessor(Enrichers enrichers, std::size_t max_line_bytes, bool notify_matches,
                                 const std::vector<std::string>* source_names)
    : enrichers_(enrichers), max_line_bytes_(max_line_bytes), notify_matches_(notify_matches),
      source_names_(source_names), chain_(build_enricher_chain(enrichers_)), chain_local_(chain_.make_local()) {
  chain_.begin_batch(chain_local_);  // append_enriched() enriches with the intel of construction or the last job
}

void RecordProcessor::set_firewall(const FirewallEvaluator* firewall) {
  Enrichers next = enrichers_;
  next.firewall = firewall;
  EnricherChain chain = build_enricher_chain(next);
  EnricherChain::Local local = chain.make_local();  // the memo starts afresh: reloads are rare
  chain.begin_batch(local);
  // Nothing above threw: the chain and its states change together.
  enrichers_ = next;
  chain_ = std::move(chain);
  chain_local_ = std::move(local);
}

const NameMemo<NameSignals>* RecordProcessor::signal_memo() const {
  if (enrichers_.dga == nullptr) return nullptr;  // the name-signal enricher is the chain's last
  return &chain_local_.state<NameSignalEnricher::State>(chain_.size() - 1)->memo;
}

EnrichedRecord RecordProcessor::append_enriched(std::string_view line, const QueryRecord& record, std::string& out) {
  EnrichedRecord enriched;
  chain_.enrich(record, enriched, chain_local_);
  encode_enriched_line(line, enriched, out);
  return enriched;
}

void RecordProcessor::add_detection_event(Job& job, std::string_view line, const QueryRecord& r, const EnrichedRecord& o) {
  DetectionBatch& b = job.detection;
  DetectionEvent& e = b.events.emplace_back();
  e.ts_ms = r.timestamp_ms;
  e.line = StrRef{static_cast<std::uint32_t>(line.data() - job.input.data()), static_cast<std::uint32_t>(line.size())};
  // The name as logged when it is not valid DNS syntax, so hostile names still count.
  const std::string_view normalized = o.normalized_name();
  const std::string_view name = normalized.empty() ? r.query_name : normalized;
  e.name = b.add(name);
  if (!o.registered_domain.empty() && normalized.ends_with(o.registered_domain)) {
    std::size_t off = normalized.size() - o.registered_domain.size();
    e.domain = StrRef{e.name.offset + static_cast<std::uint32_t>(off), static_cast<std::uint32_t>(o.registered_domain.size())};
    e.flags |= kEventHasRegistered;
  } else {
    e.domain = e.name;
  }
  // Consecutive records usually share account and VPC; the strings are compared where they live
  // (the arena may have moved since the last record).
  if (b.events.size() == 1 || r.account_id != b.str(last_account_)) last_account_ = b.add(r.account_id);
  if (b.events.size() == 1 || r.vpc_id != b.str(last_vpc_)) last_vpc_ = b.add(r.vpc_id);
  e.account = last_account_;
  e.vpc = last_vpc_;
  e.instance = b.add(r.instance);
  e.srcaddr = b.add(r.srcaddr);
  std::string_view source = r.source();
  e.source = source == r.instance ? e.instance : source == r.srcaddr ? e.srcaddr : b.add(source);
  e.source_hash = stable_hash(source);
  e.domain_hash = stable_hash(b.str(e.domain));
  e.name_hash = normalized.empty() ? stable_hash(name) : o.name_hash;  // set with the signals
  e.vpc_hash = stable_hash(r.vpc_id);
  e.rcode = rcode_kind(r.rcode);
  e.action = logged_action(r.firewall_rule_action);
  e.dga_score = o.signals.dga_score;
  e.subdomain_entropy = o.signals.features.subdomain_entropy;
  e.subdomain_length = o.signals.features.subdomain_length;
  if (o.signals.benign_noise) e.flags |= kEventBenignNoise;
  if (o.tld_valid) e.flags |= kEventTldValid;
  if (is_tunnel_type(r.query_type)) e.flags |= kEventTunnelType;
  e.longest_subdomain_label = o.signals.longest_subdomain_label;
  e.subdomain_dga = o.signals.subdomain_dga;
  if (r.query_type == "PTR") {
    e.flags |= kEventPtr;
    if (auto ip = address_from_reverse_name(name)) {
      e.flags |= kEventReverseParsed;
      if (ip->v6) {
        e.flags |= kEventReverseV6;
        e.reverse_group = stable_hash(std::string_view(reinterpret_cast<const char*>(ip->bytes.data()), 15));
        e.reverse_host = ip->bytes[15];
      } else {
        e.reverse_group = ip->v4() >> 8;
        e.reverse_host = static_cast<std::uint8_t>(ip->v4() & 0xff);
      }
    }
  }
  if (o.threat.hit()) {
    e.flags |= kEventThreatHit;
    e.threat_indicator = b.add(o.threat.value);
    e.threat_feed = b.add(o.threat.feed);
    e.threat_confidence = static_cast<std::int8_t>(std::clamp<int>(o.threat.confidence, -1, 100));
  }
}

RecordProcessor::~RecordProcessor() = default;

void RecordProcessor::add_sink(RecordSink& sink, unsigned worker, unsigned workers) {
  sinks_.push_back({&sink, sink.make_local(worker, workers)});
}

void RecordProcessor::process(Job& job) {
  if (job.kind == Job::Kind::kPassThrough) return;
  chain_.begin_batch(chain_local_);
  const char* const base = job.input.data();
  const char* const buffer_end = base + job.input.size();
  const char* p = base;
  const char* const end = base + job.size;
  std::uint64_t line_no = 0;  // offset from the job's first line
  if (job.sink_batches.size() < sinks_.size()) job.sink_batches.resize(sinks_.size());
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    if (!job.sink_batches[i]) job.sink_batches[i] = sinks_[i].sink->make_batch();
    sinks_[i].local->begin_batch(*job.sink_batches[i], job.size);
  }
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl) nl = end;
    const std::string_view line = trim_json_space(std::string_view(p, static_cast<std::size_t>(nl - p)));
    if (line.empty()) {
      ++job.counters.blank_lines;
    } else if (line.size() > max_line_bytes_) {
      dead_letter(job, line_no, line,
                  ParseOutcome::failure(BadReason::kLineTooLong, {}, "line longer than --max-line-bytes"));
    } else {
      auto outcome = parser_.parse(line, static_cast<std::size_t>(buffer_end - line.data()), record_);
      if (!outcome.ok) {
        dead_letter(job, line_no, line, outcome);
      } else {
        chain_.enrich(record_, enriched_, chain_local_);
        const EnrichedRecord& enriched = enriched_;
        for (std::size_t i = 0; i < sinks_.size(); ++i) sinks_[i].local->add(line, record_, enriched, *job.sink_batches[i]);
        ++job.counters.records;
        job.counters.record_bytes += line.size() + 1;
        if (!enriched.tld_valid) ++job.counters.invalid_tld;
        if (enriched.firewall.drift != FirewallDrift::kNone) ++job.counters.firewall_drift;
        if (enriched.signals.benign_noise) ++job.counters.benign_noise;
        if (enrichers_.detection_events && enrichers_.dga != nullptr) add_detection_event(job, line, record_, enriched);
        if (observer_ != nullptr) observer_->observe(record_, enriched);
        if (enriched.threat.hit()) {
          ++job.counters.threat_hits;
          if (notify_matches_) add_threat_event(job, line_no, record_, enriched.threat);
        }
        if (enriched.matched) {
          ++job.counters.matches;
          if (notify_matches_) add_match_event(job, line_no, record_, enriched.registered_domain);
        }
      }
    }
    p = nl + 1;
    ++line_no;
  }
  job.line_count = line_no;
  for (std::size_t i = 0; i < sinks_.size(); ++i) sinks_[i].local->end_batch(*job.sink_batches[i]);
}

void RecordProcessor::dead_letter(Job& job, std::uint64_t line_no, std::string_view line, const ParseOutcome& outcome) {
  ++job.counters.bad[static_cast<std::size_t>(outcome.reason)];
  DeadLetter& d = job.dead.emplace_back();
  d.line = line_no;
  d.reason = outcome.reason;
  if (!outcome.field.empty() && !outcome.detail.empty()) {
    d.detail = fmt::format("field '{}': {}", outcome.field, outcome.detail);
  } else if (!outcome.field.empty()) {
    d.detail = fmt::format("field '{}'", outcome.field);
  } else {
    d.detail = std::string(outcome.detail);
  }
  d.raw.assign(line.substr(0, kDeadLetterRawBytes));
  d.raw_total = line.size();
}

// "from 10.0.0.5 i-0abc in vpc-1 at 2026-11-21T10:00:00Z": who asked, for a chat line.
static void append_asker(std::string& out, const QueryRecord& r) {
  const std::string_view who = !r.instance.empty() ? r.instance : !r.resolver_endpoint.empty() ? r.resolver_endpoint : "-";
  fmt::format_to(std::back_inserter(out), " from {} {} in {} at {}", r.srcaddr, who, r.vpc_id, r.query_timestamp);
}

void RecordProcessor::add_threat_event(Job& job, std::uint64_t line_no, const QueryRecord& r, const ThreatMatch& hit) {
  MatchEvent& event = job.matches.emplace_back();
  event.kind = NotificationKind::kThreatIntelMatch;
  event.line = line_no;
  fmt::format_to(std::back_inserter(event.chat), "`{}` matched {} `{}` of feed {}", r.query_name, hit.kind, hit.value,
                 hit.feed.empty() ? "-" : hit.feed);
  if (hit.confidence >= 0) fmt::format_to(std::back_inserter(event.chat), " (confidence {})", hit.confidence);
  if (hit.site != MatchSite::kQueryName) {
    fmt::format_to(std::back_inserter(event.chat), " on {} {}", match_site_name(hit.site), hit.matched_value);
  }
  append_asker(event.chat, r);
  std::string& e = event.json;
  e += '{';
  append_event_field(e, "event", "threat_intel_match", true);
  append_event_field(e, "query_timestamp", r.query_timestamp);
  append_event_field(e, "query_name", r.query_name);
  append_event_field(e, "indicator", hit.value);
  append_event_field(e, "indicator_type", hit.kind);
  append_event_field(e, "feed", hit.feed);
  if (hit.confidence >= 0) e += ",\"confidence\":" + std::to_string(hit.confidence);
  append_event_field(e, "confidence_level", hit.confidence_level);
  if (!hit.actor.empty()) append_event_field(e, "actor", hit.actor);
  if (!hit.category.empty()) append_event_field(e, "threat", hit.category);
  append_event_field(e, "matched_on", match_site_name(hit.site));
  append_event_field(e, "matched_value", hit.matched_value);
  append_event_field(e, "srcaddr", r.srcaddr);
  append_event_field(e, "account_id", r.account_id);
  append_event_field(e, "vpc_id", r.vpc_id);
  if (!r.instance.empty()) append_event_field(e, "instance", r.instance);
  if (source_names_ && job.source_index < source_names_->size()) {
    append_event_field(e, "file", (*source_names_)[job.source_index]);
  }
}

void RecordProcessor::add_match_event(Job& job, std::uint64_t line_no, const QueryRecord& r, std::string_view registered) {
  MatchEvent& event = job.matches.emplace_back();
  event.kind = NotificationKind::kInterestingMatch;
  event.line = line_no;
  fmt::format_to(std::back_inserter(event.chat), "`{}` ({})", r.query_name, registered);
  append_asker(event.chat, r);
  std::string& e = event.json;
  e += '{';
  append_event_field(e, "event", "interesting_domain_match", true);
  append_event_field(e, "query_timestamp", r.query_timestamp);
  append_event_field(e, "query_name", r.query_name);
  append_event_field(e, "registered_domain", registered);
  append_event_field(e, "query_type", r.query_type);
  append_event_field(e, "rcode", r.rcode);
  append_event_field(e, "srcaddr", r.srcaddr);
  append_event_field(e, "account_id", r.account_id);
  append_event_field(e, "region", r.region);
  append_event_field(e, "vpc_id", r.vpc_id);
  if (!r.instance.empty()) append_event_field(e, "instance", r.instance);
  if (!r.resolver_endpoint.empty()) append_event_field(e, "resolver_endpoint", r.resolver_endpoint);
  if (!r.firewall_rule_action.empty()) append_event_field(e, "firewall_rule_action", r.firewall_rule_action);
  if (source_names_ && job.source_index < source_names_->size()) {
    append_event_field(e, "file", (*source_names_)[job.source_index]);
  }
}

}  // namespace dnslens
