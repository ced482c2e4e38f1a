#pragma once
// The record sinks a PipelineConfig asks for, made once per run (or once per serve process), in the
// order the writer writes a batch to them: detection (the detectors see a batch, and announce its new
// findings, before its matches are announced), JSON lines, DuckDB, notifications. A new sink is its
// folder under src/sinks/ and one line in SinkSet's constructor.
#include <memory>
#include <vector>

#include "pipeline/pipeline_config.hpp"
#include "sinks/jsonl/jsonl_sink.hpp"
#include "sinks/record_sink.hpp"

namespace dnslens {

class SinkSet {
 public:
  // request_store: serve's store writes each request's records into its pending request (the DuckDB
  // store's request appender, or ClickHouse's), committed by its owner once per request; it takes the
  // place of the run's store sinks.
  explicit SinkSet(const PipelineConfig& config, RecordSink* request_store = nullptr);
  ~SinkSet();

  [[nodiscard]] const std::vector<RecordSink*>& sinks() const { return sinks_; }
  [[nodiscard]] const JsonLinesSink* json() const { return json_; }

 private:
  template <class Sink>
  Sink* add(std::unique_ptr<Sink> sink);

  std::vector<std::unique_ptr<RecordSink>> owned_;
  std::vector<RecordSink*> sinks_;
  JsonLinesSink* json_ = nullptr;
};

}  // namespace dnslens
