#pragma once
// A VPC whose query logging stops: after logging in nearly every minute of the last hour, a VPC
// logs nothing for half an hour or more (its logging configuration was deleted or disassociated,
// its log destination broke, or everything in it stopped: worth knowing either way; tampering with
// logging is how an intruder hides). Two shapes:
// - a gap: records resume later. Judged once the VPC's clock has passed the gap's end plus the
//   lateness allowance, so a late record that falls in the gap cancels it.
// - silence at the end: at the end of input the VPC's last record is older than the newest record
//   of the whole input by at least the gap (other VPCs went on logging).
// Per VPC: the last record's time and a 64-minute bitmap of the minutes with records.
#include <cstdint>
#include <string>

#include <absl/container/flat_hash_map.h>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector.hpp"
#include "detect/engine/detector_registration.hpp"
#include "detect/log_gap/log_gap_config.hpp"

namespace dnslens {

class LogGapDetector : public Detector {
 public:
  LogGapDetector(const LogGapConfig& config, std::uint32_t evidence);
  void observe(const EventContext& ctx, FindingSink& sink) override;
  void sweep(const Watermarks& clocks, std::int64_t lateness_ms, FindingSink& sink) override;
  void finish(FindingSink& sink) override;
  [[nodiscard]] DetectorStats stats() const override;

 private:
  struct Vpc {
    std::int64_t first_ms = 0;
    std::int64_t last_ms = 0;
    std::int64_t last_minute = 0;
    std::uint64_t minutes = 0;  // bit i: minute last_minute - i had a record
    std::uint64_t records = 0;
    Entity entity;
    // A gap found when records resumed, reported once the clock passes its end plus the lateness.
    bool pending = false;
    std::int64_t gap_start_ms = 0, gap_end_ms = 0;
    unsigned active_minutes = 0;  // of the history before the gap
    std::string evidence;         // the record that ended the gap
  };

  // Minutes with records among the history_seconds before v.last_ms, or -1 when the VPC has not
  // logged for that long yet.
  [[nodiscard]] int active_minutes(const Vpc& v) const;
  void report(Vpc& v, bool at_end, std::int64_t input_end_ms, FindingSink& sink);
  void evict(FindingSink& sink);

  LogGapConfig config_;
  std::uint32_t evidence_;
  int history_minutes_;
  std::int64_t newest_ms_ = INT64_MIN;  // the newest record of the whole input
  absl::flat_hash_map<std::uint64_t, Vpc> vpcs_;
  DetectorStats stats_;
};

// Section `log_gap` of the detection config; raises QueryLogGap.
[[nodiscard]] const DetectorRegistration& log_gap_registration();

}  // namespace dnslens
