// libFuzzer target: threat-intel feed loaders (list/hosts, CSV, STIX, MISP) on hostile text, then
// matching against what loaded. The first byte picks the format; malformed feeds may throw
// dnslens::Error (a config error), never crash.
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "enrich/threat_intel/feed_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto psl =
      dnslens::PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, dnslens::PslScope::kIcannAndPrivate);
  if (size == 0) return 0;
  dnslens::FeedSpec spec;
  spec.name = "fuzz";
  spec.path = "fuzz";
  const dnslens::FeedFormat formats[] = {dnslens::FeedFormat::kAuto, dnslens::FeedFormat::kList,
                                         dnslens::FeedFormat::kCsv, dnslens::FeedFormat::kStix,
                                         dnslens::FeedFormat::kMisp};
  spec.format = formats[data[0] % 5];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  dnslens::ThreatIntel intel;
  try {
    auto report = dnslens::load_feed_text(spec, text, psl, intel);
    if (report.problems.size() > dnslens::FeedReport::kMaxProblems) __builtin_trap();
  } catch (const dnslens::Error&) {
  }
  for (const char* name : {"a.b.example.com", "evil.com", "x.y.z.co.uk"}) (void)intel.match_domain(name, {});
  for (const char* ip : {"10.1.2.3", "2001:db8::1", "0.0.0.0"}) {
    if (auto a = dnslens::parse_ip(ip)) (void)intel.match_ip(*a);
  }
  return 0;
}
