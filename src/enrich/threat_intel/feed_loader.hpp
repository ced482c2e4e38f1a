#pragma once
// Reads the threat-intel feeds people have: plain domain/IP lists and hosts files, CSV with a
// header (column mapping configurable), STIX 2.1 bundles and MISP JSON event exports. A bad entry
// is reported with its file and line (or object) and skipped; the rest of the feed loads.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "enrich/registered_domain/public_suffix_list.hpp"
#include "enrich/threat_intel/threat_intel.hpp"

namespace dnslens {

enum class FeedFormat { kAuto, kList, kCsv, kStix, kMisp };
[[nodiscard]] std::string_view feed_format_name(FeedFormat f);
[[nodiscard]] std::optional<FeedFormat> parse_feed_format(std::string_view name);

struct FeedSpec {
  std::string name;  // shown on every hit; defaults to the file name without extension
  std::string path;
  FeedFormat format = FeedFormat::kAuto;
  // CSV: field -> column header. Fields: indicator, type, confidence, actor, threat, source,
  // first_seen, last_seen. Unset fields are looked for under their usual names.
  std::map<std::string, std::string> columns;
  int default_confidence = -1;  // for entries (or whole feeds) that carry none
  std::string default_actor;
  std::string default_threat;

  void validate() const;  // throws Error(kConfig) naming the feed
  // "[NAME=]PATH" as given on the command line.
  static FeedSpec parse(std::string_view spec);
};

struct FeedReport {
  std::string name;
  std::string path;
  FeedFormat format = FeedFormat::kAuto;
  std::size_t loaded = 0;
  std::size_t rejected = 0;
  std::size_t skipped = 0;            // entries of types dnslens does not match on (hashes, ...)
  std::vector<std::string> problems;  // "file:line: reason", the first kMaxProblems
  static constexpr std::size_t kMaxProblems = 50;
};

// Adds the feed's indicators to intel; throws Error(kConfig) when the file cannot be read or is
// not the format it claims to be at all.
FeedReport load_feed(const FeedSpec& spec, const PublicSuffixList& psl, ThreatIntel& intel);
// The same for a feed already in memory (spec.path only names it in reports).
FeedReport load_feed_text(const FeedSpec& spec, const std::string& text, const PublicSuffixList& psl,
                          ThreatIntel& intel);

// Turns one indicator text into a matchable entry: refangs (hxxp, [.]), lowercases domains, reduces
// URLs to their host, checks addresses and prefixes. Returns the reason when it is not usable.
[[nodiscard]] std::optional<std::string> classify_indicator(std::string_view text, std::string_view type_hint,
                                                            const PublicSuffixList& psl, IndicatorInput& out);

// Feeds config file (JSON): [{"name":..., "path":..., "format":..., "columns":{...},
// "default_confidence":..., "actor":..., "threat":...}]; unknown keys are errors.
[[nodiscard]] std::vector<FeedSpec> load_feed_config(const std::string& path);

}  // namespace dnslens
