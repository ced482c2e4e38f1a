#pragma once
// A dnslens finding as an OCSF Detection Finding (class 2004, activity Create): what was found
// (finding_info: title, types, the analytic that found it, its MITRE ATT&CK technique, first and last
// seen), how sure and how bad (confidence, severity), who it is about (cloud account, the instance as a
// resource) and the query-log records behind it (evidences[]: each record's query and source, and the
// record itself as data). docs/OUTPUTS.md lists every attribute.
#include <string>
#include <string_view>

#include "detect/findings/finding.hpp"

namespace dnslens {

// Appends one event (no newline); schema_version "1.1.0" or "1.5.0" is written as metadata.version.
void encode_ocsf_detection_finding(const Finding& finding, std::string_view schema_version, std::string& out);

// The OCSF schema version of an output format name ("ocsf-1.1" -> "1.1.0"), empty for other formats.
[[nodiscard]] std::string_view ocsf_schema_version(std::string_view format_name);

}  // namespace dnslens
