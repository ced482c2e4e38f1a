// libFuzzer target: the query-log parser on arbitrary bytes (one line, padded as the pipeline does).
#include <cstdint>
#include <string>

#include "parse/query_log_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static dnslens::QueryLogParser parser;
  std::string buf(reinterpret_cast<const char*>(data), size);
  buf.append(simdjson::SIMDJSON_PADDING, '\0');
  dnslens::QueryRecord record;
  auto outcome = parser.parse(std::string_view(buf.data(), size), buf.size(), record);
  if (outcome.ok && record.query_name.empty()) __builtin_trap();  // success implies the required fields
  return 0;
}
