#include "enrich/interesting_domains/interesting_domains.hpp"

#include <algorithm>

#include "core/dns_name.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "io/read_file.hpp"

namespace dnslens {

namespace {

bool is_domain_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

// A token is a domain when it has 2+ labels of [a-z0-9-_], none empty, none starting or ending
// with '-', at most 63 bytes each and 253 in all, and the TLD is not all digits.
bool looks_like_domain(std::string_view t) {
  if (t.size() < 3 || t.size() > 253) return false;
  std::size_t label_len = 0;
  std::size_t labels = 1;
  std::size_t tld_start = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '.') {
      if (label_len == 0 || t[i - 1] == '-') return false;
      label_len = 0;
      ++labels;
      tld_start = i + 1;
    } else {
      if (label_len == 0 && c == '-') return false;
      if (++label_len > 63) return false;
    }
  }
  if (label_len == 0 || labels < 2) return false;
  std::string_view tld = t.substr(tld_start);
  return !std::all_of(tld.begin(), tld.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void consider(std::string_view token, const PublicSuffixList& psl, ImportResult& result) {
  while (!token.empty() && (token.front() == '.' || token.front() == '-' || token.front() == '_')) {
    token.remove_prefix(1);
  }
  while (!token.empty() && (token.back() == '.' || token.back() == '-' || token.back() == '_')) token.remove_suffix(1);
  if (!looks_like_domain(token)) return;
  char buf[kMaxNormalizedName];
  auto norm = normalize_name(token, buf);
  if (!norm.valid_syntax) return;
  ++result.candidates;
  auto parts = psl.split(norm.text);
  if (!parts.tld_valid) {
    ++result.rejected_unknown_tld;
    return;
  }
  if (parts.registered_domain.empty()) {
    ++result.rejected_public_suffix;
    return;
  }
  result.domains.emplace_back(parts.registered_domain);
}

}  // namespace

void extract_domains(std::string_view text, const PublicSuffixList& psl, ImportResult& result) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_domain_char(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && is_domain_char(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) {
      // "*.evil.com" wildcards and "user@evil.com" addresses split here naturally; a token glued
      // to a URL scheme ("http://x") also splits on ':' and '/'.
      consider(text.substr(start, i - start), psl, result);
    }
  }
}

void finish_import(ImportResult& result) {
  std::sort(result.domains.begin(), result.domains.end());
  result.domains.erase(std::unique(result.domains.begin(), result.domains.end()), result.domains.end());
}

InterestingDomains InterestingDomains::load_file(const std::string& path, const PublicSuffixList& psl) {
  const std::string text = read_whole_file(path, "interesting-domain list", ErrorCode::kConfig);
  InterestingDomains domains;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::string_view entry = list_entry(take_line(rest));
    if (entry.starts_with("*.")) entry.remove_prefix(2);
    if (entry.empty()) continue;
    ImportResult one;
    consider(entry, psl, one);
    if (one.domains.empty()) {
      ++domains.rejected_;
      continue;
    }
    domains.add(one.domains.front());
  }
  return domains;
}

}  // namespace dnslens
