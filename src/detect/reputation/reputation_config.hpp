#pragma once
// The low-reputation detector's settings (section `reputation` of the detection config).
#include <cstdint>
#include <string>

#include "detect/engine/config_fields.hpp"

namespace dnslens {

struct ReputationConfig {
  bool enabled = true;
  // Newly observed domains (domain_history.hpp): off while history_file is empty. `--domain-history`
  // sets it from the command line.
  std::string history_file;
  std::int64_t newly_observed_seconds = 86400;      // how long after its first resolution a domain is new
  std::int64_t learning_seconds = 7 * 86400;        // history needed before a first resolution counts
  std::int64_t history_keep_seconds = 180 * 86400;  // a domain not resolved this long is forgotten
  std::int64_t history_gap_seconds = 2 * 86400;     // records stopping this long: the history learns again
  std::uint64_t history_max_domains = 1000000;
  std::int64_t history_save_seconds = 300;  // wall time between saves of a long-running process

  void fields(ConfigFields& f) {
    f.add("enabled", &enabled);
    f.add("history_file", &history_file);
    f.add("newly_observed_seconds", &newly_observed_seconds);
    f.add("learning_seconds", &learning_seconds);
    f.add("history_keep_seconds", &history_keep_seconds);
    f.add("history_gap_seconds", &history_gap_seconds);
    f.add("history_max_domains", &history_max_domains);
    f.add("history_save_seconds", &history_save_seconds);
  }
  void validate(const ConfigCheck& check) const {
    check.seconds("newly_observed_seconds", newly_observed_seconds);
    check.seconds("learning_seconds", learning_seconds, /*allow_zero=*/true);
    check.seconds("history_keep_seconds", history_keep_seconds);
    check.seconds("history_gap_seconds", history_gap_seconds);
    check.cap("history_max_domains", history_max_domains);
    check.seconds("history_save_seconds", history_save_seconds);
    if (history_keep_seconds < newly_observed_seconds)
      check.fail("history_keep_seconds", "must be at least newly_observed_seconds");
  }
};

}  // namespace dnslens
