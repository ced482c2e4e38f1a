// The pipeline config as a whole: what the stages need of each other is checked before anything runs,
// and the sink set makes one sink per configured output, in the order the writer writes them.
#include "pipeline/pipeline_config.hpp"

#include <gtest/gtest.h>

#include "../serve/ingest_test_helpers.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "notify/notifier.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/sink_set.hpp"
#include "sinks/detection/detection_sink.hpp"
#include "sinks/duckdb/duckdb_sink.hpp"
#include "sinks/notifications/notification_sink.hpp"

namespace dnslens {
namespace {

std::string validation_error(const PipelineConfig& p) {
  try {
    p.validate();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
    return e.what();
  }
  return "";
}

PipelineConfig inputs_pipeline() {
  PipelineConfig p;
  p.source.inputs = {"logs.jsonl"};
  p.enrich.psl = &testing::test_psl();
  return p;
}

TEST(PipelineConfigTest, TheStagesNeedsOfEachOtherAreChecked) {
  PipelineConfig p = inputs_pipeline();
  EXPECT_EQ(validation_error(p), "");
  DetectionConfig dc;
  FindingStore findings;
  DetectorSet detectors(dc, findings);
  p.detection = {.detectors = &detectors, .findings = &findings};
  EXPECT_NE(validation_error(p).find("detection needs the DGA model"), std::string::npos);
  p.enrich.dga = &default_dga_model();
  EXPECT_EQ(validation_error(p), "");
  p.enrich.dga = nullptr;
  p.detection = {};
  p.enrich.benign_noise = &BenignNoise::builtin();
  EXPECT_NE(validation_error(p).find("needs the DGA model"), std::string::npos);
  p.enrich = Enrichers{};
  EXPECT_NE(validation_error(p).find("public suffix list"), std::string::npos);
  p = inputs_pipeline();
  p.sinks.json = JsonLinesConfig{.path = {}, .dir = {}, .compression = Compression::kNone, .run_id = {}};
  EXPECT_NE(validation_error(p).find("needs a file"), std::string::npos);
  p.source.inputs.clear();
  EXPECT_NE(validation_error(p).find("no input given"), std::string::npos);
}

// (That it commits to a store is FirehoseIngest's to check: the DuckDB store or ClickHouse.)
TEST(PipelineConfigTest, TheFirehoseEndpointReadsNoInputs) {
  testing::ScratchDir dir;
  StoreWriter store(dir.file("s.duckdb"), 1);
  PipelineConfig p = testing::firehose_pipeline(store);
  EXPECT_EQ(validation_error(p), "");
  p.source.inputs = {"x.jsonl"};
  EXPECT_NE(validation_error(p).find("reads no inputs"), std::string::npos);
  p.source.inputs.clear();
  try {
    (void)run_pipeline(p);
    FAIL() << "run_pipeline ran the Firehose endpoint's config";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the Firehose endpoint is served"), std::string::npos) << e.what();
  }
}

TEST(SinkSetTest, OneSinkPerConfiguredOutputInTheWritersOrder) {
  testing::ScratchDir dir;
  StoreWriter store(dir.file("s.duckdb"), 1);
  NotifierConfig nc;
  nc.file = dir.file("matches.jsonl");
  std::unique_ptr<MatchNotifier> notifier = make_notifier(nc);
  DetectionConfig dc;
  FindingStore findings;
  DetectorSet detectors(dc, findings);
  PipelineConfig p = inputs_pipeline();
  EXPECT_TRUE(SinkSet(p).sinks().empty());
  p.enrich.dga = &default_dga_model();
  p.sinks.notifier = notifier.get();
  p.sinks.store = &store;
  p.sinks.json =
      JsonLinesConfig{.path = dir.file("out.jsonl"), .dir = {}, .compression = Compression::kNone, .run_id = {}};
  p.detection = {.detectors = &detectors, .findings = &findings};
  SinkSet all(p);
  ASSERT_EQ(all.sinks().size(), 4u);
  EXPECT_NE(dynamic_cast<DetectionSink*>(all.sinks()[0]), nullptr);
  EXPECT_EQ(static_cast<const RecordSink*>(all.json()), all.sinks()[1]);
  EXPECT_NE(dynamic_cast<DuckDbSink*>(all.sinks()[2]), nullptr);
  EXPECT_NE(dynamic_cast<NotificationSink*>(all.sinks()[3]), nullptr);
  for (RecordSink* s : all.sinks()) s->finish();
  notifier->close();
}

}  // namespace
}  // namespace dnslens
