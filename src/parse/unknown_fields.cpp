#include "parse/unknown_fields.hpp"

#include <simdjson.h>

#include "core/json_escape.hpp"
#include "core/query_record.hpp"
#include "core/text.hpp"

namespace dnslens {

namespace {

// A value's JSON text as logged (an object or array whole; a scalar's token without the spaces after it).
simdjson::error_code raw_value(simdjson::ondemand::value value, std::string_view& text) {
  simdjson::ondemand::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object o;
    if (auto e = value.get_object().get(o)) return e;
    return o.raw_json().get(text);
  }
  if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array a;
    if (auto e = value.get_array().get(a)) return e;
    return a.raw_json().get(text);
  }
  text = trim_json_space(value.raw_json_token());
  return simdjson::SUCCESS;
}

}  // namespace

// Each member is copied as it was logged (the key's escapes, the value's text), so a value the DOM could
// not hold (an integer past 64 bits) is kept too. A line whose unknown members are not valid UTF-8 keeps
// them in the JSON lines only.
std::size_t append_unknown_fields(std::string& out, std::string_view line) {
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string padded;
  padded.assign(line);
  padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
  const std::size_t start = out.size();
  const auto give_up = [&] {
    out.resize(start);
    return std::size_t{0};
  };
  simdjson::ondemand::document doc;
  simdjson::ondemand::object fields;
  if (parser.iterate(padded.data(), line.size(), padded.size()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(fields) != simdjson::SUCCESS) {
    return 0;
  }
  std::size_t n = 0;
  for (auto member : fields) {
    simdjson::ondemand::field field;
    std::string_view key, value;
    if (std::move(member).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key) != simdjson::SUCCESS)
      return give_up();
    if (is_route53_field(key)) continue;
    if (raw_value(field.value(), value) != simdjson::SUCCESS) return give_up();
    if (n++ > 0) out += ',';
    out += '"';
    append_json_escaped_bytes(out, key);
    out += "\":";
    out += value;
  }
  if (n > 0 && !simdjson::validate_utf8(out.data() + start, out.size() - start)) return give_up();
  return n;
}

}  // namespace dnslens
