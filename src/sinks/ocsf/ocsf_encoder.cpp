#include "sinks/ocsf/ocsf_encoder.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/dns_rcode.hpp"
#include "core/json_escape.hpp"
#include "core/text.hpp"
#include "core/timestamp.hpp"
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

// An observable: where in the event the value sits, its OCSF type and the value. The name and type are
// one literal per kind, written with one copy. The query's hostname (always there) comes first; each
// other observable's literal opens with the comma before it.
constexpr std::string_view kHostnameObservable = R"([{"name":"query.hostname","type":"Hostname","type_id":1,"value":")";
constexpr std::string_view kSrcIpObservable = R"(,{"name":"src_endpoint.ip","type":"IP Address","type_id":2,"value":")";
constexpr std::string_view kSrcInstanceObservable =
    R"(,{"name":"src_endpoint.instance_uid","type":"Resource UID","type_id":10,"value":")";
constexpr std::string_view kDstInstanceObservable =
    R"(,{"name":"dst_endpoint.instance_uid","type":"Resource UID","type_id":10,"value":")";
constexpr std::string_view kAnswerIpObservable =
    R"(,{"name":"answers[].rdata","type":"IP Address","type_id":2,"value":")";
constexpr std::string_view kAnswerNameObservable =
    R"(,{"name":"answers[].rdata","type":"Hostname","type_id":1,"value":")";

[[gnu::always_inline]] inline void append_observable(Buffer& out, std::string_view opening, std::string_view value,
                                                     Escaper escape) {
  if (value.empty()) return;
  out += opening;
  out.escaped(value, escape);
  out += "\"}"sv;
}

[[gnu::always_inline]] inline void append_name_type_class(Buffer& out, std::string_view open, std::string_view name,
                                                          std::string_view type, std::string_view klass,
                                                          Escaper escape) {
  out += open;
  out.escaped(name, escape);
  out += R"(","type":")"sv;
  out.escaped(type, escape);
  out += R"(","class":")"sv;
  out.escaped(klass, escape);
  out += "\"}"sv;
}

bool is_address_type(std::string_view type) { return type == "A"sv || type == "AAAA"sv; }
bool is_name_type(std::string_view type) {
  return type == "CNAME"sv || type == "PTR"sv || type == "NS"sv || type == "DNAME"sv;
}

// Security Lake's action and disposition for DNS Firewall's logged action. Without a firewall rule the
// query was resolved: OCSF's security_control profile reads no action as 1 (Allowed), and no control
// acted on it: 16 (No Action).
// The four members are one literal for each of Route 53's actions.
struct Verdict {
  int action_id;
  std::string_view action;
  int disposition_id;
  std::string_view disposition;
  std::string_view members;  // from "action_id" on, without its opening quote; empty for Other (99)
};
Verdict firewall_verdict(std::string_view logged) {
  if (logged.empty())
    return {1, "Allowed", 16, "No Action",
            R"(action_id":1,"action":"Allowed","disposition_id":16,"disposition":"No Action")"};
  if (ascii_iequals(logged, "ALLOW"sv))
    return {1, "Allowed", 1, "Allowed",
            R"(action_id":1,"action":"Allowed","disposition_id":1,"disposition":"Allowed")"};
  if (ascii_iequals(logged, "ALERT"sv))
    return {1, "Allowed", 19, "Alert", R"(action_id":1,"action":"Allowed","disposition_id":19,"disposition":"Alert")"};
  if (ascii_iequals(logged, "BLOCK"sv))
    return {2, "Denied", 2, "Blocked", R"(action_id":2,"action":"Denied","disposition_id":2,"disposition":"Blocked")"};
  return {99, logged, 99, logged, {}};
}

// One enrichment: the attribute it describes, that attribute's value, what kind of data, who added it
// (dnslens, or a feed's name: escaped as bytes); the caller writes the data object's members and closes it.
void open_enrichment(Buffer& out, bool& first, std::string_view name, std::string_view value, Escaper escape,
                     std::string_view type, std::string_view provider = "dnslens",
                     Escaper provider_escape = Escaper::kPlain) {
  out += first ? "{\"name\":\""sv : ",{\"name\":\""sv;
  first = false;
  out += name;
  out += "\",\"value\":\""sv;
  out.escaped(value, escape);
  out += "\",\"type\":\""sv;
  out += type;
  out += "\",\"provider\":\""sv;
  out.escaped(provider, provider_escape);
  out += "\",\"data\":"sv;
}

// Whether the logged timestamp is what an OCSF reader writes back from time: whole seconds with a Z, or
// milliseconds when there are some ("2021-02-04T17:51:55Z", "2021-02-04T17:51:55.123Z").
bool logged_as_route53_writes(std::string_view logged, std::int64_t ms) {
  const char* seconds = event_writer::seconds_text(ms);
  if (seconds == nullptr) return false;
  const auto milli = static_cast<unsigned>(((ms % 1000) + 1000) % 1000);
  if (milli == 0) return logged == std::string_view(seconds, 20);
  const char fraction[5] = {'.', static_cast<char>('0' + milli / 100), static_cast<char>('0' + milli / 10 % 10),
                            static_cast<char>('0' + milli % 10), 'Z'};
  return logged.size() == 24 && logged.substr(0, 19) == std::string_view(seconds, 19) &&
         logged.substr(19) == std::string_view(fraction, 5);
}

// The record's top-level fields dnslens does not know (fields AWS may add), as they were logged.
void add_unknown_fields(Members& unmapped, std::string_view line) {
  thread_local std::string members;
  members.clear();
  if (append_unknown_fields(members, line) > 0) (void)unmapped.key(members);
}

// The enrichment's attribute for where a threat-intel indicator matched.
std::string_view threat_site_attribute(MatchSite site) {
  switch (site) {
    case MatchSite::kAnswerIp:
    case MatchSite::kCname:
      return "answers[].rdata";
    case MatchSite::kSrcaddr:
      return "src_endpoint.ip";
    case MatchSite::kQueryName:
    case MatchSite::kReverseName:
      break;
  }
  return "query.hostname";
}

// dnslens's own findings about the record, each an OCSF enrichment of the attribute it describes.
void append_enrichments(Members& event, const QueryRecord& r, const EnrichedRecord& e, Escaper esc) {
  const bool parts = !e.registered_domain.empty() || !e.public_suffix.empty();
  if (!parts && !e.threat.hit() && !e.has_signals && !e.firewall.simulated) return;
  Buffer& out = event.key("\"enrichments\":");
  out += '[';
  bool first = true;
  if (parts && !e.registered_domain.empty() && !e.public_suffix.empty()) {
    // The usual case, the first enrichment: the same members as below, literals between the values.
    first = false;
    out += R"({"name":"query.hostname","value":")"sv;
    out.escaped(r.query_name, esc);
    out += R"(","type":"Registered Domain","provider":"dnslens","data":{"registered_domain":")"sv;
    const Escaper name_esc = name_escaper(e.name);
    out.escaped(e.registered_domain, name_esc);
    out += R"(","public_suffix":")"sv;
    out.escaped(e.public_suffix, name_esc);
    if (!e.subdomain.empty()) {
      out += R"(","subdomain":")"sv;
      out.escaped(e.subdomain, name_esc);
    }
    out += e.tld_valid ? (e.matched ? R"(","tld_valid":true,"interesting_domain":true}})"sv
                                    : R"(","tld_valid":true,"interesting_domain":false}})"sv)
                       : (e.matched ? R"(","tld_valid":false,"interesting_domain":true}})"sv
                                    : R"(","tld_valid":false,"interesting_domain":false}})"sv);
  } else if (parts) {
    open_enrichment(out, first, "query.hostname", r.query_name, esc, "Registered Domain");
    Members data(out, name_escaper(e.name));
    data.text_if("\"registered_domain\":\"", e.registered_domain);
    data.text_if("\"public_suffix\":\"", e.public_suffix);
    data.text_if("\"subdomain\":\"", e.subdomain);
    data.boolean("\"tld_valid\":", e.tld_valid);
    data.boolean("\"interesting_domain\":", e.matched);
    data.close();
    out += '}';
  }
  if (e.threat.hit()) {
    const ThreatMatch& t = e.threat;
    open_enrichment(out, first, threat_site_attribute(t.site), t.matched_value, Escaper::kBytes, "Threat Intelligence",
                    t.feed.empty() ? "dnslens"sv : t.feed, Escaper::kBytes);
    Members data(out);
    data.text("\"indicator\":\"", t.value);
    data.text_if("\"indicator_type\":\"", t.kind);
    if (t.confidence >= 0) data.number("\"confidence\":", t.confidence);
    data.text_if("\"confidence_level\":\"", t.confidence_level);
    data.text_if("\"actor\":\"", t.actor);
    data.text_if("\"category\":\"", t.category);
    data.text_if("\"source\":\"", t.source);
    data.text("\"matched_on\":\"", match_site_name(t.site));
    data.number("\"match_count\":", t.count);
    data.close();
    out += '}';
  }
  if (e.has_signals) {
    open_enrichment(out, first, "query.hostname", r.query_name, esc, "Name Signals");
    Members data(out);
    event_writer::signal_members(data, e.signals);
    data.close();
    out += '}';
  }
  if (e.firewall.simulated) {
    const FirewallOutcome& fw = e.firewall;
    open_enrichment(out, first, fw.via_redirection ? "answers[].rdata"sv : "query.hostname"sv,
                    fw.decided() && !fw.matched_name.empty() ? fw.matched_name : r.query_name, esc,
                    "DNS Firewall Simulation");
    Members data(out);
    event_writer::firewall_sim_members(data, fw);
    data.close();
    out += '}';
  }
  out += ']';
}

}  // namespace

void encode_ocsf_dns_activity(const SinkRecord& rec, std::string_view schema_version, OutputBuffer& out) {
  const QueryRecord& r = rec.record;
  const Escaper esc = record_escaper(r);
  Members event(out, esc);
  event.raw("\"class_uid\":",
            "4003,\"class_name\":\"DNS Activity\",\"category_uid\":4,\"category_name\":\"Network Activity\","
            "\"activity_id\":6,\"activity_name\":\"Traffic\",\"type_uid\":400306,\"type_name\":\"DNS Activity: "
            "Traffic\",\"severity_id\":1,\"severity\":\"Informational\""sv);
  event.number("\"time\":", r.timestamp_ms);
  event.timestamp("\"time_dt\":", r.timestamp_ms);  // a year outside 0000-9999: time alone says it
  {
    Buffer& o = event.key(
        R"("metadata":{"product":{"feature":{"name":"Resolver Query Logs"},"name":"Route 53","vendor_name":"AWS")");
    if (!r.version.empty()) {
      o += ",\"version\":\""sv;
      o.escaped(r.version, esc);
      o += '"';
    }
    if (schema_version == "1.1.0"sv) {
      o += R"(},"profiles":["cloud","security_control","datetime"],"version":"1.1.0"})"sv;
    } else if (schema_version == "1.5.0"sv) {
      o += R"(},"profiles":["cloud","security_control","datetime"],"version":"1.5.0"})"sv;
    } else {
      o += "},\"profiles\":[\"cloud\",\"security_control\",\"datetime\"],\"version\":\""sv;
      o += schema_version;
      o += "\"}"sv;
    }
  }
  if (!r.account_id.empty() && !r.region.empty()) {
    Buffer& o = event.key(R"("cloud":{"account":{"uid":")");
    o.escaped(r.account_id, esc);
    o += R"("},"provider":"AWS","region":")"sv;
    o.escaped(r.region, esc);
    o += "\"}"sv;
  } else {
    event.key("\"cloud\":");
    Members cloud(out, esc);
    if (!r.account_id.empty()) {
      cloud.key("\"account\":");
      Members account(out, esc);
      account.text("\"uid\":\"", r.account_id);
      account.close();
    }
    cloud.raw("\"provider\":", "\"AWS\""sv);
    cloud.text_if("\"region\":\"", r.region);
    cloud.close();
  }
  // The source: its address when srcaddr is one, its instance. A record with neither still needs the
  // endpoint in 1.1.0 (required there, and an endpoint must name something): it is named "Unknown".
  // Text that is not an address or a port goes to unmapped as logged.
  const bool src_is_ip = is_ip_address(r.srcaddr);
  int port = -1;
  if (auto [end, ec] = std::from_chars(r.srcport.data(), r.srcport.data() + r.srcport.size(), port);
      ec != std::errc{} || end != r.srcport.data() + r.srcport.size() || port < 0 || port > 65535)
    port = -1;
  const bool src_endpoint = src_is_ip || !r.instance.empty() || schema_version == "1.1.0"sv;
  if (src_is_ip && port >= 0 && !r.vpc_id.empty()) {  // the usual case: the members below as literals
    Buffer& o = event.key(R"("src_endpoint":{"ip":")");
    o.escaped(r.srcaddr, esc);
    o += R"(","port":)"sv;
    char* const digits = o.claim(5);  // in place (OutputBuffer::claim)
    o.commit(std::to_chars(digits, digits + 5, port).ptr);
    o += R"(,"vpc_uid":")"sv;
    o.escaped(r.vpc_id, esc);
    if (!r.instance.empty()) {
      o += R"(","instance_uid":")"sv;
      o.escaped(r.instance, esc);
    }
    o += "\"}"sv;
  } else if (src_endpoint) {
    event.key("\"src_endpoint\":");
    Members src(out, esc);
    if (src_is_ip) src.text("\"ip\":\"", r.srcaddr);
    if (port >= 0) src.number("\"port\":", port);
    src.text_if("\"vpc_uid\":\"", r.vpc_id);
    src.text_if("\"instance_uid\":\"", r.instance);
    if (!src_is_ip && r.instance.empty()) src.raw("\"name\":", "\"Unknown\""sv);
    src.close();
  }
  if (!r.resolver_endpoint.empty() || !r.resolver_network_interface.empty()) {
    event.key("\"dst_endpoint\":");
    Members dst(out, esc);
    dst.text_if("\"instance_uid\":\"", r.resolver_endpoint);
    dst.text_if("\"interface_uid\":\"", r.resolver_network_interface);
    dst.close();
  }
  if (r.transport == "UDP"sv) {
    event.raw("\"connection_info\":",
              R"({"direction":"Unknown","direction_id":0,"protocol_name":"UDP","protocol_num":17})"sv);
  } else if (r.transport == "TCP"sv) {
    event.raw("\"connection_info\":",
              R"({"direction":"Unknown","direction_id":0,"protocol_name":"TCP","protocol_num":6})"sv);
  } else {
    event.key("\"connection_info\":");
    Members conn(out, esc);
    conn.raw("\"direction\":", "\"Unknown\""sv);
    conn.raw("\"direction_id\":", "0");
    conn.text_if("\"protocol_name\":\"", r.transport);
    conn.close();
  }
  // The query and each answer: {"hostname" or "rdata", "type", "class"}, the usual case (all three
  // logged) as three literals between the values.
  {
    Buffer& o = event.key("\"query\":");
    if (!r.query_type.empty() && !r.query_class.empty()) {
      append_name_type_class(o, R"({"hostname":")", r.query_name, r.query_type, r.query_class, esc);
    } else {
      Members query(out, esc);
      query.text("\"hostname\":\"", r.query_name);
      query.text_if("\"type\":\"", r.query_type);
      query.text_if("\"class\":\"", r.query_class);
      query.close();
    }
  }
  {
    Buffer& o = event.key("\"answers\":");
    o += '[';
    for (std::uint32_t i = 0; i < r.answer_count; ++i) {
      if (i) o += ',';
      const DnsAnswer& a = r.answers[i];
      if (!a.type.empty() && !a.klass.empty()) {
        append_name_type_class(o, R"({"rdata":")", a.rdata, a.type, a.klass, esc);
        continue;
      }
      Members answer(out, esc);
      answer.text("\"rdata\":\"", a.rdata);
      answer.text_if("\"type\":\"", a.type);
      answer.text_if("\"class\":\"", a.klass);
      answer.close();
    }
    o += ']';
  }
  const DnsRcode* code = r.rcode.empty() ? nullptr : dns_rcode_by_name(r.rcode);
  if (code != nullptr) {
    event.number("\"rcode_id\":", code->id);
    event.text("\"rcode\":\"", code->ocsf_caption);
  } else if (!r.rcode.empty()) {
    event.raw("\"rcode_id\":", "99"sv);
    event.text("\"rcode\":\"", r.rcode);  // Other: the code as logged
  }
  const Verdict verdict = firewall_verdict(r.firewall_rule_action);
  if (!verdict.members.empty()) {
    event.raw("\"", verdict.members);
  } else {
    event.number("\"action_id\":", verdict.action_id);
    event.text("\"action\":\"", verdict.action);
    event.number("\"disposition_id\":", verdict.disposition_id);
    event.text("\"disposition\":\"", verdict.disposition);
  }
  if (!r.firewall_rule_group_id.empty()) {
    event.key("\"firewall_rule\":");
    Members rule(out, esc);
    rule.text("\"uid\":\"", r.firewall_rule_group_id);
    rule.close();
  }
  {
    Buffer& o = event.key("\"observables\":");
    o += kHostnameObservable;  // the parser requires a query name
    o.escaped(r.query_name, esc);
    o += "\"}"sv;
    if (src_is_ip) append_observable(o, kSrcIpObservable, r.srcaddr, esc);
    append_observable(o, kSrcInstanceObservable, r.instance, esc);
    append_observable(o, kDstInstanceObservable, r.resolver_endpoint, esc);
    for (std::uint32_t i = 0; i < r.answer_count; ++i) {
      const DnsAnswer& a = r.answers[i];
      if (is_address_type(a.type) && is_ip_address(a.rdata)) append_observable(o, kAnswerIpObservable, a.rdata, esc);
      if (is_name_type(a.type)) append_observable(o, kAnswerNameObservable, a.rdata, esc);
    }
    o += ']';
  }
  append_enrichments(event, r, rec.enriched, esc);
  // unmapped: what OCSF has no attribute for, and a logged value whose OCSF form would not read back as
  // it was logged (rcode BADSIG, which shares id 16 with BADVERS; an action or timestamp written
  // otherwise than Route 53 writes them), so an OCSF reader gets the record back field for field.
  const bool bad_srcaddr = !r.srcaddr.empty() && !src_is_ip;
  // Without a src_endpoint (1.5.0, nothing identifies the source), its port and VPC go to unmapped.
  const bool bad_srcport = !r.srcport.empty() && (port < 0 || !src_endpoint);
  const bool lost_vpc = !r.vpc_id.empty() && !src_endpoint;
  const bool odd_rcode = code != nullptr && dns_rcode_by_id(code->id)->iana != r.rcode;
  const bool odd_action = verdict.action_id != 99 && !r.firewall_rule_action.empty() &&
                          r.firewall_rule_action != "ALLOW"sv && r.firewall_rule_action != "ALERT"sv &&
                          r.firewall_rule_action != "BLOCK"sv;
  const bool odd_time = !logged_as_route53_writes(r.query_timestamp, r.timestamp_ms);
  if (!r.firewall_domain_list_id.empty() || bad_srcaddr || bad_srcport || odd_rcode || odd_action || odd_time ||
      lost_vpc || r.unknown_fields > 0) {
    event.key("\"unmapped\":");
    Members unmapped(out, esc);
    unmapped.text_if("\"firewall_domain_list_id\":\"", r.firewall_domain_list_id);
    if (bad_srcaddr) unmapped.text("\"srcaddr\":\"", r.srcaddr);
    if (bad_srcport) unmapped.text("\"srcport\":\"", r.srcport);
    if (lost_vpc) unmapped.text("\"vpc_id\":\"", r.vpc_id);
    if (odd_rcode) unmapped.text("\"rcode\":\"", r.rcode);
    if (odd_action) unmapped.text("\"firewall_rule_action\":\"", r.firewall_rule_action);
    if (odd_time) unmapped.text("\"query_timestamp\":\"", r.query_timestamp);
    if (r.unknown_fields > 0) add_unknown_fields(unmapped, rec.route53_line());
    unmapped.close();
  }
  event.close();
  out += '\n';
}

RecordFormat ocsf_1_1_format() {
  return RecordFormat{
      .name = "ocsf-1.1",
      .description = "OCSF 1.1.0 DNS Activity (4003), as AWS Security Lake writes Route 53 Resolver logs",
      .encode = [](const SinkRecord& r, OutputBuffer& out) { encode_ocsf_dns_activity(r, "1.1.0", out); },
      .expansion = 5.0,
  };
}

RecordFormat ocsf_1_5_format() {
  return RecordFormat{
      .name = "ocsf-1.5",
      .description = "OCSF 1.5.0 DNS Activity (4003), the same mapping in OCSF 1.5.0",
      .encode = [](const SinkRecord& r, OutputBuffer& out) { encode_ocsf_dns_activity(r, "1.5.0", out); },
      .expansion = 5.0,
  };
}

OcsfRcode ocsf_rcode(std::string_view rcode) {
  const DnsRcode* code = dns_rcode_by_name(rcode);
  return code != nullptr ? OcsfRcode{code->id, code->ocsf_caption} : OcsfRcode{99, "Other"};
}

}  // namespace dnslens
