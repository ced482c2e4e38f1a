#pragma once
// A query-log record as an OCSF DNS Activity event (class 4003, activity Traffic), the way AWS
// Security Lake renders Route 53 Resolver query logs (source version 2) and CloudWatch Logs'
// parseToOCSF writes them: the AWS fields in their OCSF places, the DNS Firewall action as
// action/disposition, observables for the names, addresses and resource ids. dnslens's own results
// (registered domain, threat-intel hit, name signals, simulated firewall verdict) go in enrichments[],
// where OCSF puts data added by another source. docs/OUTPUTS.md lists every attribute and its source.
#include <string>
#include <string_view>

#include "sinks/formats/record_format.hpp"

namespace dnslens {

// The OCSF versions dnslens writes; the encoding differs only in metadata.version (their DNS Activity
// attributes used here are the same), and each version's lines are validated against its own schema.
[[nodiscard]] RecordFormat ocsf_1_1_format();
[[nodiscard]] RecordFormat ocsf_1_5_format();

// Appends one event and a newline; schema_version is written as metadata.version.
void encode_ocsf_dns_activity(const SinkRecord& record, std::string_view schema_version, OutputBuffer& out);

// OCSF's response-code id for a Route 53 rcode text (NOERROR, NXDOMAIN, ...), and that id's caption;
// 99 (Other) for a code outside the IANA table OCSF lists.
struct OcsfRcode {
  int id;
  std::string_view caption;
};
[[nodiscard]] OcsfRcode ocsf_rcode(std::string_view rcode);

}  // namespace dnslens
