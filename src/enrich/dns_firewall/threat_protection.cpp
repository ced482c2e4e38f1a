#include "enrich/dns_firewall/threat_protection.hpp"

#include <string_view>

namespace dnslens {

namespace {

using namespace std::string_view_literals;

// Chosen on `dnslens detect eval` (planted Necurs, Ramnit and Kraken names and base32 tunnels over a
// benign day with look-alikes) and the DGA model's scores of popular domains; docs/FIREWALL.md has the
// precision and recall each level reaches.
constexpr ThreatProtectionThresholds kThresholds{
    .dga_score = {0.70F, 0.90F, 0.98F},
    .subdomain_dga = {0.80F, 0.95F, 0.99F},
    .min_label = {12, 16, 24},
};

// Public suffixes (the list's private section) under which a cloud platform names its customers'
// resources with machine-made labels.
constexpr std::string_view kPlatformSuffixes[] = {
    "cloudfront.net"sv,
    "amazonaws.com"sv,
    "elasticbeanstalk.com"sv,
    "awsglobalaccelerator.com"sv,
    "awsapprunner.com"sv,
    "on.aws"sv,
    "azurewebsites.net"sv,
    "cloudapp.net"sv,
    "azureedge.net"sv,
    "azurefd.net"sv,
    "trafficmanager.net"sv,
    "windows.net"sv,
    "azurestaticapps.net"sv,
    "azurecontainer.io"sv,
    "appspot.com"sv,
    "run.app"sv,
    "cloudfunctions.net"sv,
    "googleusercontent.com"sv,
    "web.app"sv,
    "firebaseapp.com"sv,
};

bool platform_assigned(std::string_view suffix) {
  for (std::string_view p : kPlatformSuffixes) {
    if (suffix == p || (suffix.size() > p.size() && suffix.ends_with(p) && suffix[suffix.size() - p.size() - 1] == '.'))
      return true;
  }
  return false;
}

ConfidenceThreshold level_of(float score, const float (&need)[3]) {
  if (score >= need[2]) return ConfidenceThreshold::kHigh;
  if (score >= need[1]) return ConfidenceThreshold::kMedium;
  if (score >= need[0]) return ConfidenceThreshold::kLow;
  return ConfidenceThreshold::kNone;
}

}  // namespace

const ThreatProtectionThresholds& threat_protection_thresholds() { return kThresholds; }

ConfidenceThreshold threat_protection_level(ThreatProtection protection, const EnrichedRecord& name) {
  const NameSignals& s = name.signals;
  if (!name.has_signals || s.benign_noise || name.registered_domain.empty()) return ConfidenceThreshold::kNone;
  switch (protection) {
    case ThreatProtection::kDga:
      if (platform_assigned(name.public_suffix)) return ConfidenceThreshold::kNone;
      return level_of(s.dga_score, kThresholds.dga_score);
    case ThreatProtection::kDnsTunneling: {
      // The longest label must be long enough for the level, and score as machine-made as it needs.
      ConfidenceThreshold by_score = level_of(s.subdomain_dga, kThresholds.subdomain_dga);
      ConfidenceThreshold by_length = ConfidenceThreshold::kNone;
      for (int i = 2; i >= 0; --i) {
        if (s.longest_subdomain_label >= kThresholds.min_label[i]) {
          by_length = static_cast<ConfidenceThreshold>(i + 1);
          break;
        }
      }
      return by_score < by_length ? by_score : by_length;
    }
    case ThreatProtection::kDictionaryDga:
    case ThreatProtection::kNone:
      break;
  }
  return ConfidenceThreshold::kNone;
}

}  // namespace dnslens
