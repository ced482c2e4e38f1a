#pragma once
// The signals of one DNS name that detection reads and sinks store: a function of the name alone.
#include <cstdint>

namespace dnslens {

struct NameFeatures {
  float name_entropy = 0;       // Shannon entropy (bits/char) of the name's characters, dots excluded
  float subdomain_entropy = 0;  // the same for the part left of the registered domain
  std::uint16_t name_length = 0;
  std::uint16_t subdomain_length = 0;
  std::uint8_t longest_label = 0;
  std::uint8_t label_count = 0;
  float digit_ratio = 0;      // digits / characters (dots excluded)
  float consonant_ratio = 0;  // consonants / characters (dots excluded)
};

struct NameSignals {
  NameFeatures features;
  float dga_score = 0;
  float subdomain_dga = 0;  // DGA score of the subdomain's longest label, when >= 12 characters
  std::uint8_t longest_subdomain_label = 0;
  bool benign_noise = false;
  std::uint8_t reputation = 0;  // a ReputationTier (detect/reputation): a low-reputation provider's name, or parked
};

}  // namespace dnslens
