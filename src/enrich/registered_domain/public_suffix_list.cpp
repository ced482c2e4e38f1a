#include "enrich/registered_domain/public_suffix_list.hpp"

#include "core/absl_view.hpp"
#include "core/error.hpp"
#include "enrich/registered_domain/punycode.hpp"
#include "io/read_file.hpp"

namespace dnslens {

PublicSuffixList PublicSuffixList::load_file(const std::string& path, PslScope scope) {
  const std::string text = read_whole_file(path, "public suffix list", ErrorCode::kConfig);
  try {
    return load_text(text, scope);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

PublicSuffixList PublicSuffixList::load_text(std::string_view text, PslScope scope) {
  PublicSuffixList psl;
  psl.scope_ = scope;
  bool in_private = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.starts_with("//")) {
      if (line.find("===BEGIN PRIVATE DOMAINS===") != std::string_view::npos) in_private = true;
      if (line.find("===END PRIVATE DOMAINS===") != std::string_view::npos) in_private = false;
      continue;
    }
    // A rule is the first whitespace-delimited token of the line.
    std::size_t b = 0;
    while (b < line.size() && (line[b] == ' ' || line[b] == '\t' || line[b] == '\r')) ++b;
    std::size_t e = b;
    while (e < line.size() && line[e] != ' ' && line[e] != '\t' && line[e] != '\r') ++e;
    if (e == b) continue;
    if (in_private && scope == PslScope::kIcannOnly) continue;
    psl.add_rule(line.substr(b, e - b), in_private);
  }
  if (psl.rules_.empty()) throw Error(ErrorCode::kConfig, "public suffix list holds no rule");
  return psl;
}

void PublicSuffixList::add_key(std::string_view key, std::uint8_t bits) {
  rules_[std::string(key)] |= bits;
  // Every proper suffix of a key learns that a longer rule exists, so lookups can stop early.
  for (std::size_t dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.', dot + 1)) {
    rules_[std::string(key.substr(dot + 1))] |= kHasLonger;
  }
}

void PublicSuffixList::add_rule(std::string_view raw, bool is_private) {
  std::string lowered(raw);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  std::string_view rule = lowered;
  std::uint8_t bits = kNormal;
  if (rule.starts_with("!")) {
    bits = kException;
    rule.remove_prefix(1);
    ++stats_.exception_rules;
  } else if (rule.starts_with("*.")) {
    bits = kWildcard;
    rule.remove_prefix(2);
    ++stats_.wildcard_rules;
  }
  if (rule.empty()) return;
  ++(is_private ? stats_.private_rules : stats_.icann_rules);
  if (!is_private)
    bits |= static_cast<std::uint8_t>(bits == kNormal     ? kIcannNormal
                                      : bits == kWildcard ? kIcannWildcard
                                                          : kIcannException);
  add_key(rule, bits);
  if (auto ascii = domain_to_ascii(rule); ascii && *ascii != rule) add_key(*ascii, bits);
}

bool PublicSuffixList::tld_exists(std::string_view tld) const {
  auto it = rules_.find(as_absl(tld));
  return it != rules_.end() && (it->second & (kNormal | kWildcard)) != 0;
}

DomainParts PublicSuffixList::split(std::string_view name) const {
  DomainParts parts;
  if (is_ipv4_literal(name)) {
    parts.is_ip_literal = true;
    return parts;
  }
  LabelSpans spans;
  const std::size_t n = split_labels_rtl(name, spans);
  if (n == 0) return parts;

  std::size_t best = 1;  // the implicit "*" rule
  std::size_t icann_best = 1;
  std::size_t exception = 0, icann_exception = 0;
  for (std::size_t k = 1; k <= n; ++k) {
    auto it = rules_.find(as_absl(rightmost_labels(name, spans, k)));
    if (it == rules_.end()) break;
    const std::uint8_t bits = it->second;
    if (k == 1) parts.tld_valid = (bits & (kNormal | kWildcard)) != 0;
    if ((bits & kNormal) && k > best) best = k;
    if ((bits & kWildcard) && k + 1 <= n && k + 1 > best) best = k + 1;
    if ((bits & kIcannNormal) && k > icann_best) icann_best = k;
    if ((bits & kIcannWildcard) && k + 1 <= n && k + 1 > icann_best) icann_best = k + 1;
    if (bits & kException) exception = k;
    if (bits & kIcannException) icann_exception = k;
    if (!(bits & (kHasLonger | kWildcard))) break;
  }
  const std::size_t suffix_labels = exception ? exception - 1 : best;
  parts.public_suffix = rightmost_labels(name, spans, suffix_labels);
  if (suffix_labels < n) {
    parts.registered_domain = rightmost_labels(name, spans, suffix_labels + 1);
    if (suffix_labels + 1 < n) {
      parts.subdomain = name.substr(0, spans.start[suffix_labels] - 1);
    }
  }
  const std::size_t icann_labels = icann_exception ? icann_exception - 1 : icann_best;
  parts.icann_registered_domain = icann_labels == suffix_labels ? parts.registered_domain
                                  : icann_labels < n            ? rightmost_labels(name, spans, icann_labels + 1)
                                                                : std::string_view();
  return parts;
}

}  // namespace dnslens
