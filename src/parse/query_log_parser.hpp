#pragma once
// The one Route 53 Resolver query-log parser. Every source (files, CloudWatch, Firehose) hands it
// single JSON objects. Field order is free, unknown fields are counted and left in the raw bytes
// (sinks copy those bytes, so nothing is lost). One parser per thread; steady state allocates nothing.
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

  static ParseOutcome success() { return {}; }
  static ParseOutcome failure(BadReason r, std::string_view f = {}, std::string_view d = {}) {
    return ParseOutcome{false, r, f, d};
  }
};

class QueryLogParser {
 public:
  // `line` must be followed by at least simdjson::SIMDJSON_PADDING readable bytes
  // (capacity counts from line.data()).
  [[nodiscard]] ParseOutcome parse(std::string_view line, std::size_t capacity, QueryRecord& out);

 private:
  simdjson::ondemand::parser parser_;
  TimestampParser timestamps_;
};

}  // namespace dnslens
