#pragma once
// One Route 53 Resolver query-log record as views into the parser's buffers: valid until the next
// record is parsed. Field names follow AWS's "Values that appear in VPC Resolver query logs".
#include <cstdint>
#include <string_view>
#include <vector>

namespace dnslens {

struct DnsAnswer {
  std::string_view rdata;
  std::string_view type;
  std::string_view klass;
};

// The top-level fields of a Route 53 Resolver query-log record that the record below holds; any other
// field of a line is unknown to dnslens (counted in unknown_fields, kept as logged where it can be).
inline constexpr std::string_view kRoute53Fields[] = {"version",
                                                      "account_id",
                                                      "region",
                                                      "vpc_id",
                                                      "query_timestamp",
                                                      "query_name",
                                                      "query_type",
                                                      "query_class",
                                                      "rcode",
                                                      "answers",
                                                      "srcaddr",
                                                      "srcport",
                                                      "transport",
                                                      "srcids",
                                                      "firewall_rule_action",
                                                      "firewall_rule_group_id",
                                                      "firewall_domain_list_id"};

[[nodiscard]] constexpr bool is_route53_field(std::string_view key) {
  for (std::string_view field : kRoute53Fields)
    if (field == key) return true;
  return false;
}

struct QueryRecord {
  std::string_view version;  // "1.100000" or a JSON number's text
  std::string_view account_id;
  std::string_view region;
  std::string_view vpc_id;
  std::string_view query_timestamp;
  std::int64_t timestamp_ms = 0;  // query_timestamp as Unix milliseconds (UTC)
  std::string_view query_name;
  std::string_view query_type;
  std::string_view query_class;
  std::string_view rcode;
  std::string_view srcaddr;
  std::string_view srcport;  // logged as a string; a JSON number's text is accepted too
  std::string_view transport;
  // srcids: exactly one of these is normally set.
  std::string_view instance;
  std::string_view resolver_endpoint;
  std::string_view resolver_network_interface;
  // DNS Firewall, present only when a rule matched.
  std::string_view firewall_rule_action;
  std::string_view firewall_rule_group_id;
  std::string_view firewall_domain_list_id;
  // Every answer of the record, in the first answer_count slots. The vector keeps its size from record
  // to record (one record per parser), so only a record with more answers than any before allocates.
  std::vector<DnsAnswer> answers = std::vector<DnsAnswer>(16);
  std::uint32_t answer_count = 0;
  std::uint32_t unknown_fields = 0;
  // When the line was an OCSF DNS Activity event: the Route 53 record it was read as (the fields above
  // point into it). Empty when the line is a Route 53 record itself.
  std::string_view converted_line;
  // Whether the line the fields were read from has a backslash: without one, every text field is its
  // bytes between quotes, already valid JSON string content. The parser sets it; true (escape every
  // field) for a record made otherwise.
  bool line_has_backslash = true;

  // Where the query came from: the instance, else the Resolver endpoint, else the source address.
  [[nodiscard]] std::string_view source() const {
    if (!instance.empty()) return instance;
    if (!resolver_endpoint.empty()) return resolver_endpoint;
    return srcaddr;
  }

  void add_answer(const DnsAnswer& answer) {
    if (answer_count == answers.size()) answers.resize(answers.size() * 2);
    answers[answer_count++] = answer;
  }

  // Resets every field; answers past answer_count are never read, so they are left as they are
  // (zeroing them costs more than the rest of the record's bookkeeping).
  // One store per field: a chained `a = b = {}` reads each view back right after writing it, and
  // that 16-byte load over two 8-byte stores stalled store forwarding, a seventh of the parse.
  void clear() {
    version = {};
    account_id = {};
    region = {};
    vpc_id = {};
    query_timestamp = {};
    timestamp_ms = 0;
    query_name = {};
    query_type = {};
    query_class = {};
    rcode = {};
    srcaddr = {};
    srcport = {};
    transport = {};
    instance = {};
    resolver_endpoint = {};
    resolver_network_interface = {};
    firewall_rule_action = {};
    firewall_rule_group_id = {};
    firewall_domain_list_id = {};
    answer_count = 0;
    unknown_fields = 0;
    converted_line = {};
    line_has_backslash = true;
  }
};

}  // namespace dnslens
