#pragma once
// The enriched JSON line: the record's original bytes (unknown fields survive byte for byte), then
// isMatchedDomain, the normalised name and its parts, the threat-intel fields when an indicator
// matched, the simulated DNS Firewall fields when a policy is loaded, the name signals when computed,
// and tld_valid. The one place these fields are spelled for JSON output.
#include <string>
#include <string_view>

#include "core/enriched_record.hpp"
#include "sinks/formats/record_format.hpp"

namespace dnslens {

// Appends the enriched form of one record (line: its bytes as read, a JSON object) and a newline.
void encode_enriched_line(std::string_view line, const EnrichedRecord& enriched, OutputBuffer& out);

// The route53 output format: the enriched lines above.
[[nodiscard]] RecordFormat route53_format();

}  // namespace dnslens
