#include "detect/tunneling/tunneling_detector.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/stable_hash.hpp"

namespace dnslens {

namespace {

std::uint64_t stable_domain_key(std::string_view domain) { return stable_hash(domain); }

}  // namespace

void TunnelingWindow::reset(std::int64_t start) {
  window_start_ms = start;
  queries = data_types = nxdomain = random_labels = longest_label = 0;
  bytes = 0;
  entropy_sum = 0;
  distinct.clear();
  evidence.clear();
}

void SlowTunnelWindow::reset(std::int64_t start) {
  window_start_ms = start;
  queries = data_types = nxdomain = domain_count = 0;
  more_domains = false;
  bytes = 0;
  distinct.clear();
  for (std::size_t i = 0; i < kDomains; ++i) {
    domain_hashes[i] = 0;
    domain_queries[i] = 0;
    domains[i].clear();
  }
  evidence.clear();
}

void SequenceWindow::reset(std::int64_t start) {
  window_start_ms = start;
  queries = data_types = nxdomain = 0;
  lowest = UINT64_MAX;
  highest = 0;
  numbers.clear();
  evidence.clear();
}

std::int64_t sequence_number(std::string_view name, std::size_t subdomain_length) {
  if (subdomain_length == 0 || subdomain_length > name.size()) return -1;
  // The first label, and whether the subdomain starts with four labels of 0-255: an IPv4 address
  // written backwards (a DNSBL or reputation lookup, 4.3.2.1.zen.dq.spamhaus.net) or forwards
  // (nip.io-style names), numbered by the address, not by a count.
  std::int64_t first = -1;
  int octets = 0;
  std::size_t at = 0;
  while (at < subdomain_length && octets < 4) {
    std::int64_t n = 0;
    std::size_t len = 0;
    while (at + len < subdomain_length && name[at + len] != '.') {
      const char c = name[at + len];
      if (c < '0' || c > '9' || len == 9) return octets == 0 ? -1 : first;
      n = n * 10 + (c - '0');
      ++len;
    }
    if (len == 0) return octets == 0 ? -1 : first;
    if (octets == 0) first = n;
    if (len > 3 || n > 255) return first;
    ++octets;
    at += len + 1;
  }
  return octets == 4 ? -1 : first;
}

void TunnelingDetector::observe(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (e.has(kEventBenignNoise) || !e.has(kEventHasRegistered)) return;
  observe_long(ctx, sink);
  // After the hourly window: one closed by this event has noted its finding, so the numbered-label
  // window of the same hour, closed next, does not report the same names again.
  if (!e.has(kEventPtr)) {  // reverse names are numbered by nature
    if (const std::int64_t n = sequence_number(ctx.str(e.name), e.subdomain_length); n >= 0)
      observe_sequence(ctx, n, sink);
  }
}

void TunnelingDetector::observe_long(const EventContext& ctx, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  if (e.subdomain_length < config_.min_subdomain_length) return;
  if (e.subdomain_length >= config_.slow_min_subdomain_length && e.subdomain_dga >= config_.random_label_score) {
    for (auto& windows : slow_) {
      SlowTunnelWindow* w = windows.at(e.source_hash, ctx, stats_, [&](SlowTunnelWindow& s) { close_slow(s, sink); });
      if (w == nullptr) continue;
      w->source_hash = e.source_hash;
      ++w->queries;
      w->bytes += e.subdomain_length;
      w->data_types += e.has(kEventTunnelType);
      w->nxdomain += e.rcode == RcodeKind::kNxDomain;
      w->distinct.add(e.name_hash);
      std::size_t i = 0;
      while (i < w->domain_count && w->domain_hashes[i] != e.domain_hash) ++i;
      if (i == w->domain_count) {
        if (i < SlowTunnelWindow::kDomains) {
          ++w->domain_count;
          w->domain_hashes[i] = e.domain_hash;
          w->domains[i] = std::string(ctx.str(e.domain));
        } else {
          w->more_domains = true;
        }
      }
      if (i < SlowTunnelWindow::kDomains) ++w->domain_queries[i];
      if (w->evidence.size() < evidence_) w->evidence.emplace_back(ctx.line());
    }
  }
  TunnelingWindow* s = open(mix_keys(e.source_hash, e.domain_hash), ctx, sink);
  if (s == nullptr) return;
  if (s->domain.empty()) s->domain = std::string(ctx.str(e.domain));
  s->source_hash = e.source_hash;
  ++s->queries;
  s->bytes += e.subdomain_length;
  s->entropy_sum += e.subdomain_entropy;
  s->longest_label = std::max<std::uint32_t>(s->longest_label, e.longest_subdomain_label);
  s->data_types += e.has(kEventTunnelType);
  s->nxdomain += e.rcode == RcodeKind::kNxDomain;
  s->random_labels += e.subdomain_dga >= config_.random_label_score;
  // The subdomain is the name minus the registered domain: its hash is the name's within a key.
  s->distinct.add(e.name_hash);
  if (s->evidence.size() < evidence_) s->evidence.emplace_back(ctx.line());
}

void TunnelingDetector::close(TunnelingWindow& s, FindingSink& sink) {
  if (s.queries < config_.min_queries) return;
  // An estimate: never more distinct names than queries.
  const double distinct = std::min(s.distinct.estimate(), static_cast<double>(s.queries));
  const double random_share = static_cast<double>(s.random_labels) / s.queries;
  const double mean_entropy = s.entropy_sum / s.queries;
  const bool random_enough = random_share >= config_.min_random_share;
  const double data_share = static_cast<double>(s.data_types) / s.queries;
  const bool entropy_enough =
      mean_entropy >= config_.min_mean_entropy && distinct >= 3.0 * config_.min_distinct_subdomains;
  const bool data_enough = data_share >= config_.min_data_type_share &&
                           random_share >= config_.min_data_type_random_share &&
                           distinct >= 3.0 * config_.min_distinct_subdomains;
  if (distinct < config_.min_distinct_subdomains || s.bytes < config_.min_bytes ||
      !(random_enough || entropy_enough || data_enough))
    return;
  const double nx_share = static_cast<double>(s.nxdomain) / s.queries;
  const double volume = std::min(1.0, static_cast<double>(s.bytes) / (10.0 * static_cast<double>(config_.min_bytes)));
  const double spread = std::min(1.0, distinct / (10.0 * config_.min_distinct_subdomains));
  Finding f;
  f.type = FindingType::kDnsDataExfiltration;
  f.score = std::min(1.0, 0.35 * volume + 0.25 * spread +
                              0.3 * std::max(random_share, std::min(1.0, mean_entropy / 5.0)) + 0.1 * data_share);
  f.confidence = std::min(0.99, 0.5 + 0.4 * random_share + 0.1 * std::min(1.0, data_share + nx_share));
  f.severity = s.bytes >= 10 * config_.min_bytes ? FindingSeverity::kHigh : FindingSeverity::kMedium;
  f.first_seen_ms = s.first_ms;
  f.last_seen_ms = s.last_ms;
  f.events = s.queries;
  f.entity = s.entity;
  f.domain = s.domain;
  f.explanation = fmt::format(
      "{} queries from {} to {} carried {} characters in ~{:.0f} distinct subdomains within {} min ({:.0f}% with "
      "machine-looking labels, mean entropy {:.2f} bits/char, {:.0f}% TXT/NULL/CNAME/MX, {:.0f}% NXDOMAIN); "
      "thresholds: "
      ">= {} distinct, >= {} characters, >= {:.0f}% random labels, or with >= {} distinct entropy >= {:.1f} or "
      ">= {:.0f}% data-carrying types and >= {:.0f}% random labels",
      s.queries, s.entity.source, s.domain, s.bytes, distinct, config_.window_seconds / 60, 100 * random_share,
      mean_entropy, 100 * data_share, 100 * nx_share, config_.min_distinct_subdomains, config_.min_bytes,
      100 * config_.min_random_share, 3 * config_.min_distinct_subdomains, config_.min_mean_entropy,
      100 * config_.min_data_type_share, 100 * config_.min_data_type_random_share);
  f.metrics_json = fmt::format(
      "{{\"queries\":{},\"distinct_subdomains\":{:.0f},\"bytes_in_names\":{},\"random_label_share\":{:.3f},"
      "\"mean_subdomain_entropy\":{:.3f},\"longest_label\":{},\"data_type_share\":{:.3f},\"nxdomain_share\":{:.3f},"
      "\"window_start_ms\":{}}}",
      s.queries, distinct, s.bytes, random_share, mean_entropy, s.longest_label, data_share, nx_share,
      s.window_start_ms);
  f.evidence = std::move(s.evidence);
  ++stats_.detections;
  std::int64_t& until = reported_until_[mix_keys(s.source_hash, stable_domain_key(s.domain))];
  until = std::max(until, s.last_ms);
  sink.emit(std::move(f));
}

void TunnelingDetector::close_slow(SlowTunnelWindow& s, FindingSink& sink) {
  if (s.queries < config_.slow_min_queries || s.bytes < config_.slow_min_bytes) return;
  if (auto it = slow_reported_until_.find(s.source_hash); it != slow_reported_until_.end() && it->second >= s.first_ms)
    return;
  const double distinct = std::min(s.distinct.estimate(), static_cast<double>(s.queries));
  if (distinct < config_.slow_min_distinct) return;
  // The domain with the most queries names the finding; an hourly finding on it is merged with it.
  std::size_t top = 0;
  const std::size_t counted = s.domain_count;
  for (std::size_t i = 1; i < counted; ++i) {
    if (s.domain_queries[i] > s.domain_queries[top]) top = i;
  }
  if (auto it = reported_until_.find(mix_keys(s.source_hash, stable_domain_key(s.domains[top])));
      it != reported_until_.end() && it->second >= s.first_ms)
    return;  // the hourly windows reported its main domain over the same time
  std::string listed;
  for (std::size_t i = 0; i < counted && i < 5; ++i)
    listed += fmt::format("{}{} ({})", i ? ", " : "", s.domains[i], s.domain_queries[i]);
  if (s.domain_count > 5 || s.more_domains)
    listed += fmt::format(" and {}{} more", s.domain_count - std::min<std::uint32_t>(s.domain_count, 5),
                          s.more_domains ? "+" : "");
  const double data_share = static_cast<double>(s.data_types) / s.queries;
  const double nx_share = static_cast<double>(s.nxdomain) / s.queries;
  Finding f;
  f.type = FindingType::kDnsDataExfiltration;
  f.score = std::min(1.0, 0.5 + 0.3 * std::min(1.0, static_cast<double>(s.bytes) / (10.0 * config_.slow_min_bytes)) +
                              0.2 * std::min(1.0, (s.domain_count - 1) / 3.0));
  f.confidence = std::min(0.95, 0.6 + 0.1 * std::min<std::uint32_t>(s.domain_count, 3) + 0.05 * data_share);
  f.severity = FindingSeverity::kMedium;
  f.first_seen_ms = s.first_ms;
  f.last_seen_ms = s.last_ms;
  f.events = s.queries;
  f.entity = s.entity;
  f.domain = s.domains[top];
  f.explanation = fmt::format(
      "low and slow: {} sent {} characters in ~{:.0f} distinct machine-looking subdomains over {:.1f} h across {}{} "
      "registered domain(s): {} ({:.0f}% TXT/NULL/CNAME/MX, {:.0f}% NXDOMAIN); thresholds over {}: >= {} queries, >= "
      "{} distinct, >= {} characters, subdomains of {}+ characters",
      s.entity.source, s.bytes, distinct, static_cast<double>(s.last_ms - s.first_ms) / 3.6e6, s.domain_count,
      s.more_domains ? "+" : "", listed, 100 * data_share, 100 * nx_share, doc_duration(config_.slow_window_seconds),
      config_.slow_min_queries, config_.slow_min_distinct, config_.slow_min_bytes, config_.slow_min_subdomain_length);
  f.metrics_json = fmt::format(
      "{{\"queries\":{},\"distinct_subdomains\":{:.0f},\"bytes_in_names\":{},\"registered_domains\":{},"
      "\"data_type_share\":{:.3f},\"nxdomain_share\":{:.3f},\"window_start_ms\":{},\"low_and_slow\":true}}",
      s.queries, distinct, s.bytes, s.domain_count + (s.more_domains ? 1 : 0), data_share, nx_share, s.window_start_ms);
  f.evidence = std::move(s.evidence);
  ++stats_.detections;
  std::int64_t& until = slow_reported_until_[s.source_hash];
  until = std::max(until, s.last_ms);
  sink.emit(std::move(f));
}

void TunnelingDetector::observe_sequence(const EventContext& ctx, std::int64_t number, FindingSink& sink) {
  const DetectionEvent& e = ctx.e;
  SequenceWindow* w = sequences_.at(mix_keys(e.source_hash, e.domain_hash), ctx, stats_,
                                    [&](SequenceWindow& s) { close_sequence(s, sink); });
  if (w == nullptr) return;
  if (w->domain.empty()) w->domain = std::string(ctx.str(e.domain));
  w->source_hash = e.source_hash;
  ++w->queries;
  w->data_types += e.has(kEventTunnelType);
  w->nxdomain += e.rcode == RcodeKind::kNxDomain;
  const auto n = static_cast<std::uint64_t>(number);
  w->lowest = std::min(w->lowest, n);
  w->highest = std::max(w->highest, n);
  w->numbers.add(mix_keys(n, 0x9e3779b97f4a7c15ull));
  if (w->evidence.size() < evidence_) w->evidence.emplace_back(ctx.line());
}

void TunnelingDetector::close_sequence(SequenceWindow& s, FindingSink& sink) {
  if (s.queries < config_.sequence_min_distinct) return;
  const double distinct = std::min(s.numbers.estimate(), static_cast<double>(s.queries));
  const double span = static_cast<double>(s.highest - s.lowest) + 1;
  const double density = std::min(1.0, distinct / span);
  if (distinct < config_.sequence_min_distinct || density < config_.sequence_min_density) return;
  // The long-subdomain windows may have reported the same names (numbered and long): one finding then.
  if (auto it = reported_until_.find(mix_keys(s.source_hash, stable_domain_key(s.domain)));
      it != reported_until_.end() && it->second >= s.first_ms)
    return;
  const double data_share = static_cast<double>(s.data_types) / s.queries;
  const double nx_share = static_cast<double>(s.nxdomain) / s.queries;
  const double spread = std::min(1.0, distinct / (10.0 * config_.sequence_min_distinct));
  Finding f;
  f.type = FindingType::kDnsDataExfiltration;
  f.score = std::min(1.0, 0.5 + 0.3 * spread + 0.2 * data_share);
  f.confidence = std::min(0.95, 0.55 + 0.3 * density + 0.1 * data_share);
  f.severity = distinct >= 10.0 * config_.sequence_min_distinct ? FindingSeverity::kHigh : FindingSeverity::kMedium;
  f.first_seen_ms = s.first_ms;
  f.last_seen_ms = s.last_ms;
  f.events = s.queries;
  f.entity = s.entity;
  f.domain = s.domain;
  f.explanation = fmt::format(
      "numbered labels: {} asked {} for ~{:.0f} distinct numbered names ({} to {}, {:.0f}% of that range) in {} "
      "queries within {} min ({:.0f}% TXT/NULL/CNAME/MX, {:.0f}% NXDOMAIN): pieces of a payload fetched or sent one "
      "by one; thresholds: >= {} distinct numbers filling >= {:.0f}% of their range",
      s.entity.source, s.domain, distinct, s.lowest, s.highest, 100 * density, s.queries, config_.window_seconds / 60,
      100 * data_share, 100 * nx_share, config_.sequence_min_distinct, 100 * config_.sequence_min_density);
  f.metrics_json = fmt::format(
      "{{\"queries\":{},\"distinct_numbers\":{:.0f},\"lowest\":{},\"highest\":{},\"density\":{:.3f},"
      "\"data_type_share\":{:.3f},\"nxdomain_share\":{:.3f},\"window_start_ms\":{},\"numbered_labels\":true}}",
      s.queries, distinct, s.lowest, s.highest, density, data_share, nx_share, s.window_start_ms);
  f.evidence = std::move(s.evidence);
  ++stats_.detections;
  sink.emit(std::move(f));
}

void TunnelingDetector::sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) {
  WindowedDetector::sweep(clocks, lateness_ms, sink);
  for (auto& windows : slow_) windows.sweep(clocks, lateness_ms, [&](SlowTunnelWindow& s) { close_slow(s, sink); });
  sequences_.sweep(clocks, lateness_ms, [&](SequenceWindow& s) { close_sequence(s, sink); });
}

void TunnelingDetector::finish(FindingSink& sink) {
  WindowedDetector::finish(sink);
  for (auto& windows : slow_) windows.finish([&](SlowTunnelWindow& s) { close_slow(s, sink); });
  sequences_.finish([&](SequenceWindow& s) { close_sequence(s, sink); });
}

DetectorStats TunnelingDetector::stats() const {
  DetectorStats s = WindowedDetector::stats();
  s.keys += slow_[0].size() + slow_[1].size() + sequences_.size();
  return s;
}

namespace {

DetectorDoc tunneling_doc(const DetectionConfig& c) {
  const TunnelingConfig& t = c.tunneling;
  return {
      fmt::format("per (source, registered domain), {} tumbling window; only names with a subdomain of {}+ characters "
                  "are looked at",
                  doc_duration(t.window_seconds), t.min_subdomain_length),
      fmt::format("≥ {} queries, ≥ {} distinct subdomains (HyperLogLog), ≥ {} characters sent in subdomains, and ≥ {} "
                  "of queries with a machine-looking longest label (DGA score ≥ {}), or with ≥ {} distinct names a "
                  "mean subdomain entropy ≥ {} or ≥ {} data-carrying types (TXT, NULL, CNAME, MX, ANY: a tunnel's "
                  "polls) with ≥ {} machine-looking. The data-carrying and NXDOMAIN shares are reported and raise "
                  "the score",
                  t.min_queries, t.min_distinct_subdomains, t.min_bytes, doc_percent(t.min_random_share),
                  t.random_label_score, 3ull * t.min_distinct_subdomains, t.min_mean_entropy,
                  doc_percent(t.min_data_type_share), doc_percent(t.min_data_type_random_share)) +
          fmt::format(". Low and slow, per source over {} hopping windows (every half window) across registered "
                      "domains, names with a subdomain of {}+ "
                      "characters and a machine-looking longest label: ≥ {} queries, ≥ {} distinct, ≥ {} characters",
                      doc_duration(t.slow_window_seconds), t.slow_min_subdomain_length, t.slow_min_queries,
                      t.slow_min_distinct, t.slow_min_bytes) +
          fmt::format(". Numbered labels, per (source, registered domain) and {} window: names whose first label is a "
                      "number (any length of subdomain), ≥ {} distinct numbers filling ≥ {} of the range they span",
                      doc_duration(t.window_seconds), t.sequence_min_distinct, doc_percent(t.sequence_min_density))};
}

}  // namespace

const DetectorRegistration& tunneling_registration() {
  static constexpr FindingTypeInfo kTypes[] = {
      {FindingType::kDnsDataExfiltration,
       "DNSDataExfiltration",
       "Trojan:EC2/DNSDataExfiltration",
       AnalyticKind::kBehavioral,
       {"TA0010", "Exfiltration", "T1048", "Exfiltration Over Alternative Protocol", "T1048.003",
        "Exfiltration Over Unencrypted Non-C2 Protocol"}}};
  static const DetectorRegistration r =
      make_registration<&DetectionConfig::tunneling, TunnelingDetector>("tunneling", kTypes, tunneling_doc);
  return r;
}

}  // namespace dnslens
