#pragma once
#include <cstddef>
#include <string>

namespace dnslens {

struct NotifierConfig {
  bool to_stdout = false;   // one JSON line per event
  std::string file;         // one JSON line per event, appended
  std::string webhook_url;  // http(s)://host[:port]/path, JSON POST per batch
  bool slack = false;       // webhook body {"text": ...} for Slack-compatible receivers
  std::size_t batch_max_events = 100;
  int batch_wait_ms = 1000;            // a batch leaves when full or this old
  double max_batches_per_minute = 30;  // token bucket for the webhook
  std::size_t burst_batches = 5;
  std::size_t queue_capacity = 10000;  // events waiting; beyond it events are dropped and counted
  int max_retries = 4;
  int backoff_initial_ms = 500;
  int backoff_max_ms = 30000;
  int timeout_ms = 5000;
  std::string min_finding_severity = "low";  // findings below it are not announced (low, medium, high)

  [[nodiscard]] bool enabled() const { return to_stdout || !file.empty() || !webhook_url.empty(); }
  void validate() const;  // throws Error(kUsage)
};

}  // namespace dnslens
