#include "enrich/threat_intel/threat_intel.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <initializer_list>
#include <string>

#include "core/absl_view.hpp"

namespace dnslens {

namespace {

constexpr std::size_t kArenaBlock = 1 << 20;

absl::uint128 key_v6(const IpAddress& ip) {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  for (int i = 0; i < 8; ++i) hi = (hi << 8) | ip.bytes[static_cast<std::size_t>(i)];
  for (int i = 8; i < 16; ++i) lo = (lo << 8) | ip.bytes[static_cast<std::size_t>(i)];
  return absl::MakeUint128(hi, lo);
}

void note_length(std::vector<int>& lengths, int n) {
  if (std::find(lengths.begin(), lengths.end(), n) != lengths.end()) return;
  lengths.push_back(n);
  std::sort(lengths.begin(), lengths.end(), std::greater<>());
}

// The category's words, lowercase, each run of other characters one '-', framed by '-'
// ("Botnet C&C" -> "-botnet-c&c-"), so a word is found as "-word-".
std::string threat_words(std::string_view category) {
  std::string out = "-";
  for (char ch : category) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '&') {
      out.push_back(static_cast<char>(std::tolower(c)));
    } else if (out.back() != '-') {
      out.push_back('-');
    }
  }
  if (out.back() != '-') out.push_back('-');
  return out;
}

bool has_any(std::string_view words, std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) {
    if (words.find(k) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

ThreatClass classify_threat(std::string_view category) {
  if (category.empty()) return ThreatClass::kGeneric;
  const std::string w = threat_words(category);
  // Most specific first: an exploit kit is one whatever its name ("Blackhole Exploit Kit"); a sinkholed C2
  // domain is a sinkhole now; a DGA botnet's domain is a DGA domain.
  if (has_any(w, {"-exploit-kit", "-exploitkit"})) return ThreatClass::kDriveBy;
  if (has_any(w, {"-sinkhole", "-sinkholed-", "-blackhole", "-black-hole-"})) return ThreatClass::kSinkhole;
  if (has_any(w, {"-dga-", "-domain-generation-", "-domain-generation-algorithm", "-algorithmically-generated-"}))
    return ThreatClass::kDga;
  if (has_any(w, {"-c2-", "-c&c-", "-cnc-", "-c-c-", "-c-and-c-", "-command-and-control-", "-command-control-",
                  "-commandandcontrol-", "-botnet-cc-", "-botnetcc-", "-botnet-c2-", "-botnet-c&c-",
                  "-command-&-control-", "-c-&-c-"}))
    return ThreatClass::kCommandAndControl;
  if (has_any(w, {"-coinminer", "-cryptominer", "-cryptomining", "-crypto-mining", "-cryptojacking", "-miner-",
                  "-miners-", "-mining-", "-mining-pool", "-bitcoin", "-monero-", "-xmrig", "-cryptocurrency"}))
    return ThreatClass::kCryptoCurrency;
  if (has_any(w, {"-phishing", "-phish-", "-credential-harvesting"})) return ThreatClass::kPhishing;
  if (has_any(w, {"-drop-point", "-droppoint", "-drop-zone", "-dropzone", "-exfiltration", "-exfil-", "-cc-skimming",
                  "-skimmer"}))
    return ThreatClass::kDropPoint;
  if (has_any(w, {"-drive-by", "-driveby", "-exploit-kit", "-exploitkit", "-malvertising"}))
    return ThreatClass::kDriveBy;
  return ThreatClass::kGeneric;
}

std::string_view threat_class_name(ThreatClass c) {
  switch (c) {
    case ThreatClass::kGeneric:
      return "generic";
    case ThreatClass::kCommandAndControl:
      return "command_and_control";
    case ThreatClass::kCryptoCurrency:
      return "cryptocurrency";
    case ThreatClass::kPhishing:
      return "phishing";
    case ThreatClass::kDga:
      return "dga";
    case ThreatClass::kDropPoint:
      return "drop_point";
    case ThreatClass::kDriveBy:
      return "drive_by";
    case ThreatClass::kSinkhole:
      return "sinkhole";
  }
  return "generic";
}

std::string_view indicator_kind_name(IndicatorKind kind) {
  switch (kind) {
    case IndicatorKind::kDomain:
      return "domain";
    case IndicatorKind::kIpv4:
      return "ipv4";
    case IndicatorKind::kIpv6:
      return "ipv6";
    case IndicatorKind::kCidr4:
      return "ipv4-cidr";
    case IndicatorKind::kCidr6:
      return "ipv6-cidr";
    case IndicatorKind::kUrl:
      return "url";
  }
  return "unknown";
}

ConfidenceLevel confidence_level(int confidence) {
  if (confidence < 0) return ConfidenceLevel::kUnknown;
  if (confidence >= 80) return ConfidenceLevel::kHigh;
  if (confidence >= 50) return ConfidenceLevel::kMedium;
  return ConfidenceLevel::kLow;
}

std::string_view confidence_level_name(ConfidenceLevel level) {
  switch (level) {
    case ConfidenceLevel::kHigh:
      return "high";
    case ConfidenceLevel::kMedium:
      return "medium";
    case ConfidenceLevel::kLow:
      return "low";
    case ConfidenceLevel::kUnknown:
      return "unknown";
  }
  return "unknown";
}

ThreatIntel::ThreatIntel() { texts_.push_back({}); }

std::string_view ThreatIntel::store(std::string_view s) {
  if (s.size() > arena_capacity_ - arena_used_) {
    const std::size_t size = std::max(kArenaBlock, s.size());
    arena_.push_back(std::make_unique<char[]>(size));
    arena_used_ = 0;
    arena_capacity_ = size;
  }
  char* p = arena_.back().get() + arena_used_;
  std::memcpy(p, s.data(), s.size());
  arena_used_ += s.size();
  return std::string_view(p, s.size());
}

std::uint32_t ThreatIntel::intern(std::string_view s) {
  if (s.empty()) return 0;
  auto it = text_ids_.find(as_absl(s));
  if (it != text_ids_.end()) return it->second;
  std::string_view stored = store(s);
  auto id = static_cast<std::uint32_t>(texts_.size());
  texts_.push_back(stored);
  text_ids_.emplace(as_absl(stored), id);
  return id;
}

std::uint32_t ThreatIntel::add_feed(std::string_view name) {
  current_feed_ = intern(name);
  return current_feed_;
}

// slot_index is the map's value: either new (== size()) or an existing indicator to compare with.
bool ThreatIntel::place(std::uint32_t& slot_index, const Indicator& ind) {
  if (slot_index < indicators_.size()) {
    ++duplicates_;
    if (ind.confidence > indicators_[slot_index].confidence) indicators_[slot_index] = ind;
    return true;
  }
  slot_index = static_cast<std::uint32_t>(indicators_.size());
  indicators_.push_back(ind);
  return true;
}

bool ThreatIntel::add(const IndicatorInput& in) {
  if (in.match_key.empty()) return false;
  Indicator ind;
  ind.kind = in.kind;
  ind.confidence = static_cast<std::int16_t>(std::clamp(in.confidence, -1, 100));
  ind.feed = current_feed_;
  ind.actor = intern(in.actor);
  ind.threat = intern(in.threat);
  ind.threat_class = classify_threat(in.threat);
  ind.source = intern(in.source);
  ind.first_seen = intern(in.first_seen);
  ind.last_seen = intern(in.last_seen);
  const auto new_index = static_cast<std::uint32_t>(indicators_.size());
  // The key decides where the indicator lives: a URL whose host is an address matches addresses.
  bool host_bits = false;
  auto prefix = parse_prefix(in.match_key, &host_bits);
  if (!prefix) {
    if (host_bits || in.kind == IndicatorKind::kIpv4 || in.kind == IndicatorKind::kIpv6 ||
        in.kind == IndicatorKind::kCidr4 || in.kind == IndicatorKind::kCidr6) {
      return false;
    }
    auto it = domains_.find(as_absl(in.match_key));
    if (it != domains_.end()) {
      ind.value = in.value == in.match_key ? std::string_view(it->first.data(), it->first.size()) : store(in.value);
      return place(it->second, ind);
    }
    const std::string_view key = store(in.match_key);
    ind.value = in.value == in.match_key ? key : store(in.value);  // most domain indicators are their own key
    std::uint32_t slot = new_index;
    place(slot, ind);
    domains_.emplace(as_absl(key), slot);
    return true;
  }
  ind.value = store(in.value);
  if (!prefix->address.v6) {
    note_length(v4_lengths_, prefix->length);
    auto [it, inserted] = v4_[static_cast<std::size_t>(prefix->length)].try_emplace(prefix->address.v4(), new_index);
    if (inserted) ++address_count_;
    return place(it->second, ind);
  }
  note_length(v6_lengths_, prefix->length);
  auto [it, inserted] = v6_[static_cast<std::size_t>(prefix->length)].try_emplace(key_v6(prefix->address), new_index);
  if (inserted) ++address_count_;
  return place(it->second, ind);
}

const Indicator* ThreatIntel::match_domain(std::string_view name, std::string_view registered) const {
  if (domains_.empty() || name.empty()) return nullptr;
  // Suffixes from the full name down to the registered domain; without one, down to two labels.
  const std::size_t stop = registered.empty() ? 0 : registered.size();
  std::string_view suffix = name;
  while (true) {
    if (registered.empty() && suffix.find('.') == std::string_view::npos) return nullptr;
    auto it = domains_.find(as_absl(suffix));
    if (it != domains_.end()) return &indicators_[it->second];
    if (suffix.size() <= stop) return nullptr;
    const auto dot = suffix.find('.');
    if (dot == std::string_view::npos) return nullptr;
    suffix.remove_prefix(dot + 1);
  }
}

const Indicator* ThreatIntel::match_ip(const IpAddress& ip) const {
  if (!ip.v6) {
    const std::uint32_t a = ip.v4();
    for (int len : v4_lengths_) {
      const std::uint32_t key = len == 0 ? 0 : a & (~std::uint32_t{0} << (32 - len));
      const auto& map = v4_[static_cast<std::size_t>(len)];
      auto it = map.find(key);
      if (it != map.end()) return &indicators_[it->second];
    }
    return nullptr;
  }
  const absl::uint128 a = key_v6(ip);
  for (int len : v6_lengths_) {
    const absl::uint128 mask = len == 0 ? absl::uint128(0) : (~absl::uint128(0)) << (128 - len);
    const auto& map = v6_[static_cast<std::size_t>(len)];
    auto it = map.find(a & mask);
    if (it != map.end()) return &indicators_[it->second];
  }
  return nullptr;
}

}  // namespace dnslens
