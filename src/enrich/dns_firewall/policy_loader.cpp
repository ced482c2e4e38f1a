#include "enrich/dns_firewall/policy_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "io/read_file.hpp"

namespace dnslens {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw Error(ErrorCode::kConfig, fmt::format("{}: {}", where, what));
}

// ---------------------------------------------------------------------------------------------
// YAML (including CloudFormation's short-form tags) as JSON, so one reader serves both.

json scalar_to_json(const YAML::Node& n) {
  const std::string& v = n.Scalar();
  if (n.Tag() == "!") return v;  // quoted: always a string
  if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return nullptr;
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  if (v.find_first_not_of("-0123456789") == std::string::npos && v != "-" && v.size() < 19) {
    try {
      std::size_t used = 0;
      long long x = std::stoll(v, &used);
      if (used == v.size()) return x;
    } catch (const std::exception&) {
    }
  }
  return v;
}

// check_yaml_limits has bounded what aliases expand to and how deep this recursion goes.
json yaml_to_json(const YAML::Node& n, const std::string& path) {
  json out;
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out = nullptr;
      break;
    case YAML::NodeType::Scalar:
      out = scalar_to_json(n);
      break;
    case YAML::NodeType::Sequence:
      out = json::array();
      for (const auto& item : n) out.push_back(yaml_to_json(item, path));
      break;
    case YAML::NodeType::Map:
      out = json::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) {
          const YAML::Mark m = kv.first.Mark();
          fail(path, fmt::format("line {}, column {}: a key must be a plain value, not a list or map", m.line + 1,
                                 m.column + 1));
        }
        out[kv.first.Scalar()] = yaml_to_json(kv.second, path);
      }
      break;
  }
  const std::string& tag = n.Tag();
  if (tag.size() > 1 && tag[0] == '!' && tag != "!") {
    // !Ref X -> {"Ref": X}; !GetAtt A.B -> {"Fn::GetAtt": [A, B]}; !Sub, !Join, ... -> {"Fn::Sub": ...}
    const std::string fn = tag.substr(1);
    if (fn == "Ref") return json{{"Ref", out}};
    if (fn == "GetAtt" && out.is_string()) {
      const std::string s = out.get<std::string>();
      const auto dot = s.find('.');
      return json{{"Fn::GetAtt",
                   dot == std::string::npos ? json::array({s}) : json::array({s.substr(0, dot), s.substr(dot + 1)})}};
    }
    return json{{"Fn::" + fn, out}};
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Typed access with messages that name the element.

std::string text_of(const json& v, const std::string& where, const char* key) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  fail(where, fmt::format("'{}' must be a string", key));
}

std::optional<std::string> opt_text(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  return text_of(*it, where, key);
}

std::optional<int> opt_int(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) {
    const long long v = it->get<long long>();
    if (v < -1'000'000'000 || v > 1'000'000'000) fail(where, fmt::format("'{}' is out of range", key));
    return static_cast<int>(v);
  }
  if (it->is_string()) {  // CloudFormation templates often quote numbers
    const std::string s = it->get<std::string>();
    try {
      std::size_t used = 0;
      int v = std::stoi(s, &used);
      if (used == s.size()) return v;
    } catch (const std::exception&) {
    }
  }
  fail(where, fmt::format("'{}' must be an integer", key));
}

void check_keys(const json& obj, std::initializer_list<std::string_view> allowed, const std::string& where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
      fail(where, fmt::format("unknown key '{}' (known: {})", it.key(), list));
    }
  }
}

void set_action(FirewallRule& r, const std::optional<std::string>& action, const std::string& where) {
  if (!action) return;
  auto a = parse_firewall_action(*action);
  if (!a) fail(where, fmt::format("{}: action '{}' is not ALLOW, ALERT or BLOCK", r.label(), *action));
  r.action = *a;
}

void set_block_response(FirewallRule& r, const std::optional<std::string>& text, const std::string& where) {
  if (!text) return;
  auto b = parse_block_response(*text);
  if (!b) fail(where, fmt::format("{}: block response '{}' is not NODATA, NXDOMAIN or OVERRIDE", r.label(), *text));
  r.block_response = *b;
}

void set_redirection(FirewallRule& r, const std::optional<std::string>& text, const std::string& where) {
  if (!text) return;
  auto d = parse_redirection_action(*text);
  if (!d) {
    fail(where,
         fmt::format("{}: redirection setting '{}' is not INSPECT_REDIRECTION_DOMAIN or TRUST_REDIRECTION_DOMAIN",
                     r.label(), *text));
  }
  r.redirection = *d;
}

// The rule fields AWS's API, CLI and CloudFormation share (FirewallRule / FirewallRuleProperty).
void read_aws_rule(const json& o, FirewallRule& r, const std::string& where) {
  r.domain_list_id = opt_text(o, "FirewallDomainListId", where).value_or("");
  r.priority = opt_int(o, "Priority", where).value_or(0);
  set_action(r, opt_text(o, "Action", where), where);
  set_block_response(r, opt_text(o, "BlockResponse", where), where);
  r.block_override_domain = opt_text(o, "BlockOverrideDomain", where).value_or("");
  r.block_override_dns_type = opt_text(o, "BlockOverrideDnsType", where).value_or("");
  r.block_override_ttl = opt_int(o, "BlockOverrideTtl", where);
  r.query_type = opt_text(o, "Qtype", where).value_or("");
  set_redirection(r, opt_text(o, "FirewallDomainRedirectionAction", where), where);
}

// A rule without a domain list that names what else it matches: a DNS Firewall Advanced rule (a
// threat protection, DGA, DNS_TUNNELING or DICTIONARY_DGA at a confidence threshold, given by
// DnsThreatProtection or by FirewallRuleType.DnsThreatProtection, with its FirewallThreatProtectionId),
// or a rule of another FirewallRuleType (an advanced threat or content category, a partner's threat
// protection). AWS reports FirewallThreatProtectionId NOT_APPLICABLE on domain-list rules.
bool is_advanced_rule(const json& o) {
  if (auto list = o.find("FirewallDomainListId"); list != o.end() && list->is_string() && !list->empty()) return false;
  if (auto id = o.find("FirewallThreatProtectionId");
      id != o.end() && id->is_string() && !id->empty() && *id != "NOT_APPLICABLE")
    return true;
  return o.contains("DnsThreatProtection") || o.contains("FirewallRuleType");
}

std::string text_at(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Reads what a DNS threat protection rule detects and its threshold into r. Returns false for an
// Advanced rule dnslens cannot simulate (a threat or content category, a partner's protection, a
// protection it does not know), with what it matches in *what.
bool read_threat_protection(const json& o, FirewallRule& r, std::string* what, const std::string& where) {
  std::string protection, threshold;
  if (o.contains("DnsThreatProtection")) {
    protection = opt_text(o, "DnsThreatProtection", where).value_or("");
    threshold = opt_text(o, "ConfidenceThreshold", where).value_or("");
  } else if (auto type = o.find("FirewallRuleType"); type != o.end() && type->is_object()) {
    if (auto p = type->find("DnsThreatProtection"); p != type->end() && p->is_object()) {
      protection = text_at(*p, "Value");
      threshold = text_at(*p, "ConfidenceThreshold");
    } else if (auto c = type->find("FirewallAdvancedThreatCategory"); c != type->end() && c->is_object()) {
      *what = fmt::format("advanced threat category {}", text_at(*c, "Category"));
      return false;
    } else if (auto c2 = type->find("FirewallAdvancedContentCategory"); c2 != type->end() && c2->is_object()) {
      *what = fmt::format("advanced content category {}", text_at(*c2, "Category"));
      return false;
    } else if (auto partner = type->find("PartnerThreatProtection"); partner != type->end() && partner->is_object()) {
      *what = fmt::format("partner threat protection {}", text_at(*partner, "Partner"));
      return false;
    }
  }
  const auto t = parse_threat_protection(protection);
  if (!t) {
    *what = protection.empty() ? fmt::format("threat protection {}", text_at(o, "FirewallThreatProtectionId"))
                               : fmt::format("threat protection {}", protection);
    return false;
  }
  r.threat_protection = *t;
  if (!threshold.empty()) {
    const auto c = parse_confidence_threshold(threshold);
    if (!c) fail(where, fmt::format("confidence threshold '{}' is not LOW, MEDIUM or HIGH", threshold));
    r.confidence = *c;
  }
  return true;
}

std::string unsimulated_rule_note(std::string_view name, const std::string& what) {
  return fmt::format(
      "rule '{}' is a DNS Firewall Advanced rule ({}) that dnslens cannot simulate: not simulated; "
      "the other rules are",
      name.empty() ? "(unnamed)" : name, what.empty() ? "of an unknown type" : what);
}

// Domain-list file: one domain per line; blank lines and # comments are skipped.
void read_domain_lines(std::string_view text, DomainList& list) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::string_view line = take_line(text);
    line = list_entry(line);
    if (line.empty()) continue;
    list.domains.emplace_back(line);
    list.domain_lines.push_back(line_no);
  }
}

// ---------------------------------------------------------------------------------------------
// AWS CLI / API output.

bool is_aws_cli(const json& doc) {
  static constexpr std::string_view kKeys[] = {"FirewallRules",
                                               "FirewallRuleGroups",
                                               "FirewallDomainLists",
                                               "Domains",
                                               "FirewallRuleGroupAssociations",
                                               "FirewallRuleGroup",
                                               "FirewallDomainList",
                                               "FirewallRuleGroupAssociation"};
  for (auto k : kKeys) {
    if (doc.contains(std::string(k))) return true;
  }
  return false;
}

const json& array_at(const json& doc, const char* key, const std::string& path) {
  const json& a = doc.at(key);
  if (!a.is_array()) fail(path, fmt::format("'{}' must be a list", key));
  return a;
}

void load_aws_cli(const json& doc, const std::string& path, std::string_view list_id, FirewallPolicy& p) {
  check_keys(
      doc,
      {"FirewallRules", "FirewallRuleGroups", "FirewallDomainLists", "Domains", "FirewallRuleGroupAssociations",
       "FirewallRuleGroup", "FirewallDomainList", "FirewallRuleGroupAssociation", "NextToken", "ResponseMetadata"},
      path);
  if (doc.contains("NextToken") && !doc.at("NextToken").is_null()) {
    p.load_notes.push_back(
        PolicyProblem{Severity::kWarning, "aws.next_token", path,
                      "the output has a NextToken: it is one page of several (use the CLI's automatic "
                      "pagination, or pass every page)"});
  }
  auto add_group = [&](const json& g, const std::string& where) {
    const std::string id = opt_text(g, "Id", where).value_or("");
    if (id.empty()) fail(where, "a rule group without an Id");
    RuleGroup& group = p.group_for(id);
    group.name = opt_text(g, "Name", where).value_or(group.name);
    group.origin = PolicyOrigin{where, 0};
  };
  auto add_list = [&](const json& l, const std::string& where) {
    const std::string id = opt_text(l, "Id", where).value_or("");
    if (id.empty()) fail(where, "a domain list without an Id");
    DomainList& list = p.list_for(id);
    list.name = opt_text(l, "Name", where).value_or(list.name);
    list.managed_owner = opt_text(l, "ManagedOwnerName", where).value_or("");
    list.contents_known = false;  // list-firewall-domains gives the contents
    list.origin = PolicyOrigin{where, 0};
  };
  auto add_association = [&](const json& a, const std::string& where) {
    RuleGroupAssociation assoc;
    assoc.rule_group_id = opt_text(a, "FirewallRuleGroupId", where).value_or("");
    assoc.vpc_id = opt_text(a, "VpcId", where).value_or("");
    assoc.priority = opt_int(a, "Priority", where).value_or(0);
    assoc.name = opt_text(a, "Name", where).value_or("");
    assoc.managed_owner = opt_text(a, "ManagedOwnerName", where).value_or("");
    assoc.origin = PolicyOrigin{where, 0};
    if (assoc.rule_group_id.empty() || assoc.vpc_id.empty())
      fail(where, "an association needs FirewallRuleGroupId and VpcId");
    const std::string status = opt_text(a, "Status", where).value_or("COMPLETE");
    if (status == "DELETING") return;  // on its way out: no longer filters
    p.associations.push_back(std::move(assoc));
  };
  if (doc.contains("FirewallRuleGroups")) {
    const json& a = array_at(doc, "FirewallRuleGroups", path);
    for (std::size_t i = 0; i < a.size(); ++i) add_group(a[i], fmt::format("{}: FirewallRuleGroups[{}]", path, i));
  }
  if (doc.contains("FirewallRuleGroup")) add_group(doc.at("FirewallRuleGroup"), path + ": FirewallRuleGroup");
  if (doc.contains("FirewallDomainLists")) {
    const json& a = array_at(doc, "FirewallDomainLists", path);
    for (std::size_t i = 0; i < a.size(); ++i) add_list(a[i], fmt::format("{}: FirewallDomainLists[{}]", path, i));
  }
  if (doc.contains("FirewallDomainList")) add_list(doc.at("FirewallDomainList"), path + ": FirewallDomainList");
  if (doc.contains("FirewallRuleGroupAssociations")) {
    const json& a = array_at(doc, "FirewallRuleGroupAssociations", path);
    for (std::size_t i = 0; i < a.size(); ++i)
      add_association(a[i], fmt::format("{}: FirewallRuleGroupAssociations[{}]", path, i));
  }
  if (doc.contains("FirewallRuleGroupAssociation")) add_association(doc.at("FirewallRuleGroupAssociation"), path);
  if (doc.contains("FirewallRules")) {
    const json& a = array_at(doc, "FirewallRules", path);
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string where = fmt::format("{}: FirewallRules[{}]", path, i);
      const json& o = a[i];
      if (!o.is_object()) fail(where, "a rule must be an object");
      FirewallRule r;
      r.rule_group_id = opt_text(o, "FirewallRuleGroupId", where).value_or("");
      r.name = opt_text(o, "Name", where).value_or("");
      if (r.rule_group_id.empty()) fail(where, fmt::format("rule '{}' has no FirewallRuleGroupId", r.name));
      std::string what;
      if (is_advanced_rule(o) && !read_threat_protection(o, r, &what, where)) {
        // Its group stays known (its association still names it); the rule is noted, not simulated.
        RuleGroup& g = p.group_for(r.rule_group_id);
        if (g.origin.file.empty()) g.origin = PolicyOrigin{where, 0};
        p.load_notes.push_back(
            PolicyProblem{Severity::kWarning, "aws.advanced_rule", where, unsimulated_rule_note(r.name, what)});
        continue;
      }
      read_aws_rule(o, r, where);
      r.origin = PolicyOrigin{where, 0};
      RuleGroup& g = p.group_for(r.rule_group_id);
      if (g.origin.file.empty()) g.origin = r.origin;
      g.rules.push_back(std::move(r));
    }
  }
  if (doc.contains("Domains")) {
    const json& a = array_at(doc, "Domains", path);
    DomainList& list = p.list_for(list_id);
    list.contents_known = true;
    list.domains_file = path;
    if (list.origin.file.empty()) list.origin = PolicyOrigin{path, 0};
    for (std::size_t i = 0; i < a.size(); ++i) {
      list.domains.push_back(text_of(a[i], fmt::format("{}: Domains[{}]", path, i), "Domains"));
      list.domain_lines.push_back(0);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CloudFormation.

struct TemplateContext {
  const json* resources = nullptr;
  std::map<std::string, std::string> parameters;  // defaults overridden by options
  std::map<std::string, bool> declared_parameters;
  std::string path;
};

// Resolves a property to text: a literal, a Ref to a parameter (its value) or to a resource (its
// logical id, which rules and associations use as the id), a GetAtt of a resource's Id, or a Sub
// of those. Returns nullopt when the value depends on something outside the template.
std::optional<std::string> resolve(const json& v, const TemplateContext& t, std::string* unresolved_name = nullptr) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (!v.is_object() || v.size() != 1) return std::nullopt;
  const auto first = v.begin();
  const std::string& fn = first.key();
  const json& arg = first.value();
  if (fn == "Ref" && arg.is_string()) {
    const std::string name = arg.get<std::string>();
    if (auto it = t.parameters.find(name); it != t.parameters.end()) return it->second;
    if (t.resources && t.resources->contains(name)) return name;
    if (unresolved_name) *unresolved_name = name;
    return std::nullopt;
  }
  if (fn == "Fn::GetAtt") {
    std::string resource;
    if (arg.is_array() && !arg.empty() && arg[0].is_string()) resource = arg[0].get<std::string>();
    if (arg.is_string()) resource = arg.get<std::string>().substr(0, arg.get<std::string>().find('.'));
    if (!resource.empty() && t.resources && t.resources->contains(resource)) return resource;
    if (unresolved_name) *unresolved_name = resource;
    return std::nullopt;
  }
  if (fn == "Fn::Sub" && arg.is_string()) {
    std::string s = arg.get<std::string>(), out;
    for (std::size_t i = 0; i < s.size();) {
      if (s.compare(i, 2, "${") == 0) {
        const auto close = s.find('}', i);
        if (close == std::string::npos) return std::nullopt;
        const std::string name = s.substr(i + 2, close - i - 2);
        auto value = resolve(json{{"Ref", name}}, t, unresolved_name);
        if (!value) return std::nullopt;
        out += *value;
        i = close + 1;
      } else {
        out += s[i++];
      }
    }
    return out;
  }
  return std::nullopt;
}

std::string resolved_or_fail(const json& props, const char* key, const TemplateContext& t, const std::string& where) {
  auto it = props.find(key);
  if (it == props.end()) return {};
  auto v = resolve(*it, t);
  if (!v) fail(where, fmt::format("'{}' refers to something outside the template ({})", key, it->dump()));
  return *v;
}

void load_cloudformation(const json& doc, const std::string& path, const PolicyLoadOptions& options,
                         FirewallPolicy& p) {
  TemplateContext t;
  t.path = path;
  const json& resources = doc.at("Resources");
  if (!resources.is_object()) fail(path, "'Resources' must be a map");
  t.resources = &resources;
  if (auto it = doc.find("Parameters"); it != doc.end() && it->is_object()) {
    for (const auto& [name, decl] : it->items()) {
      t.declared_parameters[name] = true;
      if (decl.is_object() && decl.contains("Default")) {
        if (auto v = resolve(decl.at("Default"), t)) t.parameters[name] = *v;
      }
    }
  }
  for (const auto& [name, value] : options.template_parameters) t.parameters[name] = value;

  std::size_t found = 0;
  for (const auto& [logical_id, res] : resources.items()) {
    if (!res.is_object()) continue;
    const std::string where = fmt::format("{}: resource {}", path, logical_id);
    const std::string type = opt_text(res, "Type", where).value_or("");
    const json empty = json::object();
    const json& props = res.contains("Properties") ? res.at("Properties") : empty;
    if (!props.is_object()) fail(where, "'Properties' must be a map");
    if (type == "AWS::Route53Resolver::FirewallDomainList") {
      ++found;
      DomainList& list = p.list_for(logical_id);
      list.name = resolve(props.value("Name", json(logical_id)), t).value_or(logical_id);
      list.origin = PolicyOrigin{where, 0};
      if (auto d = props.find("Domains"); d != props.end()) {
        if (!d->is_array()) fail(where, "'Domains' must be a list");
        for (std::size_t i = 0; i < d->size(); ++i) {
          auto v = resolve((*d)[i], t);
          if (!v) fail(where, fmt::format("Domains[{}] refers to something outside the template", i));
          list.domains.push_back(*v);
          list.domain_lines.push_back(0);
        }
        list.contents_known = true;
      } else if (props.contains("DomainFileUrl")) {
        list.contents_known = false;
        p.load_notes.push_back(PolicyProblem{
            Severity::kWarning, "template.domain_file_url", where,
            fmt::format(
                "domain list '{}' is read from {} by AWS: give a local copy with --policy {}=FILE to simulate it",
                logical_id, props.at("DomainFileUrl").dump(), logical_id)});
      }
    } else if (type == "AWS::Route53Resolver::FirewallRuleGroup") {
      ++found;
      RuleGroup& g = p.group_for(logical_id);
      g.name = resolve(props.value("Name", json(logical_id)), t).value_or(logical_id);
      g.origin = PolicyOrigin{where, 0};
      if (auto rules = props.find("FirewallRules"); rules != props.end()) {
        if (!rules->is_array()) fail(where, "'FirewallRules' must be a list");
        for (std::size_t i = 0; i < rules->size(); ++i) {
          const std::string rwhere = fmt::format("{} FirewallRules[{}]", where, i);
          const json& o = (*rules)[i];
          if (!o.is_object()) fail(rwhere, "a rule must be a map");
          FirewallRule r;
          r.rule_group_id = logical_id;
          // Templates give rules no name: the group and priority identify them.
          json resolved = json::object();
          for (const auto& [k, v] : o.items()) {
            if (k == "FirewallDomainListId") {
              std::string ref;
              auto id = resolve(v, t, &ref);
              if (!id)
                fail(rwhere, fmt::format("FirewallDomainListId refers to '{}', which is not in the template", ref));
              resolved[k] = *id;
            } else if (k == "FirewallRuleType") {
              resolved[k] = v;  // a map of what the rule matches, described in the note below
            } else if (v.is_object()) {
              auto text = resolve(v, t);
              if (!text) fail(rwhere, fmt::format("'{}' refers to something outside the template", k));
              resolved[k] = *text;
            } else {
              resolved[k] = v;
            }
          }
          std::string what;
          if (is_advanced_rule(resolved) && !read_threat_protection(resolved, r, &what, rwhere)) {
            p.load_notes.push_back(PolicyProblem{
                Severity::kWarning, "template.advanced_rule", rwhere,
                unsimulated_rule_note(
                    fmt::format("{}#{}", logical_id, opt_int(resolved, "Priority", rwhere).value_or(0)), what)});
            continue;
          }
          read_aws_rule(resolved, r, rwhere);
          r.name = fmt::format("{}#{}", logical_id, r.priority);
          r.origin = PolicyOrigin{rwhere, 0};
          g.rules.push_back(std::move(r));
        }
      }
    } else if (type == "AWS::Route53Resolver::FirewallRuleGroupAssociation") {
      ++found;
      RuleGroupAssociation a;
      a.origin = PolicyOrigin{where, 0};
      a.rule_group_id = resolved_or_fail(props, "FirewallRuleGroupId", t, where);
      a.priority = opt_int(props, "Priority", where).value_or(0);
      a.name = resolve(props.value("Name", json(logical_id)), t).value_or(logical_id);
      std::string unresolved;
      auto vpc = props.contains("VpcId") ? resolve(props.at("VpcId"), t, &unresolved) : std::nullopt;
      if (vpc) {
        a.vpc_id = *vpc;
      } else {
        a.vpc_id = "*";
        p.load_notes.push_back(PolicyProblem{
            Severity::kWarning, "template.vpc_unresolved", where,
            fmt::format("the VPC is {} without a value, so the rule group is applied to every VPC (set it with "
                        "--template-param {}=vpc-...)",
                        unresolved.empty() ? std::string("not given") : "parameter '" + unresolved + "'",
                        unresolved.empty() ? "VpcId" : unresolved)});
      }
      if (a.rule_group_id.empty()) fail(where, "FirewallRuleGroupId is missing");
      p.associations.push_back(std::move(a));
    }
  }
  if (found == 0) fail(path, "the template has no AWS::Route53Resolver::Firewall* resources");
}

// ---------------------------------------------------------------------------------------------
// dnslens's own policy file.

void load_dnslens(const json& doc, const std::string& path, bool allow_files, FirewallPolicy& p) {
  check_keys(doc, {"version", "domain_lists", "rule_groups", "associations"}, path);
  if (auto v = opt_int(doc, "version", path); v && *v != 1)
    fail(path, fmt::format("version {} is not supported (1 is)", *v));
  const fs::path base = fs::path(path).parent_path();
  std::map<std::string, std::string> list_alias;  // key in this file -> id
  if (auto it = doc.find("domain_lists"); it != doc.end()) {
    if (!it->is_object()) fail(path, "'domain_lists' must be a map of list name to list");
    for (const auto& [key, l] : it->items()) {
      const std::string where = fmt::format("{}: domain list '{}'", path, key);
      if (l.is_array()) {  // shorthand: name: [domains]
        DomainList& list = p.list_for(key);
        list.name = key;
        list.origin = PolicyOrigin{where, 0};
        for (const auto& d : l) {
          list.domains.push_back(text_of(d, where, "domains"));
          list.domain_lines.push_back(0);
        }
        list_alias[key] = key;
        continue;
      }
      if (!l.is_object()) fail(where, "must be a map (id, domains, file, managed_owner) or a list of domains");
      check_keys(l, {"id", "name", "domains", "file", "managed_owner"}, where);
      const std::string id = opt_text(l, "id", where).value_or(key);
      list_alias[key] = id;
      DomainList& list = p.list_for(id);
      list.name = opt_text(l, "name", where).value_or(key);
      list.origin = PolicyOrigin{where, 0};
      list.managed_owner = opt_text(l, "managed_owner", where).value_or("");
      if (auto d = l.find("domains"); d != l.end()) {
        if (!d->is_array()) fail(where, "'domains' must be a list");
        for (const auto& x : *d) {
          list.domains.push_back(text_of(x, where, "domains"));
          list.domain_lines.push_back(0);
        }
      }
      if (auto f = opt_text(l, "file", where)) {
        if (!allow_files) fail(where, "domain-list files are not allowed here");
        const fs::path file = fs::path(*f).is_absolute() ? fs::path(*f) : base / *f;
        const std::string text = read_whole_file(file.string(), "domain list", ErrorCode::kConfig);
        const std::size_t before = list.domains.size();
        read_domain_lines(text, list);
        list.domains_file = file.string();
        if (before > 0) list.domains_file.clear();  // mixed sources: lines refer to the file only
      }
      list.contents_known = list.managed_owner.empty() || !list.domains.empty();
    }
  }
  std::map<std::string, std::string> group_alias;
  if (auto it = doc.find("rule_groups"); it != doc.end()) {
    if (!it->is_object()) fail(path, "'rule_groups' must be a map of rule group name to rule group");
    for (const auto& [key, g] : it->items()) {
      const std::string where = fmt::format("{}: rule group '{}'", path, key);
      if (!g.is_object()) fail(where, "must be a map (id, name, rules)");
      check_keys(g, {"id", "name", "rules"}, where);
      const std::string id = opt_text(g, "id", where).value_or(key);
      group_alias[key] = id;
      RuleGroup& group = p.group_for(id);
      group.name = opt_text(g, "name", where).value_or(key);
      group.origin = PolicyOrigin{where, 0};
      const json empty = json::array();
      const json& rules = g.contains("rules") ? g.at("rules") : empty;
      if (!rules.is_array()) fail(where, "'rules' must be a list");
      for (std::size_t i = 0; i < rules.size(); ++i) {
        const json& o = rules[i];
        std::string rwhere = fmt::format("{} rules[{}]", where, i);
        if (!o.is_object()) fail(rwhere, "a rule must be a map");
        FirewallRule r;
        r.rule_group_id = id;
        r.name = opt_text(o, "name", rwhere).value_or("");
        if (!r.name.empty()) rwhere = fmt::format("{} rule '{}'", where, r.name);
        check_keys(o,
                   {"name", "priority", "action", "domain_list", "block_response", "block_override_domain",
                    "block_override_dns_type", "block_override_ttl", "query_type", "redirection", "threat_protection",
                    "confidence"},
                   rwhere);
        const auto priority = opt_int(o, "priority", rwhere);
        if (!priority) fail(rwhere, "'priority' is required");
        r.priority = *priority;
        const std::string list_key = opt_text(o, "domain_list", rwhere).value_or("");
        auto alias = list_alias.find(list_key);
        r.domain_list_id = alias != list_alias.end() ? alias->second : list_key;
        set_action(r, opt_text(o, "action", rwhere), rwhere);
        set_block_response(r, opt_text(o, "block_response", rwhere), rwhere);
        r.block_override_domain = opt_text(o, "block_override_domain", rwhere).value_or("");
        r.block_override_dns_type = opt_text(o, "block_override_dns_type", rwhere).value_or("");
        r.block_override_ttl = opt_int(o, "block_override_ttl", rwhere);
        if (r.block_response == BlockResponse::kOverride && r.block_override_dns_type.empty())
          r.block_override_dns_type = "CNAME";
        if (r.block_response == BlockResponse::kOverride && !r.block_override_ttl) r.block_override_ttl = 0;
        r.query_type = opt_text(o, "query_type", rwhere).value_or("");
        set_redirection(r, opt_text(o, "redirection", rwhere), rwhere);
        if (auto t = opt_text(o, "threat_protection", rwhere)) {
          const auto protection = parse_threat_protection(*t);
          if (!protection)
            fail(rwhere, fmt::format("threat protection '{}' is not DGA, DICTIONARY_DGA or DNS_TUNNELING", *t));
          r.threat_protection = *protection;
        }
        if (auto c = opt_text(o, "confidence", rwhere)) {
          const auto level = parse_confidence_threshold(*c);
          if (!level) fail(rwhere, fmt::format("confidence '{}' is not LOW, MEDIUM or HIGH", *c));
          r.confidence = *level;
        }
        r.origin = PolicyOrigin{rwhere, 0};
        group.rules.push_back(std::move(r));
      }
    }
  }
  if (auto it = doc.find("associations"); it != doc.end()) {
    if (!it->is_array()) fail(path, "'associations' must be a list");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& o = (*it)[i];
      const std::string where = fmt::format("{}: associations[{}]", path, i);
      if (!o.is_object()) fail(where, "an association must be a map (rule_group, vpc, priority)");
      check_keys(o, {"rule_group", "vpc", "priority", "name"}, where);
      RuleGroupAssociation a;
      const std::string key = opt_text(o, "rule_group", where).value_or("");
      if (key.empty()) fail(where, "'rule_group' is required");
      auto alias = group_alias.find(key);
      a.rule_group_id = alias != group_alias.end() ? alias->second : key;
      a.vpc_id = opt_text(o, "vpc", where).value_or("*");
      const auto priority = opt_int(o, "priority", where);
      if (!priority) fail(where, "'priority' is required");
      a.priority = *priority;
      a.name = opt_text(o, "name", where).value_or("");
      a.origin = PolicyOrigin{where, 0};
      p.associations.push_back(std::move(a));
    }
  }
}

// Flow collections nested this deep are no policy; refusing them keeps the recursive YAML parser
// and converter within a small stack.
constexpr int kMaxNesting = 128;

bool nested_too_deeply(std::string_view text) {
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

std::optional<json> parse_structured(std::string_view text, const std::string& path, bool& was_yaml) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
  if (i < text.size() && (text[i] == '{' || text[i] == '[')) {
    was_yaml = false;
    if (nested_too_deeply(text)) fail(path, fmt::format("nested more than {} levels deep", kMaxNesting));
    try {
      return json::parse(text);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e999
      fail(path, fmt::format("not valid JSON: {}", e.what()));
    }
  }
  was_yaml = true;
  try {
    // Before the tree is built: an alias bomb or a deep nest is refused whatever the file's name.
    check_yaml_limits(text, path, YamlLimits{.max_depth = kMaxNesting});
    YAML::Node node = YAML::Load(std::string(text));
    if (!node.IsMap()) return std::nullopt;
    return yaml_to_json(node, path);
  } catch (const YAML::Exception& e) {
    const std::string ext = fs::path(path).extension().string();
    if (ext == ".yaml" || ext == ".yml" || ext == ".template") {
      fail(path, fmt::format("not valid YAML: line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    return std::nullopt;  // a domain list whose lines YAML cannot read (e.g. "*.example.com")
  }
}

std::pair<std::string, std::string> split_spec(const std::string& spec) {
  const auto eq = spec.find('=');
  // A path may contain '=' itself: only a prefix without '/' is an id.
  if (eq != std::string::npos && eq > 0 && spec.substr(0, eq).find('/') == std::string::npos) {
    return {spec.substr(0, eq), spec.substr(eq + 1)};
  }
  return {std::string(), spec};
}

}  // namespace

std::string_view policy_format_name(PolicyFormat f) {
  switch (f) {
    case PolicyFormat::kAwsCli:
      return "aws-cli";
    case PolicyFormat::kCloudFormation:
      return "cloudformation";
    case PolicyFormat::kDnslens:
      return "dnslens";
    case PolicyFormat::kDomainList:
      return "domain-list";
  }
  return "?";
}

namespace {

FirewallPolicy load_policy_text_unguarded(std::string_view text, const std::string& path, std::string_view list_id,
                                          const PolicyLoadOptions& options, PolicyFormat* detected) {
  FirewallPolicy p;
  const std::string id = list_id.empty() ? fs::path(path).stem().string() : std::string(list_id);
  bool was_yaml = false;
  std::optional<json> doc = parse_structured(text, path, was_yaml);
  PolicyFormat format = PolicyFormat::kDomainList;
  try {
    if (!doc) {
      DomainList& list = p.list_for(id);
      list.name = id;
      list.origin = PolicyOrigin{path, 0};
      list.domains_file = path;
      read_domain_lines(text, list);
    } else if (!doc->is_object()) {
      fail(path, "a policy must be a JSON object / YAML map");
    } else if (doc->contains("Resources")) {
      format = PolicyFormat::kCloudFormation;
      load_cloudformation(*doc, path, options, p);
    } else if (is_aws_cli(*doc)) {
      format = PolicyFormat::kAwsCli;
      load_aws_cli(*doc, path, id, p);
    } else if (doc->contains("rule_groups") || doc->contains("domain_lists") || doc->contains("version")) {
      format = PolicyFormat::kDnslens;
      load_dnslens(*doc, path, options.allow_file_references, p);
    } else {
      fail(path,
           "not a DNS Firewall policy: expected AWS CLI output (FirewallRules, Domains, ...), a CloudFormation "
           "template (Resources) or a dnslens policy (rule_groups, domain_lists)");
    }
  } catch (const json::exception& e) {
    fail(path, fmt::format("unexpected shape: {}", e.what()));
  }
  if (detected) *detected = format;
  p.finish();
  return p;
}

}  // namespace

FirewallPolicy load_policy_text(const std::string& whole_text, const std::string& path, std::string_view list_id,
                                const PolicyLoadOptions& options, PolicyFormat* detected) {
  try {
    return load_policy_text_unguarded(without_bom(whole_text), path, list_id, options, detected);
  } catch (...) {
    rethrow_as_config_error(path);
  }
}

FirewallPolicy load_policy(const std::vector<std::string>& sources, const PolicyLoadOptions& options) {
  FirewallPolicy policy;
  for (const auto& spec : sources) {
    auto [id, path] = split_spec(spec);
    std::vector<std::string> files;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path().string());
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) fail(path, "the policy directory holds no files");
    } else {
      files.push_back(path);
    }
    for (const auto& file : files) {
      const std::string text = read_whole_file(file, "DNS Firewall policy", ErrorCode::kConfig);
      policy.merge(load_policy_text(text, file, files.size() == 1 ? id : std::string(), options));
    }
  }
  policy.finish();
  for (const auto& g : policy.rule_groups) {
    for (const auto& r : g.rules) {
      if (r.threat_protection != ThreatProtection::kDictionaryDga) continue;
      policy.load_notes.push_back(PolicyProblem{
          Severity::kWarning, "rule.advanced_not_simulated", r.origin.text(),
          fmt::format("{}: DNS Firewall Advanced DICTIONARY_DGA is not simulated (dnslens has no dictionary-DGA "
                      "scorer yet): the simulation lets the queries it would catch go on to the next rules",
                      r.label())});
    }
  }
  return policy;
}

}  // namespace dnslens
