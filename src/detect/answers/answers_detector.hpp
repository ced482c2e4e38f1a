#pragma once
// What the answers say: a name that resolves to the instance metadata service (DNS rebinding turns a
// URL fetch into a credential request: MetadataDNSRebind), or to a black hole (0.0.0.0, loopback,
// or a sinkhole that threat intel names: BlackholeTraffic, malware whose domain was taken down).
// One finding per (source, registered domain); repeats widen it. No state between records.
#include <string>
#include <string_view>

#include "core/domain_set.hpp"
#include "detect/answers/answers_config.hpp"
#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector.hpp"
#include "detect/engine/detector_registration.hpp"

namespace dnslens {

// A comma-separated list of "name" / "*.name" entries; an entry that is not a domain name fails the
// check naming the key.
[[nodiscard]] DomainSet parse_name_list(std::string_view text, const ConfigCheck& check, std::string_view key);

class AnswersDetector : public Detector {
 public:
  AnswersDetector(const AnswersConfig& config, std::uint32_t evidence);
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void sweep(const Watermarks&, std::int64_t, FindingSink&) override {}
  void finish(FindingSink&) override {}
  [[nodiscard]] DetectorStats stats() const override { return stats_; }

 private:
  DomainSet metadata_allowed_, blackhole_allowed_;
  std::uint32_t evidence_;
  DetectorStats stats_;
};

// Section `answers` of the detection config; raises MetadataDNSRebind and BlackholeTraffic.
[[nodiscard]] const DetectorRegistration& answers_registration();

}  // namespace dnslens
