#pragma once
// The tunneling detector's settings (section `tunneling` of the detection config).
#include <cstdint>

#include "detect/engine/config_fields.hpp"

namespace dnslens {

struct TunnelingConfig {
  bool enabled = true;
  std::int64_t window_seconds = 3600;
  std::uint32_t min_subdomain_length = 12;  // shorter subdomains (www, api) are not looked at
  std::uint32_t min_queries = 40;
  std::uint32_t min_distinct_subdomains = 30;
  std::uint64_t min_bytes = 1500;  // characters sent in subdomains within the window
  double min_random_share = 0.5;   // share of queries whose longest label looks machine made
  double min_mean_entropy = 3.8;   // ... or: mean subdomain entropy (bits/char), with 3x the distinct names
  // ... or: this share of data-carrying queries (TXT, NULL, CNAME, MX, ANY), with 3x the distinct names and
  // some machine-looking labels: a tunnel's polls for data (dns2tcp's: ten characters of a session id,
  // a counter and a flag) need not look random, but they are all TXT and each name is new, and the
  // queries that carry the data do look random. Mail's TXT lookups (SPF, DKIM, DMARC) repeat a few names
  // per domain, and a relay's SPF checks of many sending hosts of one provider have no random labels.
  double min_data_type_share = 0.8;
  double min_data_type_random_share = 0.1;
  double random_label_score = 0.5;  // DGA score from which a subdomain label counts as random
  std::uint64_t max_keys = 50000;
  // Low and slow, per source over a long window and across registered domains: names whose subdomain
  // has slow_min_subdomain_length+ characters and a machine-looking longest label.
  std::int64_t slow_window_seconds = 6 * 3600;
  std::uint32_t slow_min_subdomain_length = 20;
  std::uint32_t slow_min_queries = 60;
  std::uint32_t slow_min_distinct = 40;
  std::uint64_t slow_min_bytes = 2000;
  std::uint64_t slow_max_keys = 50000;
  // Numbered labels, per (source, registered domain) and window: names whose first label is a number
  // (a stager or a chunked transfer asking for piece 0, 1, 2, ... and taking the data from the answers).
  // Fires on sequence_min_distinct distinct numbers at least, filling at least sequence_min_density of
  // the range they span (a count, not random ids).
  std::uint32_t sequence_min_distinct = 64;
  double sequence_min_density = 0.5;

  void fields(ConfigFields& f) {
    f.add("enabled", &enabled);
    f.add("window_seconds", &window_seconds);
    f.add("min_subdomain_length", &min_subdomain_length);
    f.add("min_queries", &min_queries);
    f.add("min_distinct_subdomains", &min_distinct_subdomains);
    f.add("min_bytes", &min_bytes);
    f.add("min_random_share", &min_random_share);
    f.add("min_mean_entropy", &min_mean_entropy);
    f.add("min_data_type_share", &min_data_type_share);
    f.add("min_data_type_random_share", &min_data_type_random_share);
    f.add("random_label_score", &random_label_score);
    f.add("max_keys", &max_keys);
    f.add("slow_window_seconds", &slow_window_seconds);
    f.add("slow_min_subdomain_length", &slow_min_subdomain_length);
    f.add("slow_min_queries", &slow_min_queries);
    f.add("slow_min_distinct", &slow_min_distinct);
    f.add("slow_min_bytes", &slow_min_bytes);
    f.add("slow_max_keys", &slow_max_keys);
    f.add("sequence_min_distinct", &sequence_min_distinct);
    f.add("sequence_min_density", &sequence_min_density);
  }
  void validate(const ConfigCheck& check) const {
    check.seconds("window_seconds", window_seconds);
    check.share("min_random_share", min_random_share);
    check.share("min_data_type_share", min_data_type_share);
    check.share("min_data_type_random_share", min_data_type_random_share);
    check.share("random_label_score", random_label_score);
    check.cap("max_keys", max_keys);
    check.seconds("slow_window_seconds", slow_window_seconds);
    check.cap("slow_max_keys", slow_max_keys);
    check.share("sequence_min_density", sequence_min_density);
  }
};

}  // namespace dnslens
