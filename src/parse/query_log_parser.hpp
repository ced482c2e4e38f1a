#pragma once
// The one Route 53 Resolver query-log parser. Every source (files, CloudWatch, Firehose) hands it
// single JSON objects. Field order is free, unknown fields are counted and left in the raw bytes
// (sinks copy those bytes, so nothing is lost). One parser per thread; steady state allocates nothing.
#include <memory>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/bad_reason.hpp"
#include "core/timestamp.hpp"
#include "core/query_record.hpp"

namespace dnslens {

struct ParseOutcome {
  bool ok = true;
  BadReason reason = BadReason::kMalformedJson;
  std::string_view field;   // which field was missing / mistyped, when known
  std::string_view detail;  // simdjson's message, when it failed
  // Where another JSON object begins in the line, after this record's (0: none). Firehose writes the
  // records it delivers to S3 one after another without a delimiter ({...}{...}); each is a record.
  std::size_t next = 0;

  static ParseOutcome success() { return {}; }
  static ParseOutcome failure(BadReason r, std::string_view f = {}, std::string_view d = {}) {
    return ParseOutcome{false, r, f, d};
  }
};

class OcsfDnsReader;

class QueryLogParser {
 public:
  QueryLogParser();
  ~QueryLogParser();
  QueryLogParser(QueryLogParser&&) noexcept;
  QueryLogParser& operator=(QueryLogParser&&) noexcept;

  // `line` must be followed by at least simdjson::SIMDJSON_PADDING readable bytes
  // (capacity counts from line.data()).
  // An OCSF DNS Activity event (a line with a top-level class_uid) is read as the Route 53 record it
  // describes (parse/ocsf_dns_reader.hpp): out.converted_line is that record, and out's fields point
  // into it.
  [[nodiscard]] ParseOutcome parse(std::string_view line, std::size_t capacity, QueryRecord& out);

 private:
  ParseOutcome parse_ocsf(std::string_view line, QueryRecord& out);

  simdjson::ondemand::parser parser_;
  TimestampParser timestamps_;
  std::unique_ptr<OcsfDnsReader> ocsf_;  // made on the first OCSF line
  std::string converted_;                // the Route 53 line of the last OCSF event
  bool reading_converted_ = false;
};

}  // namespace dnslens
