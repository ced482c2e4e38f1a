#include "detect/name_features/name_features.hpp"

#include <array>
#include <cmath>

namespace dnslens {

namespace {

// c * log2(c) for every count a DNS name can reach, so the entropy of a name costs no logarithm:
// H = log2(n) - (1/n) * sum(c_i * log2(c_i)).
constexpr std::size_t kTableCounts = 1024;
const std::array<double, kTableCounts> kCLogC = [] {
  std::array<double, kTableCounts> t{};
  for (std::size_t c = 2; c < kTableCounts; ++c) t[c] = static_cast<double>(c) * std::log2(static_cast<double>(c));
  return t;
}();

double c_log_c(std::size_t c) {
  return c < kTableCounts ? kCLogC[c] : static_cast<double>(c) * std::log2(static_cast<double>(c));
}

// Counts live in a fixed table; only the touched entries are reset, so a call costs O(length).
double entropy_of(std::string_view text) {
  std::array<std::uint32_t, 256> counts;  // NOLINT: entries are zeroed before use below
  for (unsigned char c : text) counts[c] = 0;
  std::size_t n = 0;
  for (unsigned char c : text) {
    if (c == '.') continue;
    ++counts[c];
    ++n;
  }
  if (n == 0) return 0;
  double sum = 0;
  for (unsigned char c : text) {
    if (c == '.' || counts[c] == 0) continue;
    sum += c_log_c(counts[c]);
    counts[c] = 0;  // counted once
  }
  const double h = (c_log_c(n) - sum) / static_cast<double>(n);
  return h > 0 ? h : 0;  // rounding can leave -0.0000001 for a single repeated character
}

constexpr bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

}  // namespace

double shannon_entropy(std::string_view text) { return entropy_of(text); }

NameFeatures measure_name(std::string_view name, std::string_view subdomain) {
  NameFeatures f;
  f.name_length = static_cast<std::uint16_t>(std::min<std::size_t>(name.size(), 0xffff));
  f.subdomain_length = static_cast<std::uint16_t>(std::min<std::size_t>(subdomain.size(), 0xffff));
  if (name.empty()) return f;
  std::size_t chars = 0, digits = 0, consonants = 0, label = 0, longest = 0, labels = 1;
  for (char c : name) {
    if (c == '.') {
      longest = std::max(longest, label);
      label = 0;
      ++labels;
      continue;
    }
    ++label;
    ++chars;
    if (c >= '0' && c <= '9')
      ++digits;
    else if (c >= 'a' && c <= 'z' && !is_vowel(c))
      ++consonants;
  }
  longest = std::max(longest, label);
  f.longest_label = static_cast<std::uint8_t>(std::min<std::size_t>(longest, 255));
  f.label_count = static_cast<std::uint8_t>(std::min<std::size_t>(labels, 255));
  if (chars > 0) {
    f.digit_ratio = static_cast<float>(digits) / static_cast<float>(chars);
    f.consonant_ratio = static_cast<float>(consonants) / static_cast<float>(chars);
  }
  f.name_entropy = static_cast<float>(entropy_of(name));
  f.subdomain_entropy = static_cast<float>(entropy_of(subdomain));
  return f;
}

std::string_view dga_label(std::string_view name, std::string_view registered_domain, std::string_view public_suffix) {
  if (!registered_domain.empty() && registered_domain.size() > public_suffix.size() + 1) {
    return registered_domain.substr(0, registered_domain.size() - public_suffix.size() - 1);
  }
  std::size_t last = name.rfind('.');
  if (last == std::string_view::npos) return name;
  std::string_view rest = name.substr(0, last);
  std::size_t prev = rest.rfind('.');
  return prev == std::string_view::npos ? rest : rest.substr(prev + 1);
}

std::string_view longest_label(std::string_view text) {
  std::string_view best;
  while (!text.empty()) {
    std::size_t dot = text.find('.');
    std::string_view label = text.substr(0, dot);
    if (label.size() > best.size()) best = label;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  return best;
}

}  // namespace dnslens
