#pragma once
// A query-log record as an Elastic Common Schema (ECS 8.11) document, the way Elastic's AWS
// integration (data stream aws.route53_resolver_logs) writes Route 53 Resolver query logs: the same
// fields with the same values, so its dashboards, detection rules and searches work on dnslens's
// output without an ingest pipeline. Added where ECS defines a place: dns.resolved_ip and, for a
// threat-intel hit, threat.enrichments[]. dnslens's other results, and the log fields Elastic drops
// (version, Resolver endpoint), go under the custom namespace dnslens.*. docs/OUTPUTS.md lists every
// field and its source.
#include <string>

#include "sinks/formats/record_format.hpp"

namespace dnslens {

[[nodiscard]] RecordFormat ecs_format();

// Appends one document and a newline.
void encode_ecs_document(const SinkRecord& record, OutputBuffer& out);

}  // namespace dnslens
