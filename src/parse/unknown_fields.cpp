#include "parse/unknown_fields.hpp"

#include <simdjson.h>

#include "core/json_escape.hpp"
#include "core/query_record.hpp"

namespace dnslens {

std::size_t append_unknown_fields(std::string& out, std::string_view line) {
  thread_local simdjson::dom::parser parser;
  thread_local std::string padded;
  padded.assign(line);
  padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::object fields;
  if (parser.parse(padded.data(), line.size(), false).get_object().get(fields)) return 0;
  std::size_t n = 0;
  for (simdjson::dom::key_value_pair field : fields) {
    if (is_route53_field(field.key)) continue;
    if (n++ > 0) out += ',';
    out += '"';
    append_json_escaped_bytes(out, field.key);
    out += "\":";
    out += simdjson::minify(field.value);
  }
  return n;
}

}  // namespace dnslens
