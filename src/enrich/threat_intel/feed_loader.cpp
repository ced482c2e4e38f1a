#include "enrich/threat_intel/feed_loader.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/dns_name.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "enrich/registered_domain/punycode.hpp"
#include "io/read_file.hpp"

namespace dnslens {

namespace {

// STIX bundles and MISP exports are JSON documents; a file that is not JSON is not the feed it claims.
simdjson::dom::element parse_feed_json(simdjson::dom::parser& parser, std::string_view text, const std::string& path) {
  simdjson::dom::element root;
  if (auto e = parser.parse(text.data(), text.size(), true).get(root)) {
    throw Error(ErrorCode::kConfig, fmt::format("{}: not valid JSON: {}", path, simdjson::error_message(e)));
  }
  return root;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

// Feeds often "defang" indicators so nobody clicks them: hxxp://evil[.]com, 1.2.3[.]4.
std::string refang(std::string_view s) {
  const bool hxxp = s.size() >= 4 && (s[0] == 'h' || s[0] == 'H') && (s[1] == 'x' || s[1] == 'X');
  if (!hxxp && s.find_first_of("[({") == std::string_view::npos) return std::string(s);  // the usual case
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 3, "[.]") == 0 || s.compare(i, 3, "(.)") == 0 || s.compare(i, 3, "{.}") == 0) {
      out += '.';
      i += 2;
    } else if (s.compare(i, 3, "[:]") == 0) {
      out += ':';
      i += 2;
    } else if (s.compare(i, 5, "[dot]") == 0) {
      out += '.';
      i += 4;
    } else {
      out += s[i];
    }
  }
  if (out.size() >= 4 && (lower(out.substr(0, 4)) == "hxxp")) out.replace(0, 4, "http");
  return out;
}

// The host of a URL: after "scheme://" and any userinfo, before port, path, query or fragment.
std::string_view url_host(std::string_view url) {
  auto scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    return close == std::string_view::npos ? std::string_view{} : rest.substr(1, close - 1);
  }
  if (auto colon = rest.find(':'); colon != std::string_view::npos) rest = rest.substr(0, colon);
  return rest;
}

int confidence_from_text(std::string_view text, int fallback) {
  text = trim_json_space(text);
  if (text.empty()) return fallback;
  std::string l = lower(text);
  if (l == "high") return 90;
  if (l == "medium" || l == "med") return 60;
  if (l == "low") return 30;
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0) return fallback;
  // A fraction (0.85) is scaled to 0..100; anything above 100 is clamped.
  if (v <= 1.0 && text.find('.') != std::string_view::npos) v *= 100;
  return static_cast<int>(std::min(v, 100.0) + 0.5);
}

struct Problems {
  FeedReport& report;
  const std::string& path;
  void reject(std::string_view where, std::string_view reason) {
    ++report.rejected;
    if (report.problems.size() < FeedReport::kMaxProblems) {
      report.problems.push_back(fmt::format("{}:{}: {}", path, where, reason));
    }
  }
};

void add_entry(const FeedSpec& spec, const PublicSuffixList& psl, ThreatIntel& intel, Problems& problems,
               std::string_view where, std::string_view value, std::string_view type_hint, IndicatorInput meta) {
  IndicatorInput in = std::move(meta);
  if (auto why = classify_indicator(value, type_hint, psl, in)) {
    problems.reject(where, fmt::format("'{}': {}", std::string(value.substr(0, 200)), *why));
    return;
  }
  if (in.confidence < 0) in.confidence = spec.default_confidence;
  if (in.actor.empty()) in.actor = spec.default_actor;
  if (in.threat.empty()) in.threat = spec.default_threat;
  if (!intel.add(in)) {
    problems.reject(where, fmt::format("'{}': not a usable indicator", std::string(value.substr(0, 200))));
    return;
  }
  ++problems.report.loaded;
}

bool is_hosts_address(std::string_view t) {
  return t == "0.0.0.0" || t == "127.0.0.1" || t == "::" || t == "::1" || t == "0" || t == "255.255.255.255";
}

bool is_hosts_placeholder(std::string_view t) {
  return t == "localhost" || t == "localhost.localdomain" || t == "local" || t == "broadcasthost" ||
         t.substr(0, 4) == "ip6-" || t == "0.0.0.0";
}

// One indicator per line, or hosts-file lines ("0.0.0.0 evil.com other.com"); '#' starts a comment.
void load_list(const FeedSpec& spec, std::string_view text, const PublicSuffixList& psl, ThreatIntel& intel,
               Problems& problems) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::string_view line = take_line(text);
    ++line_no;
    if (auto hash = line.find('#');
        hash != std::string_view::npos && (hash == 0 || line[hash - 1] == ' ' || line[hash - 1] == '\t')) {
      line = line.substr(0, hash);
    }
    line = trim_json_space(line);
    if (line.empty() || line.front() == '!' || line.front() == ';') continue;  // adblock / zone comments
    std::vector<std::string_view> tokens;
    std::size_t pos = 0;
    while (pos < line.size()) {
      while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
      std::size_t end = pos;
      while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
      if (end > pos) tokens.push_back(line.substr(pos, end - pos));
      pos = end;
    }
    const std::string where = std::to_string(line_no);
    if (tokens.size() >= 2 && is_hosts_address(tokens[0])) {
      for (std::size_t i = 1; i < tokens.size(); ++i) {
        if (!is_hosts_placeholder(tokens[i])) add_entry(spec, psl, intel, problems, where, tokens[i], {}, {});
      }
    } else if (tokens.size() == 1) {
      add_entry(spec, psl, intel, problems, where, tokens[0], {}, {});
    } else {
      problems.reject(where, "expected one indicator per line or a hosts-file line");
    }
  }
}

// RFC 4180: fields separated by commas, optionally quoted with "" as an escaped quote; a quoted
// field may span lines. Returns false at the end of the text.
bool next_csv_record(std::string_view& text, std::vector<std::string>& fields, std::size_t& line_no) {
  fields.clear();
  if (text.empty()) return false;
  ++line_no;
  std::string field;
  bool quoted = false;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line_no;
        field += c;
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  text = i < text.size() ? text.substr(i + 1) : std::string_view{};
  return true;
}

const std::vector<std::pair<std::string, std::vector<std::string>>>& csv_field_aliases() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> aliases = {
      {"indicator", {"indicator", "ioc", "value", "observable", "domain", "ip", "url", "host", "hostname"}},
      {"type", {"type", "indicator_type", "ioc_type", "kind"}},
      {"confidence", {"confidence", "malicious_confidence", "score", "confidence_score"}},
      {"actor", {"actor", "threat_actor", "actors", "adversary", "group"}},
      {"threat", {"threat", "threat_type", "category", "malware_family", "malware", "labels", "tags"}},
      {"source", {"source", "provider", "reporter"}},
      {"first_seen", {"first_seen", "firstseen", "first_seen_utc", "created", "date_added"}},
      {"last_seen", {"last_seen", "lastseen", "last_seen_utc", "last_updated", "modified"}},
  };
  return aliases;
}

void load_csv(const FeedSpec& spec, std::string_view text, const PublicSuffixList& psl, ThreatIntel& intel,
              Problems& problems) {
  std::vector<std::string> header;
  std::size_t line_no = 0;
  // Skip leading '#' comment lines (abuse.ch style) before the header.
  while (!text.empty() && text.front() == '#') {
    (void)take_line(text);
    ++line_no;
  }
  if (!next_csv_record(text, header, line_no)) throw Error(ErrorCode::kConfig, problems.path + ": empty CSV feed");
  std::map<std::string, int> column;
  for (const auto& [field, names] : csv_field_aliases()) {
    auto configured = spec.columns.find(field);
    for (std::size_t c = 0; c < header.size(); ++c) {
      std::string h = lower(trim_json_space(header[c]));
      if (!h.empty() && h.front() == '#') h = std::string(trim_json_space(std::string_view(h).substr(1)));
      const bool hit = configured != spec.columns.end() ? h == lower(configured->second)
                                                        : std::find(names.begin(), names.end(), h) != names.end();
      if (hit) {
        column[field] = static_cast<int>(c);
        break;
      }
    }
    if (configured != spec.columns.end() && !column.contains(field)) {
      throw Error(ErrorCode::kConfig, fmt::format("{}: feed '{}': no column '{}' (for {}) in the header", problems.path,
                                                  spec.name, configured->second, field));
    }
  }
  if (!column.contains("indicator")) {
    throw Error(ErrorCode::kConfig, fmt::format("{}: feed '{}': no indicator column in the CSV header (set one with "
                                                "columns.indicator)",
                                                problems.path, spec.name));
  }
  auto get = [&](const std::vector<std::string>& row, const char* field) -> std::string_view {
    auto it = column.find(field);
    if (it == column.end() || static_cast<std::size_t>(it->second) >= row.size()) return {};
    return trim_json_space(row[static_cast<std::size_t>(it->second)]);
  };
  std::vector<std::string> row;
  while (true) {
    const std::size_t start_line = line_no + 1;
    if (!next_csv_record(text, row, line_no)) break;
    if (row.size() == 1 && trim_json_space(row[0]).empty()) continue;
    if (!row.empty() && !row[0].empty() && row[0][0] == '#') continue;
    IndicatorInput meta;
    meta.confidence = confidence_from_text(get(row, "confidence"), -1);
    meta.actor = std::string(get(row, "actor"));
    meta.threat = std::string(get(row, "threat"));
    meta.source = std::string(get(row, "source"));
    meta.first_seen = std::string(get(row, "first_seen"));
    meta.last_seen = std::string(get(row, "last_seen"));
    std::string_view value = get(row, "indicator");
    if (value.empty()) {
      problems.reject(std::to_string(start_line), "empty indicator column");
      continue;
    }
    add_entry(spec, psl, intel, problems, std::to_string(start_line), value, get(row, "type"), std::move(meta));
  }
}

std::string_view json_type_name(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
    default:
      return "a number";
  }
}

std::string_view str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) return {};
  return v;
}

// The comparisons of a STIX pattern dnslens can match: <object>:value = '<text>' (or ISSUBSET
// for address ranges), for domain-name, ipv4-addr, ipv6-addr and url objects.
struct StixComparison {
  std::string object;
  std::string value;
};

std::optional<std::string> stix_comparisons(std::string_view pattern, std::vector<StixComparison>& out) {
  out.clear();
  if (pattern.find(" AND ") != std::string_view::npos || pattern.find(" FOLLOWEDBY ") != std::string_view::npos) {
    return "AND / FOLLOWEDBY patterns are not supported (each comparison would match alone)";
  }
  std::size_t pos = 0;
  while (true) {
    auto colon = pattern.find(":value", pos);
    if (colon == std::string_view::npos) break;
    std::size_t start = colon;
    while (start > 0 && pattern[start - 1] != '[' && pattern[start - 1] != ' ' && pattern[start - 1] != '(') --start;
    std::string object(pattern.substr(start, colon - start));
    std::size_t p = colon + 6;
    while (p < pattern.size() && pattern[p] == ' ') ++p;
    bool op_ok = false;
    if (pattern.compare(p, 1, "=") == 0) {
      op_ok = true;
      p += 1;
    } else if (pattern.compare(p, 8, "ISSUBSET") == 0) {
      op_ok = true;
      p += 8;
    }
    while (p < pattern.size() && pattern[p] == ' ') ++p;
    if (!op_ok || p >= pattern.size() || pattern[p] != '\'') {
      pos = colon + 6;
      continue;
    }
    std::string value;
    std::size_t q = p + 1;
    for (; q < pattern.size(); ++q) {
      if (pattern[q] == '\\' && q + 1 < pattern.size()) {
        value += pattern[++q];
      } else if (pattern[q] == '\'') {
        break;
      } else {
        value += pattern[q];
      }
    }
    if (q >= pattern.size()) return "unterminated string in pattern";
    if (object == "domain-name" || object == "ipv4-addr" || object == "ipv6-addr" || object == "url") {
      out.push_back({object, value});
    }
    pos = q + 1;
  }
  // Comparisons on other objects (files, processes) leave nothing to match in DNS logs.
  if (out.empty()) return "no domain, address or URL comparison";
  return std::nullopt;
}

void load_stix(const FeedSpec& spec, std::string_view text, const PublicSuffixList& psl, ThreatIntel& intel,
               Problems& problems) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parse_feed_json(parser, text, problems.path);
  simdjson::dom::array objects;
  if (root["objects"].get(objects)) throw Error(ErrorCode::kConfig, problems.path + ": STIX bundle without objects");
  // Names of who and what the indicators point at, and who published them.
  std::map<std::string, std::string, std::less<>> names;  // id -> name (actors, intrusion sets, malware, identities)
  std::map<std::string, std::string, std::less<>> actor_of, threat_of;  // indicator id -> name
  for (auto obj : objects) {
    std::string_view type = str(obj, "type");
    if (type == "threat-actor" || type == "intrusion-set" || type == "malware" || type == "identity" ||
        type == "campaign" || type == "tool") {
      names[std::string(str(obj, "id"))] = std::string(str(obj, "name"));
    }
  }
  for (auto obj : objects) {
    if (str(obj, "type") != "relationship" || str(obj, "relationship_type") != "indicates") continue;
    std::string_view src = str(obj, "source_ref");
    std::string_view dst = str(obj, "target_ref");
    auto name = names.find(dst);
    if (name == names.end()) continue;
    if (dst.substr(0, 14) == "threat-actor--" || dst.substr(0, 15) == "intrusion-set--" ||
        dst.substr(0, 10) == "campaign--") {
      actor_of[std::string(src)] = name->second;
    } else {
      threat_of[std::string(src)] = name->second;
    }
  }
  std::vector<StixComparison> comparisons;
  std::size_t index = 0;
  for (auto obj : objects) {
    ++index;
    if (str(obj, "type") != "indicator") continue;
    std::string_view id = str(obj, "id");
    const std::string where = fmt::format("object {} ({})", index, id.empty() ? "no id" : id);
    bool revoked = false;
    if (obj["revoked"].get(revoked) == simdjson::SUCCESS && revoked) {
      ++problems.report.skipped;
      continue;
    }
    std::string_view pattern_type = str(obj, "pattern_type");
    if (!pattern_type.empty() && pattern_type != "stix") {
      ++problems.report.skipped;
      continue;
    }
    std::string_view pattern = str(obj, "pattern");
    if (pattern.empty()) {
      problems.reject(where, "indicator without a pattern");
      continue;
    }
    if (auto why = stix_comparisons(pattern, comparisons)) {
      if (*why == "no domain, address or URL comparison") {
        ++problems.report.skipped;  // file hashes and the like: nothing to match in DNS logs
      } else {
        problems.reject(where, *why);
      }
      continue;
    }
    IndicatorInput meta;
    int64_t confidence = -1;
    if (obj["confidence"].get(confidence) == simdjson::SUCCESS) {
      if (confidence < 0 || confidence > 100) {  // a cast would wrap 4294967346 to 50
        problems.reject(where, fmt::format("confidence {} is not 0..100", confidence));
        continue;
      }
      meta.confidence = static_cast<int>(confidence);
    }
    if (auto a = actor_of.find(id); a != actor_of.end()) meta.actor = a->second;
    if (auto t = threat_of.find(id); t != threat_of.end()) meta.threat = t->second;
    if (meta.threat.empty()) {
      simdjson::dom::array types;
      if (obj["indicator_types"].get(types) == simdjson::SUCCESS || obj["labels"].get(types) == simdjson::SUCCESS) {
        for (auto t : types) {
          std::string_view v;
          if (t.get(v) == simdjson::SUCCESS) {
            meta.threat = std::string(v);
            break;
          }
        }
      }
    }
    if (auto src = names.find(str(obj, "created_by_ref")); src != names.end()) meta.source = src->second;
    meta.first_seen = std::string(str(obj, "valid_from"));
    meta.last_seen = std::string(str(obj, "valid_until"));
    for (const auto& c : comparisons) {
      const char* hint = c.object == "url" ? "url" : c.object == "domain-name" ? "domain" : "ip";
      add_entry(spec, psl, intel, problems, where, c.value, hint, meta);
    }
  }
}

int misp_threat_level_confidence(std::string_view level) {
  if (level == "1") return 90;  // High
  if (level == "2") return 60;  // Medium
  if (level == "3") return 30;  // Low
  return -1;                    // 4 = Undefined
}

void load_misp_event(const FeedSpec& spec, simdjson::dom::element event, std::size_t event_no,
                     const PublicSuffixList& psl, ThreatIntel& intel, Problems& problems) {
  IndicatorInput meta;
  std::string_view level = str(event, "threat_level_id");
  int64_t level_num = 0;
  if (level.empty() && event["threat_level_id"].get(level_num) == simdjson::SUCCESS) {
    meta.confidence = misp_threat_level_confidence(std::to_string(level_num));
  } else {
    meta.confidence = misp_threat_level_confidence(level);
  }
  // An element's operator[] yields a result, and turning a missing key's result into an element
  // throws: look Orgc up with get().
  simdjson::dom::element orgc;
  if (event["Orgc"].get(orgc) == simdjson::SUCCESS) meta.source = std::string(str(orgc, "name"));
  meta.first_seen = std::string(str(event, "date"));
  // Actor and threat from galaxies (threat-actor vs. malware-like clusters), else from galaxy tags.
  simdjson::dom::array galaxies;
  if (event["Galaxy"].get(galaxies) == simdjson::SUCCESS) {
    for (auto g : galaxies) {
      std::string_view gtype = str(g, "type");
      simdjson::dom::array clusters;
      if (g["GalaxyCluster"].get(clusters) != simdjson::SUCCESS) continue;
      for (auto cl : clusters) {
        std::string value(str(cl, "value"));
        if (value.empty()) continue;
        if (gtype == "threat-actor" || gtype == "mitre-intrusion-set") {
          if (meta.actor.empty()) meta.actor = value;
        } else if (meta.threat.empty()) {
          meta.threat = value;
        }
      }
    }
  }
  simdjson::dom::array tags;
  if (event["Tag"].get(tags) == simdjson::SUCCESS) {
    for (auto t : tags) {
      std::string_view name = str(t, "name");
      auto eq = name.find("=\"");
      if (eq == std::string_view::npos || name.size() < eq + 3) continue;
      std::string value(name.substr(eq + 2, name.size() - eq - 3));
      if (name.substr(0, 25) == "misp-galaxy:threat-actor=" && meta.actor.empty())
        meta.actor = value;
      else if (name.substr(0, 12) == "misp-galaxy:" && meta.threat.empty())
        meta.threat = value;
    }
  }
  std::size_t attr_no = 0;
  auto one_attribute = [&](simdjson::dom::element a) {
    ++attr_no;
    std::string_view type = str(a, "type");
    std::string_view value = str(a, "value");
    const std::string where = fmt::format("event {} attribute {}", event_no, attr_no);
    bool to_ids = true;
    if (a["to_ids"].get(to_ids) != simdjson::SUCCESS) to_ids = true;
    if (!to_ids) {
      ++problems.report.skipped;  // context, not meant for detection
      return;
    }
    IndicatorInput m = meta;
    if (auto fs = str(a, "first_seen"); !fs.empty()) m.first_seen = std::string(fs);
    if (auto ls = str(a, "last_seen"); !ls.empty()) m.last_seen = std::string(ls);
    if (type == "domain" || type == "hostname") {
      add_entry(spec, psl, intel, problems, where, value, "domain", m);
    } else if (type == "ip-dst" || type == "ip-src") {
      add_entry(spec, psl, intel, problems, where, value, "ip", m);
    } else if (type == "url" || type == "uri") {
      add_entry(spec, psl, intel, problems, where, value, "url", m);
    } else if (type == "domain|ip") {
      auto bar = value.find('|');
      add_entry(spec, psl, intel, problems, where, value.substr(0, bar), "domain", m);
      if (bar != std::string_view::npos) add_entry(spec, psl, intel, problems, where, value.substr(bar + 1), "ip", m);
    } else if (type == "ip-dst|port" || type == "ip-src|port") {
      add_entry(spec, psl, intel, problems, where, value.substr(0, value.find('|')), "ip", m);
    } else if (type == "hostname|port") {
      add_entry(spec, psl, intel, problems, where, value.substr(0, value.find('|')), "domain", m);
    } else {
      ++problems.report.skipped;
    }
  };
  simdjson::dom::array attrs;
  if (event["Attribute"].get(attrs) == simdjson::SUCCESS) {
    for (auto a : attrs) one_attribute(a);
  }
  simdjson::dom::array objs;
  if (event["Object"].get(objs) == simdjson::SUCCESS) {
    for (auto o : objs) {
      simdjson::dom::array oattrs;
      if (o["Attribute"].get(oattrs) == simdjson::SUCCESS) {
        for (auto a : oattrs) one_attribute(a);
      }
    }
  }
}

void load_misp(const FeedSpec& spec, std::string_view text, const PublicSuffixList& psl, ThreatIntel& intel,
               Problems& problems) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parse_feed_json(parser, text, problems.path);
  // {"Event":{...}}, {"response":[{"Event":{...}}, ...]} (REST search) or [{"Event":{...}}, ...].
  std::vector<simdjson::dom::element> events;
  auto add_event = [&](simdjson::dom::element ev, std::string_view pointer) {
    if (!ev.is_object()) {
      throw Error(ErrorCode::kConfig, fmt::format("{}: {}: a MISP Event must be an object, not {}", problems.path,
                                                  pointer, json_type_name(ev.type())));
    }
    events.push_back(ev);
  };
  simdjson::dom::element ev;
  simdjson::dom::array list;
  if (root["Event"].get(ev) == simdjson::SUCCESS) {
    add_event(ev, "/Event");
  } else {
    const bool response = root["response"].get(list) == simdjson::SUCCESS;
    if (response || root.get(list) == simdjson::SUCCESS) {
      std::size_t index = 0;
      for (auto item : list) {
        if (item["Event"].get(ev) == simdjson::SUCCESS)
          add_event(ev, fmt::format("{}/{}/Event", response ? "/response" : "", index));
        ++index;
      }
    }
  }
  if (events.empty()) throw Error(ErrorCode::kConfig, problems.path + ": no MISP Event in the file");
  for (std::size_t i = 0; i < events.size(); ++i) load_misp_event(spec, events[i], i + 1, psl, intel, problems);
}

FeedFormat sniff_format(std::string_view text) {
  std::string_view head = trim_json_space(text.substr(0, 65536));
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  if (!head.empty() && (head.front() == '{' || head.front() == '[')) {
    if (head.find("\"Event\"") != std::string_view::npos) return FeedFormat::kMisp;
    return FeedFormat::kStix;
  }
  // A CSV has a header line with a comma and one of the indicator column names.
  std::string_view rest = head;
  while (!rest.empty() && rest.front() == '#') (void)take_line(rest);
  std::string first = lower(rest.substr(0, rest.find('\n')));
  if (first.find(',') != std::string::npos) {
    for (const auto& name : csv_field_aliases().front().second) {
      if (first.find(name) != std::string::npos) return FeedFormat::kCsv;
    }
  }
  return FeedFormat::kList;
}

}  // namespace

std::string_view feed_format_name(FeedFormat f) {
  switch (f) {
    case FeedFormat::kAuto:
      return "auto";
    case FeedFormat::kList:
      return "list";
    case FeedFormat::kCsv:
      return "csv";
    case FeedFormat::kStix:
      return "stix";
    case FeedFormat::kMisp:
      return "misp";
  }
  return "auto";
}

std::optional<FeedFormat> parse_feed_format(std::string_view name) {
  for (FeedFormat f : {FeedFormat::kAuto, FeedFormat::kList, FeedFormat::kCsv, FeedFormat::kStix, FeedFormat::kMisp}) {
    if (feed_format_name(f) == name) return f;
  }
  if (name == "hosts" || name == "txt") return FeedFormat::kList;
  return std::nullopt;
}

void FeedSpec::validate() const {
  if (path.empty()) throw Error(ErrorCode::kConfig, "intel feed '" + name + "': no path");
  if (name.empty()) throw Error(ErrorCode::kConfig, "intel feed " + path + ": no name");
  if (default_confidence < -1 || default_confidence > 100) {
    throw Error(ErrorCode::kConfig, "intel feed '" + name + "': default_confidence must be 0..100");
  }
  for (const auto& entry : columns) {
    const std::string& field = entry.first;
    const auto& aliases = csv_field_aliases();
    if (std::none_of(aliases.begin(), aliases.end(), [&](const auto& a) { return a.first == field; })) {
      throw Error(ErrorCode::kConfig, "intel feed '" + name + "': unknown column field '" + field + "'");
    }
  }
}

FeedSpec FeedSpec::parse(std::string_view spec) {
  FeedSpec f;
  auto eq = spec.find('=');
  if (eq != std::string_view::npos && eq > 0 && spec.substr(0, eq).find('/') == std::string_view::npos) {
    f.name = std::string(spec.substr(0, eq));
    f.path = std::string(spec.substr(eq + 1));
  } else {
    f.path = std::string(spec);
    std::filesystem::path p(f.path);
    f.name = p.stem().string();
    if (p.extension() == ".gz" || p.extension() == ".json" || p.extension() == ".csv" || p.extension() == ".txt") {
      f.name = std::filesystem::path(f.name).stem().string();
    }
  }
  return f;
}

std::optional<std::string> classify_indicator(std::string_view text, std::string_view type_hint,
                                              const PublicSuffixList& psl, IndicatorInput& out) {
  std::string value = refang(trim_json_space(text));
  if (value.empty()) return "empty";
  const std::string hint = lower(type_hint);
  const bool url = value.find("://") != std::string::npos || hint == "url" || hint == "uri";
  out.value = value;
  std::string host(url ? url_host(value) : std::string_view(value));
  if (url) {
    out.kind = IndicatorKind::kUrl;
    if (host.empty()) return "URL without a host";
  }
  bool host_bits = false;
  if (auto prefix = parse_prefix(host, &host_bits)) {
    const bool full = prefix->length == prefix->address.bits();
    if (!url) {
      out.kind = prefix->address.v6 ? (full ? IndicatorKind::kIpv6 : IndicatorKind::kCidr6)
                                    : (full ? IndicatorKind::kIpv4 : IndicatorKind::kCidr4);
    }
    out.match_key =
        full ? prefix->address.to_string() : fmt::format("{}/{}", prefix->address.to_string(), prefix->length);
    if (!url) out.value = out.match_key;
    return std::nullopt;
  }
  if (host_bits) return "address has bits set past the prefix length";
  if (host.find('/') != std::string::npos || host.find(':') != std::string::npos)
    return "not a valid address or prefix";
  if (hint == "ip" || hint == "ipv4" || hint == "ipv6" || hint == "ip-dst" || hint == "ip-src")
    return "not a valid address";
  // A domain: lowercase, no trailing dot, a leading "*." means the domain and everything below it,
  // which parent matching already does.
  std::string_view d = host;
  if (d.substr(0, 2) == "*.") d.remove_prefix(2);
  while (!d.empty() && d.back() == '.') d.remove_suffix(1);
  std::string ascii;
  if (std::any_of(d.begin(), d.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    auto a = domain_to_ascii(d);
    if (!a) return "invalid UTF-8 in domain";
    ascii = *a;
    d = ascii;
  }
  char buf[kMaxNormalizedName];
  NormalizedName norm = normalize_name(d, buf);
  if (!norm.valid_syntax || !norm.json_plain) return "not a valid domain name";
  for (char c : norm.text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) {
      return "not a valid domain name";
    }
  }
  if (norm.text.find('.') == std::string_view::npos) return "a single label is not a domain";
  DomainParts parts = psl.split(norm.text);
  if (!parts.tld_valid) return "unknown top-level domain";
  if (parts.registered_domain.empty()) return "is a public suffix (would match every name under it)";
  if (!url) out.kind = IndicatorKind::kDomain;
  out.match_key = std::string(norm.text);
  if (!url) out.value = out.match_key;
  return std::nullopt;
}

FeedReport load_feed(const FeedSpec& spec, const PublicSuffixList& psl, ThreatIntel& intel) {
  spec.validate();  // before reading: a misconfigured feed is reported as such, not as unreadable
  return load_feed_text(spec, read_whole_file(spec.path, "intel feed", ErrorCode::kConfig), psl, intel);
}

FeedReport load_feed_text(const FeedSpec& spec, const std::string& whole_text, const PublicSuffixList& psl,
                          ThreatIntel& intel) {
  spec.validate();
  FeedReport report;
  report.name = spec.name;
  report.path = spec.path;
  const std::string_view text = without_bom(whole_text);
  try {
    report.format = spec.format == FeedFormat::kAuto ? sniff_format(text) : spec.format;
    intel.add_feed(spec.name);
    Problems problems{report, spec.path};
    switch (report.format) {
      case FeedFormat::kList:
        load_list(spec, text, psl, intel, problems);
        break;
      case FeedFormat::kCsv:
        load_csv(spec, text, psl, intel, problems);
        break;
      case FeedFormat::kStix:
        load_stix(spec, text, psl, intel, problems);
        break;
      case FeedFormat::kMisp:
        load_misp(spec, text, psl, intel, problems);
        break;
      case FeedFormat::kAuto:
        break;
    }
  } catch (...) {
    rethrow_as_config_error(fmt::format("{} (intel feed '{}')", spec.path, spec.name));
  }
  return report;
}

std::vector<FeedSpec> load_feed_config(const std::string& path) {
  const std::string text = read_whole_file(path, "intel config", ErrorCode::kConfig);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kConfig, path + ": " + e.what());
  }
  if (doc.is_object() && doc.contains("feeds")) doc = doc["feeds"];
  if (!doc.is_array()) throw Error(ErrorCode::kConfig, path + ": expected a list of feeds (or {\"feeds\": [...]})");
  std::vector<FeedSpec> specs;
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const auto& f = doc[i];
    const std::string where = fmt::format("{}: feed {}", path, i + 1);
    if (!f.is_object()) throw Error(ErrorCode::kConfig, where + ": expected an object");
    FeedSpec s;
    for (const auto& [key, value] : f.items()) {
      const std::string at = fmt::format("{}: '{}'", where, key);
      const auto& field = value;  // clang before 16 cannot capture a structured binding
      auto text = [&]() {
        if (!field.is_string())
          throw Error(ErrorCode::kConfig, fmt::format("{} must be a string, not {}", at, field.dump()));
        return field.get<std::string>();
      };
      if (key == "name") {
        s.name = text();
      } else if (key == "path") {
        s.path = text();
      } else if (key == "format") {
        auto format = parse_feed_format(text());
        if (!format) throw Error(ErrorCode::kConfig, at + ": unknown format '" + text() + "'");
        s.format = *format;
      } else if (key == "columns") {
        if (!value.is_object()) throw Error(ErrorCode::kConfig, at + " must be an object of field to column header");
        for (const auto& [field, header] : value.items()) {
          if (!header.is_string()) throw Error(ErrorCode::kConfig, fmt::format("{}: '{}' must be a string", at, field));
          s.columns[field] = header.get<std::string>();
        }
      } else if (key == "default_confidence") {
        // get<int>() would wrap 4294967346 to 50.
        const bool in_range = value.is_number_unsigned() ? value.get<std::uint64_t>() <= 100
                              : value.is_number_integer()
                                  ? value.get<std::int64_t>() >= 0 && value.get<std::int64_t>() <= 100
                                  : false;
        if (!in_range)
          throw Error(ErrorCode::kConfig, fmt::format("{} must be an integer 0..100, not {}", at, value.dump()));
        s.default_confidence = value.get<int>();
      } else if (key == "actor") {
        s.default_actor = text();
      } else if (key == "threat") {
        s.default_threat = text();
      } else {
        throw Error(ErrorCode::kConfig, where + ": unknown key '" + key + "'");
      }
    }
    if (!s.path.empty() && std::filesystem::path(s.path).is_relative()) s.path = (base / s.path).string();
    if (s.name.empty() && !s.path.empty()) s.name = FeedSpec::parse(s.path).name;
    s.validate();
    specs.push_back(std::move(s));
  }
  return specs;
}

}  // namespace dnslens
