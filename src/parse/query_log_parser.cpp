#include "parse/query_log_parser.hpp"

#include <cstring>

#include "core/text.hpp"
#include "core/timestamp.hpp"
#include "parse/ocsf_dns_reader.hpp"

namespace dnslens {

namespace od = simdjson::ondemand;

namespace {

ParseOutcome from_simdjson(simdjson::error_code err, std::string_view field = {}) {
  switch (err) {
    case simdjson::UTF8_ERROR:
      return ParseOutcome::failure(BadReason::kInvalidUtf8, field, simdjson::error_message(err));
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
      return ParseOutcome::failure(BadReason::kWrongType, field, simdjson::error_message(err));
    default:
      return ParseOutcome::failure(BadReason::kMalformedJson, field, simdjson::error_message(err));
  }
}

// A string field; JSON null counts as absent. Strings without backslashes are returned as views
// of the input (stage 1 already validated their UTF-8 and found their quotes): no copy. Strings
// with escapes go through simdjson's unescaper.
// numbers_ok: fields AWS logs as strings but some producers write as numbers (version, srcport).
// escapes_possible: the line has a backslash somewhere (checked once per line, not per field).
simdjson::error_code get_string(od::value& v, std::string_view& out, bool escapes_possible, bool numbers_ok = false) {
  std::string_view tok = v.raw_json_token();
  while (!tok.empty() && is_json_space(tok.back())) tok.remove_suffix(1);
  if (tok.size() >= 2 && tok.front() == '"' && tok.back() == '"') {
    std::string_view content = tok.substr(1, tok.size() - 2);
    if (!escapes_possible || content.find('\\') == std::string_view::npos) {
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

// Fields are used in place (field_result.value_unsafe(), field.value() by reference): copying the
// iterator structs right after simdjson built them costs a store-forwarding stall per field, which
// measured as a quarter of the parse time.
//
// An object key as a view of the input, found backwards from the value (past the ':' and the closing
// quote, usually two steps) instead of scanning the key. The view may still hold escapes: every key
// dnslens knows is plain, so a raw key that matches one is exact, and only a key that matches none
// needs unescaped_key() (see unescaped_if_needed) before it is called unknown.
std::string_view raw_key(od::field& field) {
  const char* k = field.key().raw();
  const char* q = field.value().raw_json_token().data() - 1;
  while (q > k && *q != ':') --q;
  --q;
  while (q > k && *q != '"') --q;
  return std::string_view(k, static_cast<std::size_t>(q > k ? q - k : 0));
}

// For a key that matched nothing: its unescaped form when the raw form has escapes, else empty.
simdjson::error_code unescaped_if_needed(od::field& field, std::string_view raw, std::string_view& out) {
  out = {};
  if (raw.find('\\') == std::string_view::npos) return simdjson::SUCCESS;
  return field.unescaped_key().get(out);
}

enum class Slot { kString, kStringOrNumber, kAnswers, kSrcids, kOcsf, kUnknown };

// Where a top-level key goes. Dispatch on the first letter, then compare.
Slot top_level_slot(std::string_view key, QueryRecord& out, std::string_view*& target) {
  switch (key.empty() ? '\0' : key[0]) {
    case 'a':
      if (key == "account_id") return target = &out.account_id, Slot::kString;
      if (key == "answers") return Slot::kAnswers;
      break;
    case 'c':
      if (key == "class_uid") return Slot::kOcsf;  // an OCSF event
      break;
    case 'f':
      if (key == "firewall_rule_action") return target = &out.firewall_rule_action, Slot::kString;
      if (key == "firewall_rule_group_id") return target = &out.firewall_rule_group_id, Slot::kString;
      if (key == "firewall_domain_list_id") return target = &out.firewall_domain_list_id, Slot::kString;
      break;
    case 'q':
      if (key == "query_timestamp") return target = &out.query_timestamp, Slot::kString;
      if (key == "query_name") return target = &out.query_name, Slot::kString;
      if (key == "query_type") return target = &out.query_type, Slot::kString;
      if (key == "query_class") return target = &out.query_class, Slot::kString;
      break;
    case 'r':
      if (key == "rcode") return target = &out.rcode, Slot::kString;
      if (key == "region") return target = &out.region, Slot::kString;
      break;
    case 's':
      if (key == "srcaddr") return target = &out.srcaddr, Slot::kString;
      if (key == "srcport") return target = &out.srcport, Slot::kStringOrNumber;
      if (key == "srcids") return Slot::kSrcids;
      break;
    case 't':
      if (key == "transport") return target = &out.transport, Slot::kString;
      break;
    case 'v':
      if (key == "version") return target = &out.version, Slot::kStringOrNumber;
      if (key == "vpc_id") return target = &out.vpc_id, Slot::kString;
      break;
    default:
      break;
  }
  return Slot::kUnknown;
}

// Where an id of an array-shaped srcids goes, by its AWS prefix; nullptr for an id of no known kind.
std::string_view* srcid_slot(std::string_view id, QueryRecord& out) {
  if (id.starts_with("i-")) return &out.instance;
  if (id.starts_with("rslvr-")) return &out.resolver_endpoint;
  if (id.starts_with("rni-")) return &out.resolver_network_interface;
  return nullptr;
}

// srcids as Route 53 logs it, an object of named ids, or as the format's first version did in AWS's own
// sample record (version 1.000000: "srcids":["i-0f19ert0572c3c54a"]), an array of ids, placed by their
// prefix (i- an instance, rslvr- a Resolver endpoint, rni- its network interface; the JSON-lines output
// keeps the array as logged, the other outputs carry the placed ids only: an id of no known kind, or a
// second of one kind, has no column there). null is no ids.
ParseOutcome parse_srcids(od::value& v, bool escapes, QueryRecord& out) {
  od::json_type type;
  if (auto e = v.type().get(type)) return from_simdjson(e, "srcids");
  if (type == od::json_type::null) return ParseOutcome::success();
  if (type == od::json_type::array) {
    od::array arr;
    if (auto e = v.get_array().get(arr)) return from_simdjson(e, "srcids");
    for (auto item_result : arr) {
      od::value item;
      if (auto e = std::move(item_result).get(item)) return from_simdjson(e, "srcids");
      std::string_view id;
      if (auto e = get_string(item, id, escapes)) return from_simdjson(e, "srcids");
      std::string_view* target = srcid_slot(id, out);
      if (target != nullptr && target->empty()) *target = id;
    }
    return ParseOutcome::success();
  }
  od::object obj;
  if (auto e = v.get_object().get(obj)) return from_simdjson(e, "srcids");
  for (auto field_result : obj) {
    if (auto e = field_result.error()) return from_simdjson(e, "srcids");
    od::field& field = field_result.value_unsafe();  // no copy: see raw_key
    std::string_view key = raw_key(field);
    od::value& val = field.value();
    std::string_view* target = nullptr;
    for (int attempt = 0; attempt < 2 && target == nullptr; ++attempt) {
      if (key == "instance")
        target = &out.instance;
      else if (key == "resolver_endpoint")
        target = &out.resolver_endpoint;
      else if (key == "resolver_network_interface")
        target = &out.resolver_network_interface;
      else if (attempt == 0) {
        if (auto e = unescaped_if_needed(field, key, key)) return from_simdjson(e, "srcids");
        if (key.empty()) break;
      }
    }
    if (target) {
      if (auto e = get_string(val, *target, escapes)) return from_simdjson(e, "srcids");
    } else {
      ++out.unknown_fields;
    }
  }
  return ParseOutcome::success();
}

ParseOutcome parse_answers(od::value& v, bool escapes, QueryRecord& out) {
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
      if (auto e = field_result.error()) return from_simdjson(e, "answers");
      od::field& field = field_result.value_unsafe();  // no copy: see raw_key
      std::string_view key = raw_key(field);
      od::value& val = field.value();
      std::string_view* target = nullptr;
      for (int attempt = 0; attempt < 2 && target == nullptr; ++attempt) {
        if (key == "Rdata")
          target = &answer.rdata;
        else if (key == "Address" && answer.rdata.empty())  // the format's first version (1.000000)
          target = &answer.rdata;
        else if (key == "Type")
          target = &answer.type;
        else if (key == "Class")
          target = &answer.klass;
        else if (attempt == 0) {
          if (auto e = unescaped_if_needed(field, key, key)) return from_simdjson(e, "answers");
          if (key.empty()) break;
        }
      }
      if (target) {
        if (auto e = get_string(val, *target, escapes)) return from_simdjson(e, "answers");
      }
    }
    out.add_answer(answer);
  }
  return ParseOutcome::success();
}

}  // namespace

QueryLogParser::QueryLogParser() = default;
QueryLogParser::~QueryLogParser() = default;
QueryLogParser::QueryLogParser(QueryLogParser&&) noexcept = default;
QueryLogParser& QueryLogParser::operator=(QueryLogParser&&) noexcept = default;

ParseOutcome QueryLogParser::parse_ocsf(std::string_view line, QueryRecord& out) {
  if (!ocsf_) ocsf_ = std::make_unique<OcsfDnsReader>();
  if (ParseOutcome r = ocsf_->to_route53(line, converted_); !r.ok) return r;
  const std::size_t size = converted_.size();
  converted_.resize(size + simdjson::SIMDJSON_PADDING);
  reading_converted_ = true;
  ParseOutcome r = parse(std::string_view(converted_.data(), size), converted_.size(), out);
  reading_converted_ = false;
  out.converted_line = std::string_view(converted_.data(), size);
  return r;
}

ParseOutcome QueryLogParser::parse(std::string_view line, std::size_t capacity, QueryRecord& out) {
  out.clear();
  const bool escapes = std::memchr(line.data(), '\\', line.size()) != nullptr;
  out.line_has_backslash = escapes;
  od::document doc;
  if (auto e = parser_.iterate(line.data(), line.size(), capacity).get(doc)) return from_simdjson(e);
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    if (e != simdjson::INCORRECT_TYPE) return from_simdjson(e);
    // Valid JSON that is not an object (an array, a string, a number) versus text that is not JSON.
    const char first = line.empty() ? '\0' : line.front();
    const bool json_value = first == '[' || first == '"' || first == '-' || (first >= '0' && first <= '9') ||
                            line == "true" || line == "false" || line == "null";
    return json_value ? ParseOutcome::failure(BadReason::kNotAnObject)
                      : ParseOutcome::failure(BadReason::kMalformedJson);
  }
  for (auto field_result : obj) {
    if (auto e = field_result.error()) return from_simdjson(e);
    od::field& field = field_result.value_unsafe();  // no copy: see raw_key
    std::string_view key = raw_key(field);
    od::value& val = field.value();
    std::string_view* target = nullptr;
    Slot slot = top_level_slot(key, out, target);
    if (slot == Slot::kUnknown) {
      if (auto e = unescaped_if_needed(field, key, key)) return from_simdjson(e);
      if (!key.empty()) slot = top_level_slot(key, out, target);
    }
    switch (slot) {
      case Slot::kString:
      case Slot::kStringOrNumber:
        if (auto e = get_string(val, *target, escapes, slot == Slot::kStringOrNumber)) return from_simdjson(e, key);
        break;
      case Slot::kAnswers:
        if (auto r = parse_answers(val, escapes, out); !r.ok) return r;
        break;
      case Slot::kSrcids:
        if (auto r = parse_srcids(val, escapes, out); !r.ok) return r;
        break;
      case Slot::kOcsf: {
        // An OCSF event has an integer class_uid; anything else is a record's unknown field.
        od::json_type type;
        if (!reading_converted_ && !val.type().get(type) && type == od::json_type::number) return parse_ocsf(line, out);
        ++out.unknown_fields;
        break;
      }
      case Slot::kUnknown:
        ++out.unknown_fields;
        break;
    }
  }
  // Anything after the object (a second object, garbage) makes the line malformed.
  // After the object: nothing, or another object (records concatenated without a delimiter); anything
  // else makes the line malformed.
  const char* rest = nullptr;
  std::size_t next = 0;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
    if (rest == nullptr || rest < line.data() || rest >= line.data() + line.size() || *rest != '{') {
      return ParseOutcome::failure(BadReason::kMalformedJson, {}, "trailing content after the JSON object");
    }
    next = static_cast<std::size_t>(rest - line.data());
  }
  ParseOutcome outcome = ParseOutcome::success();
  if (out.query_name.empty()) {
    outcome = ParseOutcome::failure(BadReason::kMissingField, "query_name");
  } else if (out.query_timestamp.empty()) {
    outcome = ParseOutcome::failure(BadReason::kMissingField, "query_timestamp");
  } else if (auto ms = timestamps_.parse_ms(out.query_timestamp)) {
    out.timestamp_ms = *ms;
  } else {
    outcome = ParseOutcome::failure(BadReason::kBadTimestamp, "query_timestamp");
  }
  outcome.next = next;
  return outcome;
}

}  // namespace dnslens
