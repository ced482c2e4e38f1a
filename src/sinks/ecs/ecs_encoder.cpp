#include "sinks/ecs/ecs_encoder.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/text.hpp"
#include "enrich/threat_intel/ip_address.hpp"
#include "parse/unknown_fields.hpp"
#include "sinks/formats/enrichment_members.hpp"
#include "sinks/formats/event_writer.hpp"

namespace dnslens {

namespace {

using namespace std::string_view_literals;
using event_writer::Buffer;
using event_writer::Escaper;
using event_writer::Members;
using event_writer::name_escaper;
using event_writer::record_escaper;

// Elastic's pipeline removes one trailing dot from the question name and from each answer's data.
std::string_view without_trailing_dot(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  return text;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_address_type(std::string_view type) { return type == "A"sv || type == "AAAA"sv; }

// One string element of a JSON array.
void element(Buffer& out, bool& first, std::string_view value, Escaper escape) {
  out += first ? "\""sv : ",\""sv;
  first = false;
  out.escaped(value, escape);
  out += '"';
}

// ECS's threat.indicator.type (STIX 2 names) for dnslens's indicator kinds; a CIDR range is an
// address indicator in STIX.
std::string_view ecs_indicator_type(std::string_view kind) {
  if (kind == "domain"sv) return "domain-name";
  if (kind == "ipv4"sv || kind == "ipv4-cidr"sv) return "ipv4-addr";
  if (kind == "ipv6"sv || kind == "ipv6-cidr"sv) return "ipv6-addr";
  if (kind == "url"sv) return "url";
  return {};
}

// ECS's expected threat.indicator.confidence values.
std::string_view ecs_confidence(std::string_view level) {
  if (level == "high"sv) return "High";
  if (level == "medium"sv) return "Medium";
  if (level == "low"sv) return "Low";
  return "Not Specified";
}

// The ECS field whose value matched the indicator.
std::string_view ecs_matched_field(MatchSite site) {
  switch (site) {
    case MatchSite::kAnswerIp:
    case MatchSite::kCname:
      return "dns.answers.data";
    case MatchSite::kSrcaddr:
      return "source.ip";
    case MatchSite::kQueryName:
    case MatchSite::kReverseName:
      break;
  }
  return "dns.question.name";
}

// The intel hit where ECS puts indicator matches found on an event: threat.enrichments[] (the
// indicator, with the feed as provider, and the field and value it matched).
void append_threat(Members& event, const ThreatMatch& t) {
  Buffer& out = event.key("\"threat\":");
  out += "{\"enrichments\":[{\"indicator\":"sv;
  {
    Members indicator(out);
    const std::string_view type = ecs_indicator_type(t.kind);
    indicator.text_if("\"type\":\"", type);
    indicator.text("\"name\":\"", t.value);
    if (type == "domain-name"sv) {
      indicator.key("\"url\":") += "{\"domain\":\""sv;
      out.escaped(t.value, Escaper::kBytes);
      out += "\"}"sv;
    } else if (type == "url"sv) {
      indicator.key("\"url\":") += "{\"original\":\""sv;
      out.escaped(t.value, Escaper::kBytes);
      out += "\"}"sv;
    } else if (parse_ip(t.value)) {
      indicator.text("\"ip\":\"", t.value);
    }
    indicator.text_if("\"provider\":\"", t.feed);
    indicator.text("\"confidence\":\"", ecs_confidence(t.confidence_level));
    indicator.text_if("\"description\":\"", t.category);
    indicator.close();
  }
  out += ",\"matched\":"sv;
  Members matched(out);
  matched.text("\"atomic\":\"", t.matched_value);
  matched.text("\"field\":\"", ecs_matched_field(t.site));
  matched.raw("\"type\":", "\"indicator_match_rule\""sv);
  matched.close();
  out += "}]}"sv;
}

// dnslens's own results, and the log fields Elastic's pipeline drops, under dnslens.*.
// The fields of the record dnslens does not know (fields AWS adds later), as logged: dnslens.route53.unmapped.
void append_dnslens(Members& event, const SinkRecord& rec, const EnrichedRecord& e, Escaper esc, bool bad_port) {
  const QueryRecord& r = rec.record;
  thread_local std::string unknown;
  unknown.clear();
  if (r.unknown_fields > 0) (void)append_unknown_fields(unknown, rec.route53_line());
  Buffer& out = event.key("\"dnslens\":");
  Members ns(out, esc);
  if (!r.version.empty() || !r.resolver_endpoint.empty() || !r.resolver_network_interface.empty() || bad_port ||
      !unknown.empty()) {
    ns.key("\"route53\":");
    Members log(out, esc);
    log.text_if("\"version\":\"", r.version);
    log.text_if("\"resolver_endpoint\":\"", r.resolver_endpoint);
    log.text_if("\"resolver_network_interface\":\"", r.resolver_network_interface);
    if (bad_port) log.text("\"srcport\":\"", r.srcport);
    if (!unknown.empty()) {
      Buffer& o = log.key("\"unmapped\":{");
      o += unknown;
      o += '}';
    }
    log.close();
  }
  ns.boolean("\"interesting_domain\":", e.matched);
  ns.boolean("\"tld_valid\":", e.tld_valid);
  if (e.threat.hit()) {
    const ThreatMatch& t = e.threat;
    ns.key("\"threat\":");
    Members threat(out, Escaper::kBytes);
    threat.text_if("\"actor\":\"", t.actor);
    threat.text_if("\"source\":\"", t.source);
    if (t.confidence >= 0) threat.number("\"confidence\":", t.confidence);
    threat.text("\"matched_on\":\"", match_site_name(t.site));
    threat.number("\"match_count\":", t.count);
    threat.close();
  }
  if (e.has_signals) {
    ns.key("\"signals\":");
    Members signals(out);
    event_writer::signal_members(signals, e.signals);
    signals.close();
  }
  if (e.firewall.simulated) {
    ns.key("\"firewall_sim\":");
    Members sim(out, Escaper::kBytes);
    event_writer::firewall_sim_members(sim, e.firewall);
    sim.close();
  }
  ns.close();
}

// The address a reverse-DNS question asks about, as text (in-addr.arpa and full ip6.arpa names).
std::string_view reverse_address(const EnrichedRecord& e, char (&buf)[INET6_ADDRSTRLEN]) {
  const std::optional<IpAddress> ip = address_from_reverse_name(e.normalized_name());
  if (!ip || inet_ntop(ip->v6 ? AF_INET6 : AF_INET, ip->bytes.data(), buf, sizeof buf) == nullptr) return {};
  return buf;
}

}  // namespace

void encode_ecs_document(const SinkRecord& rec, OutputBuffer& out) {
  const QueryRecord& r = rec.record;
  const EnrichedRecord& e = rec.enriched;
  const Escaper esc = record_escaper(r);
  Members doc(out, esc);
  doc.timestamp("\"@timestamp\":", r.timestamp_ms);
  // event.outcome depends on the response code alone, as Elastic writes it (a BLOCKed query answered
  // NOERROR is a success); a record without one is unknown.
  doc.raw(R"("ecs":{"version":"8.11.0"},"event":)",
          r.rcode.empty() ? R"({"kind":"event","category":["network"],"type":["protocol"],"outcome":"unknown"})"sv
          : ascii_iequals(r.rcode, "NOERROR"sv)
              ? R"({"kind":"event","category":["network"],"type":["protocol"],"outcome":"success"})"sv
              : R"({"kind":"event","category":["network"],"type":["protocol"],"outcome":"failure"})"sv);
  if (!r.account_id.empty() && !r.region.empty()) {  // the usual case: the members below as literals
    Buffer& o = doc.key(R"("cloud":{"provider":"aws","account":{"id":")");
    o.escaped(r.account_id, esc);
    o += R"("},"region":")"sv;
    o.escaped(r.region, esc);
    if (!r.instance.empty()) {
      o += R"(","instance":{"id":")"sv;
      o.escaped(r.instance, esc);
      o += "\"}}"sv;
    } else {
      o += "\"}"sv;
    }
  } else {
    doc.key("\"cloud\":");
    Members cloud(out, esc);
    cloud.raw("\"provider\":", "\"aws\""sv);
    if (!r.account_id.empty()) {
      cloud.key("\"account\":");
      Members account(out, esc);
      account.text("\"id\":\"", r.account_id);
      account.close();
    }
    cloud.text_if("\"region\":\"", r.region);
    if (!r.instance.empty()) {
      cloud.key("\"instance\":");
      Members instance(out, esc);
      instance.text("\"id\":\"", r.instance);
      instance.close();
    }
    cloud.close();
  }
  const bool firewall =
      !r.firewall_rule_action.empty() || !r.firewall_rule_group_id.empty() || !r.firewall_domain_list_id.empty();
  if (!r.vpc_id.empty() && !firewall) {  // the usual case
    Buffer& o = doc.key(R"("aws":{"vpc_id":")");
    o.escaped(r.vpc_id, esc);
    if (!r.instance.empty()) {
      o += R"(","instance_id":")"sv;
      o.escaped(r.instance, esc);
    }
    o += "\"}"sv;
  } else if (!r.vpc_id.empty() || !r.instance.empty() || firewall) {
    doc.key("\"aws\":");
    Members aws(out, esc);
    aws.text_if("\"vpc_id\":\"", r.vpc_id);
    aws.text_if("\"instance_id\":\"", r.instance);
    if (firewall) {
      aws.key("\"route53\":") += "{\"firewall\":"sv;
      Members fw(out, esc);
      fw.text_if("\"action\":\"", r.firewall_rule_action);
      if (!r.firewall_rule_group_id.empty()) {
        fw.key("\"rule_group\":") += "{\"id\":\""sv;
        out.escaped(r.firewall_rule_group_id, esc);
        out += "\"}"sv;
      }
      if (!r.firewall_domain_list_id.empty()) {
        fw.key("\"domain_list\":") += "{\"id\":\""sv;
        out.escaped(r.firewall_domain_list_id, esc);
        out += "\"}"sv;
      }
      fw.close();
      out += '}';
    }
    aws.close();
  }

  const std::optional<IpAddress> src_ip = r.srcaddr.empty() ? std::nullopt : parse_ip(r.srcaddr);
  int port = -1;
  if (auto [end, ec] = std::from_chars(r.srcport.data(), r.srcport.data() + r.srcport.size(), port);
      ec != std::errc{} || end != r.srcport.data() + r.srcport.size() || port < 0 || port > 65535)
    port = -1;
  const std::string_view ip_type = !src_ip ? ""sv : src_ip->v6 ? R"(,"type":"ipv6"})"sv : R"(,"type":"ipv4"})"sv;
  if (src_ip && r.transport == "UDP"sv) {  // the usual cases
    doc.key(R"("network":{"protocol":"dns","transport":"udp","iana_number":"17")") += ip_type;
  } else if (src_ip && r.transport == "TCP"sv) {
    doc.key(R"("network":{"protocol":"dns","transport":"tcp","iana_number":"6")") += ip_type;
  } else {
    doc.key("\"network\":");
    Members network(out, esc);
    network.raw("\"protocol\":", "\"dns\""sv);
    if (ascii_iequals(r.transport, "UDP"sv)) {
      network.raw("\"transport\":", "\"udp\",\"iana_number\":\"17\""sv);
    } else if (ascii_iequals(r.transport, "TCP"sv)) {
      network.raw("\"transport\":", "\"tcp\",\"iana_number\":\"6\""sv);
    } else if (!r.transport.empty()) {
      Buffer& o = network.key("\"transport\":\"");
      for (const char c : r.transport) {
        const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        o.escaped({&lower, 1}, esc);
      }
      o += '"';
    }
    if (src_ip) network.raw("\"type\":", src_ip->v6 ? "\"ipv6\""sv : "\"ipv4\""sv);
    network.close();
  }
  if (src_ip && port >= 0) {  // the usual case
    Buffer& o = doc.key(R"("source":{"address":")");
    o.escaped(r.srcaddr, esc);
    o += R"(","ip":")"sv;
    o.escaped(r.srcaddr, esc);
    o += R"(","port":)"sv;
    char* const digits = o.claim(5);  // in place (OutputBuffer::claim)
    o.commit(std::to_chars(digits, digits + 5, port).ptr);
    o += '}';
  } else if (!r.srcaddr.empty() || port >= 0) {
    doc.key("\"source\":");
    Members source(out, esc);
    source.text_if("\"address\":\"", r.srcaddr);
    if (src_ip) source.text("\"ip\":\"", r.srcaddr);
    if (port >= 0) source.number("\"port\":", port);
    source.close();
  }

  const bool reverse = ends_with(e.name.text, "in-addr.arpa"sv) || ends_with(e.name.text, "ip6.arpa"sv);
  bool resolved = false;
  // Which answers are addresses, worked out once per record (per worker; grows, never shrinks).
  thread_local std::vector<std::uint8_t> answer_is_ip;
  if (answer_is_ip.size() < r.answer_count) answer_is_ip.resize(r.answer_count);
  std::uint8_t* const is_ip = answer_is_ip.data();
  {
    doc.key("\"dns\":");
    Members dns(out, esc);
    {
      dns.key("\"question\":");
      Members question(out, esc);
      question.text("\"name\":\"", without_trailing_dot(r.query_name));
      question.text_if("\"type\":\"", r.query_type);
      question.text_if("\"class\":\"", r.query_class);
      // The public suffix list's parts, as Elastic's registered_domain processor adds them: not for
      // reverse-DNS names, nor for names under a suffix the list does not know.
      if (!reverse && e.tld_valid) {
        const Escaper name_esc = name_escaper(e.name);
        if (!e.registered_domain.empty()) question.text("\"registered_domain\":\"", e.registered_domain, name_esc);
        if (!e.public_suffix.empty()) question.text("\"top_level_domain\":\"", e.public_suffix, name_esc);
        if (!e.subdomain.empty()) question.text("\"subdomain\":\"", e.subdomain, name_esc);
      }
      question.close();
    }
    dns.text_if("\"response_code\":\"", r.rcode);
    if (r.answer_count > 0) {
      Buffer& o = dns.key("\"answers\":");
      o += '[';
      for (std::uint32_t i = 0; i < r.answer_count; ++i) {
        const DnsAnswer& a = r.answers[i];
        if (i) o += ',';
        if (!a.type.empty() && !a.klass.empty()) {  // the usual case: the members below as literals
          o += R"({"data":")"sv;
          o.escaped(without_trailing_dot(a.rdata), esc);
          o += R"(","type":")"sv;
          o.escaped(a.type, esc);
          o += R"(","class":")"sv;
          o.escaped(a.klass, esc);
          if (a.type == "CNAME"sv) {
            o += R"(","name":")"sv;
            o.escaped(without_trailing_dot(a.rdata), esc);
          }
          o += "\"}"sv;
        } else {
          Members answer(out, esc);
          answer.text("\"data\":\"", without_trailing_dot(a.rdata));
          answer.text_if("\"type\":\"", a.type);
          answer.text_if("\"class\":\"", a.klass);
          if (a.type == "CNAME"sv) answer.text("\"name\":\"", without_trailing_dot(a.rdata));
          answer.close();
        }
        is_ip[i] = is_address_type(a.type) && is_ip_address(a.rdata);
        resolved = resolved || is_ip[i];
      }
      o += ']';
    }
    // ECS's dns.resolved_ip: every address in the answers (Elastic's pipeline leaves it unset).
    if (resolved) {
      Buffer& o = dns.key("\"resolved_ip\":");
      o += '[';
      bool first = true;
      for (std::uint32_t i = 0; i < r.answer_count; ++i)
        if (is_ip[i]) element(o, first, r.answers[i].rdata, esc);
      o += ']';
    }
    dns.close();
  }

  // related.ip: the answers' addresses (repeats kept, as Elastic writes them), the source, then the
  // address a reverse-DNS question asks about unless already listed. related.hosts: the CNAME and PTR
  // answers, then the question name unless it is a PTR question.
  {
    char reverse_buf[INET6_ADDRSTRLEN];
    std::string_view asked = r.query_type == "PTR"sv && reverse ? reverse_address(e, reverse_buf) : std::string_view{};
    if (asked == r.srcaddr) asked = {};
    for (std::uint32_t i = 0; i < r.answer_count && !asked.empty(); ++i)
      if (is_address_type(r.answers[i].type) && r.answers[i].rdata == asked) asked = {};
    bool any_host = r.query_type != "PTR"sv;
    for (std::uint32_t i = 0; i < r.answer_count && !any_host; ++i)
      any_host = r.answers[i].type == "CNAME"sv || r.answers[i].type == "PTR"sv;
    if (resolved || src_ip || !asked.empty() || any_host) {
      doc.key("\"related\":");
      Members related(out, esc);
      if (resolved || src_ip || !asked.empty()) {
        Buffer& o = related.key("\"ip\":");
        o += '[';
        bool first = true;
        for (std::uint32_t i = 0; i < r.answer_count; ++i)
          if (is_ip[i]) element(o, first, r.answers[i].rdata, esc);
        if (src_ip) element(o, first, r.srcaddr, esc);
        if (!asked.empty()) element(o, first, asked, Escaper::kPlain);
        o += ']';
      }
      if (any_host) {
        Buffer& o = related.key("\"hosts\":");
        o += '[';
        bool first = true;
        for (std::uint32_t i = 0; i < r.answer_count; ++i) {
          const DnsAnswer& a = r.answers[i];
          if (a.type == "CNAME"sv || a.type == "PTR"sv) element(o, first, without_trailing_dot(a.rdata), esc);
        }
        if (r.query_type != "PTR"sv) element(o, first, without_trailing_dot(r.query_name), esc);
        o += ']';
      }
      related.close();
    }
  }
  if (e.threat.hit()) append_threat(doc, e.threat);
  append_dnslens(doc, rec, e, esc, !r.srcport.empty() && port < 0);
  doc.close();
  out += '\n';
}

RecordFormat ecs_format() {
  return RecordFormat{
      .name = "ecs",
      .description = "ECS 8.11 documents, as Elastic's AWS integration writes Route 53 Resolver query logs",
      .encode = encode_ecs_document,
      .expansion = 3.5,
  };
}

}  // namespace dnslens
