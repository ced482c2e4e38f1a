#include "parse/ocsf_dns_reader.hpp"

#include <cstdint>
#include <string>

#include "core/dns_rcode.hpp"
#include "core/json_escape.hpp"
#include "core/timestamp.hpp"

namespace dnslens {

namespace {

using namespace std::string_view_literals;
namespace dom = simdjson::dom;

// The string at a path of object keys; empty when a step is missing or not an object, or the value is
// not a string.
std::string_view text_at(dom::element e, std::initializer_list<std::string_view> path) {
  for (std::string_view key : path) {
    dom::object o;
    if (e.get_object().get(o) || o.at_key(key).get(e)) return {};
  }
  std::string_view s;
  return e.get_string().get(s) ? std::string_view{} : s;
}

bool int_at(dom::element e, std::initializer_list<std::string_view> path, std::int64_t& out) {
  for (std::string_view key : path) {
    dom::object o;
    if (e.get_object().get(o) || o.at_key(key).get(e)) return false;
  }
  return !e.get_int64().get(out);
}

// A JSON object appended to a string; each member knows whether it needs a comma.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  void text(std::string_view key, std::string_view value) {
    if (value.empty()) return;
    open(key) += '"';
    append_json_escaped_bytes(out_, value);
    out_ += '"';
  }
  std::string& open(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    append_json_escaped_bytes(out_, key);
    out_ += "\":";
    return out_;
  }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

// Route 53's firewall_rule_action for the event's disposition and action. Security Lake's version 2
// (and dnslens) write Alert 19, Blocked 2, Allowed 1 with a rule, No Action 16 without one; version 1
// wrote an ALERT as No Action with the rule group in unmapped. Anything else (99, Other) is the text
// as written.
std::string_view firewall_action(dom::element ev, bool has_rule) {
  std::int64_t disposition_id = -1, action_id = -1;
  int_at(ev, {"disposition_id"}, disposition_id);
  int_at(ev, {"action_id"}, action_id);
  const std::string_view disposition = text_at(ev, {"disposition"});
  if (disposition_id == 19 || disposition == "Alert"sv) return "ALERT";
  if (disposition_id == 2 || disposition == "Blocked"sv || action_id == 2) return "BLOCK";
  if (!has_rule) return {};
  if (disposition_id == 1 || disposition == "Allowed"sv) return "ALLOW";
  if (disposition_id == 16 || disposition == "No Action"sv) return "ALERT";
  if (disposition_id == 99 && !disposition.empty()) return disposition;
  // Global Resolver writes no disposition: Allowed (1) by the rule it names.
  if (disposition_id < 0 && disposition.empty() && action_id == 1) return "ALLOW";
  return {};
}

// Global Resolver's identifiers, from its enrichment named "global-resolver" (value: the resolver's id;
// data: the DNS view, the firewall rule that decided, and the access token the client used), as the
// record's fields of those names.
bool global_resolver_data(dom::element ev, std::string_view& resolver_id, dom::object& data) {
  dom::array enrichments;
  if (ev["enrichments"].get_array().get(enrichments)) return false;
  for (dom::element e : enrichments) {
    if (text_at(e, {"name"}) != "global-resolver"sv) continue;
    resolver_id = text_at(e, {"value"});
    return !e["data"].get_object().get(data);
  }
  return false;
}

constexpr std::string_view kGlobalResolverFields[] = {"dns_view_id", "firewall_rule_id", "token_id", "token_name",
                                                      "token_expiration"};

// A field the reader writes from the event's own attributes: every Route 53 field (unmapped's copies of
// some are read above, where the attribute is missing), and Global Resolver's ids when the event has
// its global-resolver enrichment. unmapped's other members are the record's fields OCSF has no place
// for (Global Resolver's ids among them, in an event dnslens wrote from such a record); one named like
// these is not copied, so unmapped cannot stand in for (or repeat) what the event says, such as its
// query name.
bool is_written_field(std::string_view key, bool resolver_ids_written) {
  if (is_route53_field(key)) return true;
  if (!resolver_ids_written) return false;
  if (key == "global_resolver_id"sv) return true;
  for (std::string_view k : kGlobalResolverFields)
    if (k == key) return true;
  return false;
}

}  // namespace

ParseOutcome OcsfDnsReader::to_route53(std::string_view line, std::string& out) {
  padded_.assign(line);
  padded_.resize(line.size() + simdjson::SIMDJSON_PADDING);
  dom::element ev;
  if (auto e = parser_.parse(padded_.data(), line.size(), false).get(ev)) {
    return ParseOutcome::failure(BadReason::kMalformedJson, {}, simdjson::error_message(e));
  }
  std::int64_t class_uid = 0;
  if (!int_at(ev, {"class_uid"}, class_uid)) return ParseOutcome::failure(BadReason::kWrongType, "class_uid");
  if (class_uid != 4003) {
    return ParseOutcome::failure(BadReason::kWrongType, "class_uid",
                                 "an OCSF event of another class than DNS Activity (4003)");
  }
  const std::string_view hostname = text_at(ev, {"query", "hostname"});
  if (hostname.empty()) return ParseOutcome::failure(BadReason::kMissingField, "query.hostname");

  out.clear();
  ObjectWriter w(out);
  // version: the log's, as Security Lake keeps it in metadata.product.version.
  w.text("version", text_at(ev, {"metadata", "product", "version"}));
  std::string_view account = text_at(ev, {"cloud", "account", "uid"});
  if (account.empty()) account = text_at(ev, {"cloud", "account_uid"});  // version 1 (OCSF 1.0.0-rc.2)
  w.text("account_id", account);
  w.text("region", text_at(ev, {"cloud", "region"}));
  std::string_view vpc = text_at(ev, {"src_endpoint", "vpc_uid"});
  if (vpc.empty()) vpc = text_at(ev, {"unmapped", "vpc_id"});  // no src_endpoint to hold it
  w.text("vpc_id", vpc);
  std::int64_t ms = 0;
  if (const std::string_view logged = text_at(ev, {"unmapped", "query_timestamp"}); !logged.empty()) {
    w.text("query_timestamp", logged);  // as logged, where that was not Route 53's usual form
  } else if (int_at(ev, {"time"}, ms)) {
    // Years 0000-9999, as an RFC 3339 time can say.
    if (ms < -62167219200000 || ms > 253402300799999)
      return ParseOutcome::failure(BadReason::kBadTimestamp, "time", "a time outside the years 0000-9999");
    // Whole seconds as Route 53 logs them ("...:55Z"); milliseconds only when there are some.
    std::string stamp = iso8601_seconds(ms);
    if (ms % 1000 != 0) {
      const auto milli = static_cast<unsigned>(((ms % 1000) + 1000) % 1000);
      const char fraction[4] = {'.', static_cast<char>('0' + milli / 100), static_cast<char>('0' + milli / 10 % 10),
                                static_cast<char>('0' + milli % 10)};
      stamp.insert(stamp.size() - 1, fraction, 4);
    }
    w.text("query_timestamp", stamp);
  } else if (const std::string_view dt = text_at(ev, {"time_dt"}); !dt.empty()) {
    w.text("query_timestamp", dt);
  } else {
    return ParseOutcome::failure(BadReason::kMissingField, "time");
  }
  w.text("query_name", hostname);
  w.text("query_type", text_at(ev, {"query", "type"}));
  w.text("query_class", text_at(ev, {"query", "class"}));
  std::int64_t rcode_id = -1;
  const DnsRcode* rcode = int_at(ev, {"rcode_id"}, rcode_id) && rcode_id >= 0 && rcode_id <= 65535
                              ? dns_rcode_by_id(static_cast<int>(rcode_id))
                              : nullptr;
  std::string_view rcode_text = text_at(ev, {"unmapped", "rcode"});
  if (rcode_text.empty()) rcode_text = rcode != nullptr ? rcode->iana : text_at(ev, {"rcode"});
  w.text("rcode", rcode_text);
  {
    std::string& o = w.open("answers");
    o += '[';
    dom::array answers;
    if (!ev["answers"].get_array().get(answers)) {
      bool first = true;
      for (dom::element a : answers) {
        if (!first) o += ',';
        first = false;
        ObjectWriter answer(o);
        answer.text("Rdata", text_at(a, {"rdata"}));
        answer.text("Type", text_at(a, {"type"}));
        answer.text("Class", text_at(a, {"class"}));
        answer.close();
      }
    }
    o += ']';
  }
  std::string_view srcaddr = text_at(ev, {"src_endpoint", "ip"});
  if (srcaddr.empty()) srcaddr = text_at(ev, {"unmapped", "srcaddr"});
  w.text("srcaddr", srcaddr);
  std::int64_t port = -1;
  if (int_at(ev, {"src_endpoint", "port"}, port))
    w.text("srcport", std::to_string(port));
  else
    w.text("srcport", text_at(ev, {"unmapped", "srcport"}));
  // Route 53 logs UDP/TCP; Global Resolver writes OCSF's lowercase.
  std::string_view transport = text_at(ev, {"connection_info", "protocol_name"});
  if (transport == "udp"sv) transport = "UDP";
  if (transport == "tcp"sv) transport = "TCP";
  w.text("transport", transport);
  const std::string_view instance = text_at(ev, {"src_endpoint", "instance_uid"});
  const std::string_view endpoint = text_at(ev, {"dst_endpoint", "instance_uid"});
  const std::string_view interface = text_at(ev, {"dst_endpoint", "interface_uid"});
  if (!instance.empty() || !endpoint.empty() || !interface.empty()) {
    ObjectWriter srcids(w.open("srcids"));
    srcids.text("instance", instance);
    srcids.text("resolver_endpoint", endpoint);
    srcids.text("resolver_network_interface", interface);
    srcids.close();
  }
  std::string_view rule_group = text_at(ev, {"firewall_rule", "uid"});
  if (rule_group.empty()) rule_group = text_at(ev, {"unmapped", "firewall_rule_group_id"});  // version 1
  const std::string_view domain_list = text_at(ev, {"unmapped", "firewall_domain_list_id"});
  std::string_view resolver_id, resolver_rule;
  dom::object resolver;
  const bool has_resolver_data = global_resolver_data(ev, resolver_id, resolver);
  if (has_resolver_data && resolver.at_key("firewall_rule_id").get_string().get(resolver_rule)) resolver_rule = {};
  std::string_view action = text_at(ev, {"unmapped", "firewall_rule_action"});
  if (action.empty())
    action = firewall_action(ev, !rule_group.empty() || !domain_list.empty() || !resolver_rule.empty());
  w.text("firewall_rule_action", action);
  w.text("firewall_rule_group_id", rule_group);
  w.text("firewall_domain_list_id", domain_list);
  w.text("global_resolver_id", resolver_id);
  if (has_resolver_data) {
    for (std::string_view key : kGlobalResolverFields) {
      std::string_view value;
      if (!resolver.at_key(key).get_string().get(value)) w.text(key, value);
    }
  }
  // The rest of unmapped: the record's fields OCSF has no place for, as dnslens writes them.
  dom::object unmapped;
  if (!ev["unmapped"].get_object().get(unmapped)) {
    for (dom::key_value_pair field : unmapped) {
      if (is_written_field(field.key, has_resolver_data || !resolver_id.empty())) continue;
      w.open(field.key) += simdjson::minify(field.value);
    }
  }
  w.close();
  return ParseOutcome::success();
}

}  // namespace dnslens
