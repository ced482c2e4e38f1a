#pragma once
// Queries of low-reputation names (low_reputation.hpp): one SuspiciousDomainRequest per (source,
// registered domain), announced on the first query; repeats widen it.
//
// With a domain history (reputation.history_file, `--domain-history`), also resolutions of newly
// observed registered domains: a domain this deployment first resolved less than
// newly_observed_seconds ago, once the history had been learning for learning_seconds (tier
// newly_observed). Only answered queries count as resolutions (NOERROR, not blocked by DNS Firewall), and
// names with a low-reputation tier of their own, benign noise, reverse lookups and names under suffixes
// the public suffix list does not know are left out. Under a private-section suffix (cloudfront.net, an S3
// endpoint) the domain is the one the ICANN rules give (kEventPrivateSuffix). A (source, domain)'s repeats
// are gathered and widen its finding at each sweep, not one finding each.
#include <chrono>
#include <memory>
#include <string>

#include <absl/container/flat_hash_map.h>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector.hpp"
#include "detect/engine/detector_registration.hpp"
#include "detect/reputation/domain_history.hpp"
#include "detect/reputation/reputation_config.hpp"

namespace dnslens {

class ReputationDetector : public Detector {
 public:
  // Throws what DomainHistory's constructor throws.
  ReputationDetector(const ReputationConfig& config, std::uint32_t evidence);
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void sweep(const Watermarks&, std::int64_t, FindingSink& sink) override;
  void finish(FindingSink& sink) override;
  [[nodiscard]] DetectorStats stats() const override;

 private:
  // A newly observed domain's finding for one source since the last sweep.
  struct Pending {
    Finding finding;  // as first emitted
    std::uint64_t more = 0;
    std::int64_t first_ms = 0, last_ms = 0;
  };
  using Clock = std::chrono::steady_clock;

  void observe_low_reputation(const EventContext& ctx, FindingSink& sink);
  void observe_newly_observed(const EventContext& ctx, FindingSink& sink);
  void flush_pending(FindingSink& sink);
  void save_history();

  ReputationConfig config_;
  std::uint32_t evidence_;
  std::unique_ptr<DomainHistory> history_;
  absl::flat_hash_map<std::uint64_t, Pending> pending_;  // by (source, domain)
  Clock::time_point last_save_;
  std::string save_failure_;          // the last save's error, empty after a good one
  std::uint64_t newly_observed_ = 0;  // queries of newly observed domains
  DetectorStats stats_;
};

// Section `reputation` of the detection config; raises SuspiciousDomainRequest.
[[nodiscard]] const DetectorRegistration& reputation_registration();

}  // namespace dnslens
