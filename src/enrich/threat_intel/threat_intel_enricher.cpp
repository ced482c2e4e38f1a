#include "enrich/threat_intel/threat_intel_enricher.hpp"

#include "core/dns_name.hpp"

namespace dnslens {

namespace {

struct IntelState final : EnricherState {
  std::shared_ptr<const ThreatIntel> intel;  // this batch's snapshot
  char cname_buffer[kMaxNormalizedName];
};

void keep_best(ThreatMatch& best, const Indicator* ind, MatchSite site, std::string_view value) {
  if (ind == nullptr) return;
  ++best.count;
  if (best.indicator == nullptr || ind->confidence > best.indicator->confidence) {
    best.indicator = ind;
    best.site = site;
    best.matched_value = value;
  }
}

}  // namespace

std::unique_ptr<EnricherState> ThreatIntelEnricher::make_state() const { return std::make_unique<IntelState>(); }

void ThreatIntelEnricher::begin_batch(EnricherState* state) const {
  static_cast<IntelState*>(state)->intel = intel_.current();
}

void ThreatIntelEnricher::enrich(const QueryRecord& r, EnrichedRecord& out, EnricherState* state) const {
  auto& s = *static_cast<IntelState*>(state);
  // Only a hit writes the match's fields (and counts it), so a count of 0 means they are all empty.
  if (out.threat.count != 0) out.threat = ThreatMatch{};
  if (s.intel == nullptr || s.intel->empty()) return;
  const ThreatIntel& intel = *s.intel;
  const std::string_view name = out.normalized_name();
  ThreatMatch& hit = out.threat;
  keep_best(hit, intel.match_domain(name, out.registered_domain), MatchSite::kQueryName, r.query_name);
  if (name.ends_with(".arpa")) {
    if (auto ip = address_from_reverse_name(name))
      keep_best(hit, intel.match_ip(*ip), MatchSite::kReverseName, r.query_name);
  }
  for (std::uint32_t i = 0; i < r.answer_count; ++i) {
    const DnsAnswer& a = r.answers[i];
    if (a.type == "A" || a.type == "AAAA") {
      if (auto ip = parse_ip(a.rdata)) keep_best(hit, intel.match_ip(*ip), MatchSite::kAnswerIp, a.rdata);
    } else if (a.type == "CNAME") {
      const NormalizedName target = normalize_name(a.rdata, s.cname_buffer);
      if (target.valid_syntax) {
        const DomainParts parts = psl_.split(target.text);
        keep_best(hit, intel.match_domain(target.text, parts.registered_domain), MatchSite::kCname, a.rdata);
      }
    }
  }
  if (match_srcaddr_) {
    if (auto ip = parse_ip(r.srcaddr)) keep_best(hit, intel.match_ip(*ip), MatchSite::kSrcaddr, r.srcaddr);
  }
  if (const Indicator* ind = hit.indicator) {
    hit.value = ind->value;
    hit.kind = indicator_kind_name(ind->kind);
    hit.feed = intel.text(ind->feed);
    hit.actor = intel.text(ind->actor);
    hit.category = intel.text(ind->threat);
    hit.source = intel.text(ind->source);
    hit.confidence = ind->confidence;
    hit.confidence_level = confidence_level_name(confidence_level(ind->confidence));
  }
}

}  // namespace dnslens
