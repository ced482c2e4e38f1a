#pragma once
// Interesting-domain and threat-intel matches as typed notifications. Each worker writes a match's
// JSON object and chat line on its own thread; the writer, which knows where the batch came from
// (the file and its line numbers, or the Firehose request and its records), completes them and hands
// them to the notifier in input order. In serve that happens only once the request is committed, so
// a retried request announces nothing twice.
#include <memory>
#include <string>
#include <vector>

#include "notify/match_notifier.hpp"
#include "sinks/record_sink.hpp"

namespace dnslens {

class NotificationSink final : public RecordSink {
 public:
  [[nodiscard]] std::string_view name() const override { return "notifications"; }
  explicit NotificationSink(MatchNotifier& notifier) : notifier_(notifier) {}

  [[nodiscard]] std::unique_ptr<SinkLocal> make_local(unsigned worker, unsigned workers) override;
  [[nodiscard]] std::unique_ptr<SinkBatch> make_batch() const override;
  void write(SinkBatch& batch, const BatchOrigin& origin) override;
  // The notifier's owner closes it, after the findings of the last windows are announced too.
  void finish() override {}

 private:
  MatchNotifier& notifier_;
};

}  // namespace dnslens
