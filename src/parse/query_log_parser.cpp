#include "parse/query_log_parser.hpp"

#include "core/timestamp.hpp"

namespace dnslens {

namespace od = simdjson::ondemand;

namespace {

ParseOutcome from_simdjson(simdjson::error_code err, std::string_view field = {}) {
  switch (err) {
    case simdjson::UTF8_ERROR: return ParseOutcome::failure(BadReason::kInvalidUtf8, field, simdjson::error_message(err));
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
      return ParseOutcome::failure(BadReason::kWrongType, field, simdjson::error_message(err));
    default: return ParseOutcome::failure(BadReason::kMalformedJson, field, simdjson::error_message(err));
  }
}

inline bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A string field; JSON null counts as absent. Strings without backslashes are returned as views
// of the input (stage 1 already validated their UTF-8 and found their quotes): no copy. Strings
// with escapes go through simdjson's unescaper.
simdjson::error_code get_string(od::value& v, std::string_view& out, bool numbers_ok = false) {
  std::string_view tok = v.raw_json_token();
  while (!tok.empty() && is_json_space(tok.back())) tok.remove_suffix(1);
  if (tok.size() >= 2 && tok.front() == '"' && tok.back() == '"') {
    std::string_view content = tok.substr(1, tok.size() - 2);
    if (content.find('\\') == std::string_view::npos) {
      out = content;
      return simdjson::SUCCESS;
    }
    return v.get_string().get(out);
  }
  if (tok == "null") return simdjson::SUCCESS;
  if (numbers_ok && !tok.empty() && (tok.front() == '-' || (tok.front() >= '0' && tok.front() <= '9'))) {
    double d;  // validates the number syntax; the field keeps its logged text
    if (auto e = v.get_double().get(d)) return e;
    out = tok;
    return simdjson::SUCCESS;
  }
  if (!tok.empty() && tok.front() == '"') return v.get_string().get(out);  // reports the real error
  return simdjson::INCORRECT_TYPE;
}

// Fields AWS logs as strings but some producers write as numbers (version, srcport).
simdjson::error_code get_string_or_number(od::value& v, std::string_view& out) { return get_string(v, out, true); }

// An object key as a view of the input when it has no escapes (the common case), else unescaped.
simdjson::error_code get_key(od::field& field, const char* limit, std::string_view& out) {
  const char* k = field.key().raw();
  const char* q = k;
  while (q < limit && *q != '"' && *q != '\\') ++q;
  if (q < limit && *q == '"') {
    out = std::string_view(k, static_cast<std::size_t>(q - k));
    return simdjson::SUCCESS;
  }
  return field.unescaped_key().get(out);
}

ParseOutcome parse_srcids(od::value& v, const char* limit, QueryRecord& out) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return from_simdjson(e, "srcids");
  for (auto field_result : obj) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return from_simdjson(e, "srcids");
    std::string_view key;
    if (auto e = get_key(field, limit, key)) return from_simdjson(e, "srcids");
    od::value val = field.value();
    std::string_view* target = nullptr;
    if (key == "instance") target = &out.instance;
    else if (key == "resolver_endpoint") target = &out.resolver_endpoint;
    else if (key == "resolver_network_interface") target = &out.resolver_network_interface;
    if (target) {
      if (auto e = get_string(val, *target)) return from_simdjson(e, "srcids");
    } else {
      ++out.unknown_fields;
    }
  }
  return ParseOutcome::success();
}

ParseOutcome parse_answers(od::value& v, const char* limit, QueryRecord& out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return from_simdjson(e, "answers");
  if (t == od::json_type::null) return ParseOutcome::success();
  od::array arr;
  if (auto e = v.get_array().get(arr)) return from_simdjson(e, "answers");
  for (auto item_result : arr) {
    od::value item;
    if (auto e = std::move(item_result).get(item)) return from_simdjson(e, "answers");
    od::object obj;
    if (auto e = item.get_object().get(obj)) return from_simdjson(e, "answers");
    DnsAnswer answer;
    for (auto field_result : obj) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) return from_simdjson(e, "answers");
      std::string_view key;
      if (auto e = get_key(field, limit, key)) return from_simdjson(e, "answers");
      od::value val = field.value();
      std::string_view* target = nullptr;
      if (key == "Rdata") target = &answer.rdata;
      else if (key == "Type") target = &answer.type;
      else if (key == "Class") target = &answer.klass;
      if (target) {
        if (auto e = get_string(val, *target)) return from_simdjson(e, "answers");
      }
    }
    if (out.answer_count < QueryRecord::kMaxAnswers) out.answers[out.answer_count++] = answer;
    ++out.answers_total;
  }
  return ParseOutcome::success();
}

}  // namespace

ParseOutcome QueryLogParser::parse(std::string_view line, std::size_t capacity, QueryRecord& out) {
  out.clear();
  const char* const limit = line.data() + line.size();
  od::document doc;
  if (auto e = parser_.iterate(line.data(), line.size(), capacity).get(doc)) return from_simdjson(e);
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    if (e != simdjson::INCORRECT_TYPE) return from_simdjson(e);
    // Valid JSON that is not an object (an array, a string, a number) versus text that is not JSON.
    const char first = line.empty() ? '\0' : line.front();
    const bool json_value = first == '[' || first == '"' || first == '-' || (first >= '0' && first <= '9') ||
                            line == "true" || line == "false" || line == "null";
    return json_value ? ParseOutcome::failure(BadReason::kNotAnObject) : ParseOutcome::failure(BadReason::kMalformedJson);
  }
  for (auto field_result : obj) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return from_simdjson(e);
    std::string_view key;
    if (auto e = get_key(field, limit, key)) return from_simdjson(e);
    od::value val = field.value();
    std::string_view* target = nullptr;
    bool numeric_ok = false;
    // Dispatch on the first letter, then compare: keeps the common path to two compares.
    switch (key.empty() ? '\0' : key[0]) {
      case 'a':
        if (key == "account_id") target = &out.account_id;
        else if (key == "answers") {
          if (auto r = parse_answers(val, limit, out); !r.ok) return r;
          continue;
        }
        break;
      case 'f':
        if (key == "firewall_rule_action") target = &out.firewall_rule_action;
        else if (key == "firewall_rule_group_id") target = &out.firewall_rule_group_id;
        else if (key == "firewall_domain_list_id") target = &out.firewall_domain_list_id;
        break;
      case 'q':
        if (key == "query_timestamp") target = &out.query_timestamp;
        else if (key == "query_name") target = &out.query_name;
        else if (key == "query_type") target = &out.query_type;
        else if (key == "query_class") target = &out.query_class;
        break;
      case 'r':
        if (key == "rcode") target = &out.rcode;
        else if (key == "region") target = &out.region;
        break;
      case 's':
        if (key == "srcaddr") target = &out.srcaddr;
        else if (key == "srcport") { target = &out.srcport; numeric_ok = true; }
        else if (key == "srcids") {
          if (auto r = parse_srcids(val, limit, out); !r.ok) return r;
          continue;
        }
        break;
      case 't':
        if (key == "transport") target = &out.transport;
        break;
      case 'v':
        if (key == "version") { target = &out.version; numeric_ok = true; }
        else if (key == "vpc_id") target = &out.vpc_id;
        break;
      default: break;
    }
    if (target) {
      auto e = numeric_ok ? get_string_or_number(val, *target) : get_string(val, *target);
      if (e) return from_simdjson(e, key);
    } else {
      ++out.unknown_fields;
    }
  }
  // Anything after the object (a second object, garbage) makes the line malformed.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
    return ParseOutcome::failure(BadReason::kMalformedJson, {}, "trailing content after the JSON object");
  }
  if (out.query_name.empty()) return ParseOutcome::failure(BadReason::kMissingField, "query_name");
  if (out.query_timestamp.empty()) return ParseOutcome::failure(BadReason::kMissingField, "query_timestamp");
  auto ms = parse_iso8601_ms(out.query_timestamp);
  if (!ms) return ParseOutcome::failure(BadReason::kBadTimestamp, "query_timestamp");
  out.timestamp_ms = *ms;
  return ParseOutcome::success();
}

}  // namespace dnslens
