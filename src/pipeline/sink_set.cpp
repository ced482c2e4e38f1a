#include "pipeline/sink_set.hpp"

#include <unistd.h>

#include <chrono>

#include <fmt/format.h>

#include "sinks/detection/detection_sink.hpp"
#include "sinks/duckdb/duckdb_sink.hpp"
#include "sinks/notifications/notification_sink.hpp"

namespace dnslens {

namespace {

// Names a run's partition files apart from another run's in the same directory.
std::string make_run_id() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return fmt::format("{:x}-{}", std::chrono::duration_cast<std::chrono::milliseconds>(now).count(), ::getpid());
}

}  // namespace

template <class Sink>
Sink* SinkSet::add(std::unique_ptr<Sink> sink) {
  Sink* raw = sink.get();
  sinks_.push_back(raw);
  owned_.push_back(std::move(sink));
  return raw;
}

SinkSet::SinkSet(const PipelineConfig& config, RecordSink* request_store) {
  const SinkConfig& s = config.sinks;
  if (config.detection.detectors != nullptr) add(std::make_unique<DetectionSink>(*config.detection.detectors));
  if (s.json) {
    JsonLinesConfig json = *s.json;
    if (json.run_id.empty()) json.run_id = make_run_id();
    json_ = add(std::make_unique<JsonLinesSink>(std::move(json)));
  }
  if (request_store != nullptr) {
    sinks_.push_back(request_store);
  } else {
    if (s.store != nullptr) add(std::make_unique<DuckDbSink>(*s.store));
    if (s.clickhouse != nullptr) sinks_.push_back(s.clickhouse);
  }
  if (s.notifier != nullptr) add(std::make_unique<NotificationSink>(*s.notifier));
}

SinkSet::~SinkSet() = default;

}  // namespace dnslens
