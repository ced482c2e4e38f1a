#include "sinks/detection/detection_sink.hpp"

#include <algorithm>

#include "core/stable_hash.hpp"
#include "enrich/threat_intel/ip_address.hpp"
#include "enrich/threat_intel/threat_intel.hpp"

namespace dnslens {

namespace {

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

// The first answer that is a metadata-service or black-hole address (metadata wins), or kNone. Only
// an answer whose first character could start such an address is parsed.
SpecialAddress special_answer(const QueryRecord& r, std::string_view& address) {
  SpecialAddress found = SpecialAddress::kNone;
  for (std::uint32_t i = 0; i < r.answer_count; ++i) {
    const DnsAnswer& a = r.answers[i];
    if (a.rdata.empty()) continue;
    const char c = a.rdata.front();
    if (a.type == "A" ? (c != '0' && c != '1')
                      : a.type != "AAAA" || (c != ':' && c != 'f' && c != 'F' && c != '1' && c != '0'))
      continue;
    const auto ip = parse_ip(a.rdata);
    if (!ip) continue;
    const SpecialAddress kind = special_address(*ip);
    if (kind == SpecialAddress::kMetadata) {
      address = a.rdata;
      return kind;
    }
    if (kind == SpecialAddress::kBlackhole && found == SpecialAddress::kNone) {
      found = kind;
      address = a.rdata;
    }
  }
  return found;
}

class DetectionLocal final : public SinkLocal {
 public:
  void begin_batch(SinkBatch& /*batch*/, std::string_view input) override { input_ = input.data(); }

  void add(const SinkRecord& rec, SinkBatch& sink_batch) override {
    const QueryRecord& r = rec.record;
    const EnrichedRecord& o = rec.enriched;
    if (!o.has_signals) return;
    DetectionBatch& b = static_cast<DetectionSinkBatch&>(sink_batch).events;
    DetectionEvent& e = b.events.emplace_back();
    e.ts_ms = r.timestamp_ms;
    e.line = StrRef{static_cast<std::uint32_t>(rec.line.data() - input_), static_cast<std::uint32_t>(rec.line.size())};
    // The name as logged when it is not valid DNS syntax, so hostile names still count.
    const std::string_view normalized = o.normalized_name();
    const std::string_view name = normalized.empty() ? r.query_name : normalized;
    e.name = b.add(name);
    if (!o.registered_domain.empty() && normalized.ends_with(o.registered_domain)) {
      std::size_t off = normalized.size() - o.registered_domain.size();
      e.domain = StrRef{e.name.offset + static_cast<std::uint32_t>(off),
                        static_cast<std::uint32_t>(o.registered_domain.size())};
      e.flags |= kEventHasRegistered;
    } else {
      e.domain = e.name;
    }
    // A private-section suffix decided the registered domain, or the name is such a suffix itself
    // (s3.amazonaws.com): the registry's domain is shorter.
    const std::string_view icann = o.icann_registered_domain;
    if (!icann.empty() && icann.size() != o.registered_domain.size() && normalized.ends_with(icann)) {
      e.flags |= kEventPrivateSuffix;
      e.icann_domain = StrRef{e.name.offset + static_cast<std::uint32_t>(normalized.size() - icann.size()),
                              static_cast<std::uint32_t>(icann.size())};
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
    e.reputation = o.signals.reputation;
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
      e.threat_class = static_cast<std::uint8_t>(o.threat.indicator->threat_class);
    }
    std::string_view address;
    const SpecialAddress special = special_answer(r, address);
    if (special == SpecialAddress::kMetadata) {
      e.flags |= kEventMetadataAnswer;
      e.answer = b.add(address);
    } else if (special == SpecialAddress::kBlackhole) {
      e.flags |= kEventBlackholeAnswer;
      e.answer = b.add(address);
    }
    if (o.threat.hit() && o.threat.indicator->threat_class == ThreatClass::kSinkhole) {
      // Intel says the name, an answer or a CNAME target is a sinkhole.
      e.flags |= kEventBlackholeAnswer | kEventSinkholeIntel;
      if (special == SpecialAddress::kNone) e.answer = b.add(o.threat.matched_value);
    }
  }

 private:
  const char* input_ = nullptr;
  StrRef last_account_, last_vpc_;  // in the current batch's arena; reused while records share them
};

}  // namespace

std::unique_ptr<SinkLocal> DetectionSink::make_local(unsigned /*worker*/, unsigned /*workers*/) {
  return std::make_unique<DetectionLocal>();
}

std::unique_ptr<SinkBatch> DetectionSink::make_batch() const { return std::make_unique<DetectionSinkBatch>(); }

void DetectionSink::write(SinkBatch& batch, const BatchOrigin& origin) {
  const DetectionBatch& events = static_cast<DetectionSinkBatch&>(batch).events;
  if (!events.events.empty()) detectors_.consume(events, origin.input);
}

void DetectionSink::finish() {
  if (finished_) return;
  finished_ = true;
  detectors_.finish();
}

}  // namespace dnslens
