#pragma once
// Reads an OCSF DNS Activity event (class 4003) as the Route 53 Resolver query-log record it describes:
// the inverse of dnslens's OCSF output and of AWS's mapping for Security Lake (source version 2, OCSF
// 1.1.0 / 1.5.0, as CloudWatch Logs' parseToOCSF writes it too) and its version 1 (OCSF 1.0.0-rc.2), and
// Route 53 Global Resolver's own query logs (OCSF 1.2.0: its resolver, DNS view, firewall rule and access
// token ids become the record's fields global_resolver_id, dns_view_id, firewall_rule_id, token_*).
// The result is a Route 53 JSON line, which the query-log parser then reads like any other, so
// everything downstream works on OCSF input unchanged.
#include <string>
#include <string_view>

#include <simdjson.h>

#include "parse/query_log_parser.hpp"

namespace dnslens {

class OcsfDnsReader {
 public:
  // Writes the Route 53 line for the event in `line` to out (replacing it). A line that is not an OCSF
  // DNS Activity event, or lacks what a query-log record needs, is a failure naming the attribute.
  [[nodiscard]] ParseOutcome to_route53(std::string_view line, std::string& out);

 private:
  simdjson::dom::parser parser_;
  std::string padded_;
};

}  // namespace dnslens
