// libFuzzer target: hostile records through the enrichment and every detector. Each input line is
// either a raw JSON line (when it starts with '{') or a query name put into an otherwise valid
// Route 53 Resolver record, so the detectors see names of any bytes, lengths and label shapes
// rather than only parser rejections. The line's bytes also pick the query type, the source, the
// rcode and how far the clock moves (backwards too). State caps are tiny so eviction runs.
// Afterwards every finding is serialized and checked against the caps.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/json_escape.hpp"
#include "sinks/detection/detection_sink.hpp"
#include "sinks/jsonl/jsonl_sink.hpp"
#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "detect/engine/detector_set.hpp"
#include "detect/findings/finding.hpp"
#include "detect/findings/finding_store.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"
#include "pipeline/job.hpp"
#include "pipeline/record_processor.hpp"

namespace {

using namespace dnslens;

const PublicSuffixList& psl() {
  static const PublicSuffixList p = PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, PslScope::kIcannAndPrivate);
  return p;
}

DetectionConfig tiny_config() {
  DetectionConfig c;
  c.tunneling.min_queries = 3;
  c.tunneling.max_keys = 8;
  c.dga.max_keys = 8;
  c.beaconing.min_events = 3;
  c.beaconing.max_keys = 8;
  c.beaconing.max_timestamps = 8;
  c.beaconing.candidate_slots = 1024;  // 16 KB: full buckets and pushed-out candidates early
  c.tunneling.slow_max_keys = 8;
  c.log_gap.max_keys = 8;
  c.footprinting.max_keys = 8;
  c.anomaly.max_entities = 8;
  c.max_findings = 16;
  c.evidence_per_finding = 2;
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* kTypes[] = {"A", "AAAA", "TXT", "PTR", "CNAME", "NULL", "MX", "ANY"};
  static const char* kRcodes[] = {"NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED"};
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  Enrichers enrichers;
  enrichers.psl = &psl();
  enrichers.dga = &default_dga_model();
  enrichers.benign_noise = &BenignNoise::builtin();
  RecordProcessor processor(enrichers, 4096);
  // The enriched lines go through the JSON-lines sink too (to /dev/null): its encoder sees every record.
  JsonLinesSink json(JsonLinesConfig{.path = "/dev/null", .dir = {}, .compression = Compression::kNone, .run_id = {}});
  processor.add_sink(json, 0, 1);
  const DetectionConfig config = tiny_config();
  FindingStore store(config.max_findings, config.evidence_per_finding);
  DetectorSet detectors(config, store);
  DetectionSink detection(detectors);
  processor.add_sink(detection, 0, 1);

  // Two jobs: the detectors carry state across batches, as they do in a run.
  std::int64_t ts = 0;  // milliseconds since 2026-11-01T00:00:00Z, kept within 20 days
  std::size_t start = 0;
  for (int part = 0; part < 2; ++part) {
    const std::size_t stop = part == 0 ? start + (text.size() - start) / 2 : text.size();
    std::string lines;
    for (std::size_t p = start; p < stop;) {
      std::size_t nl = text.find('\n', p);
      if (nl == std::string_view::npos || nl > stop) nl = stop;
      const std::string_view line = text.substr(p, nl - p);
      p = nl + 1;
      if (!line.empty() && line.front() == '{') {
        lines.append(line);
        lines += '\n';
        continue;
      }
      const unsigned char k = line.empty() ? 0 : static_cast<unsigned char>(line.back());
      ts += (static_cast<std::int64_t>(k % 16) - 3) * 7919;  // mostly forward, sometimes back
      ts = std::clamp<std::int64_t>(ts, 0, 20LL * 86'400'000 - 1);
      const std::int64_t sec = ts / 1000;
      char when[40];
      const int n =
          std::snprintf(when, sizeof when, "2026-11-%02dT%02d:%02d:%02d.%03dZ", static_cast<int>(1 + sec / 86400),
                        static_cast<int>(sec / 3600 % 24), static_cast<int>(sec / 60 % 60), static_cast<int>(sec % 60),
                        static_cast<int>(ts % 1000));
      lines += R"({"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-)";
      lines += static_cast<char>('a' + k % 3);
      lines += R"(","query_timestamp":")";
      lines.append(when, static_cast<std::size_t>(n));
      lines += R"(","query_name":")";
      append_json_escaped(lines, line);  // bytes >= 0x80 pass as they are: invalid UTF-8 reaches the parser
      lines += R"(","query_type":")";
      lines += kTypes[k % 8];
      lines += R"(","query_class":"IN","rcode":")";
      lines += kRcodes[(k >> 3) % 4];
      lines += R"(","answers":[],"srcaddr":"10.0.0.)";
      lines += std::to_string(k % 5);
      lines += R"(","srcport":"5353","transport":"UDP","srcids":{"instance":"i-)";
      lines += std::to_string(k % 5);
      lines += "\"}}\n";
    }
    start = stop;
    Job job;
    job.size = lines.size();
    job.input.assign(lines.begin(), lines.end());
    job.input.resize(job.size + simdjson::SIMDJSON_PADDING, '\0');
    processor.process(job);
    const BatchOrigin origin{.input = std::string_view(job.input.data(), job.size),
                             .source = "fuzz",
                             .first_line = 1,
                             .envelopes = nullptr,
                             .firehose_request_id = {}};
    json.write(*job.sink_batches[0], origin);
    detection.write(*job.sink_batches[1], origin);
  }
  json.finish();
  detection.finish();

  const std::vector<Finding> findings = store.sorted();
  if (std::getenv("DETECT_FUZZ_VERBOSE") != nullptr) {  // to see what a seed reaches
    std::fprintf(stderr, "%zu findings, %zu in the store\n", findings.size(), store.size());
    for (const Finding& f : findings) std::fprintf(stderr, "%s\n", finding_to_json(f).c_str());
  }
  if (findings.size() > config.max_findings) std::abort();
  for (const Finding& f : findings) {
    if (f.evidence.size() > config.evidence_per_finding) std::abort();
    const std::string json = finding_to_json(f);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(json).get(doc) != simdjson::SUCCESS) {
      std::fprintf(stderr, "finding is not valid JSON: %s\n", json.c_str());
      std::abort();
    }
  }
  for (const DetectorStats& s : detectors.stats()) {
    if (s.keys > 64) std::abort();  // every cap above is 8; windows may hold a few keys per source
  }
  return 0;
}
