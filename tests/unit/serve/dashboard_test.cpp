// Dashboard against a real store file: whatever range and limit a request names, a panel's time
// series has a bounded number of buckets and series, every response stays within a few MB, and
// parameters outside their ranges are refused with the reason.
#include "serve/dashboard.hpp"

#include <gtest/gtest.h>

#include <set>

#include <simdjson.h>

#include "core/error.hpp"
#include "ingest_test_helpers.hpp"
#include "serve/firehose_ingest.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "store/dga_functions.hpp"
#include "store/geo_functions.hpp"

namespace dnslens {
namespace {

constexpr std::int64_t kWideFrom = 0, kWideTo = 999'999'999'999'999;

class DashboardTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScratchDir();
    store_ = new StoreWriter(dir_->file("dash.duckdb"), 1);
    FirehoseIngest ingest(testing::firehose_pipeline(*store_), {});
    // 3000 records over 50 hours, in 60 VPCs (more series than a chart keeps).
    std::string payload;
    for (std::size_t i = 0; i < 3000; ++i) payload += testing::query_line(i, 60) + "\n";
    const IngestResult r = ingest.ingest("r1", "", testing::firehose_body("r1", {payload}));
    ASSERT_EQ(r.status, IngestStatus::kStored) << r.message;
    DuckConnection conn = store_->database().connect();
    register_geo_functions(conn, nullptr);
    register_dga_functions(conn, default_dga_model());
  }
  static void TearDownTestSuite() {
    delete store_;
    delete dir_;
  }

  static simdjson::dom::element parse(const std::string& json) {
    static simdjson::dom::parser parser;
    simdjson::dom::element root;
    EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json.substr(0, 300);
    return root;
  }

  static testing::ScratchDir* dir_;
  static StoreWriter* store_;
};
testing::ScratchDir* DashboardTest::dir_ = nullptr;
StoreWriter* DashboardTest::store_ = nullptr;

DashboardQuery wide() {
  DashboardQuery q;
  q.from_ms = kWideFrom;
  q.to_ms = kWideTo;
  return q;
}

TEST_F(DashboardTest, AnUnboundedRangeGivesAtMostTheMaximumOfBuckets) {
  Dashboard dash(store_->database(), nullptr);
  for (std::string_view id : {"threat_outlier", "fw_alert_outlier", "fw_block_outlier"}) {
    const std::string json = dash.panel_json(id, wide());
    EXPECT_LT(json.size(), 64u << 10) << id;
    simdjson::dom::element root = parse(json);
    EXPECT_LE(root["rows"].get_array().size(), static_cast<std::size_t>(kMaxBuckets) + 2) << id;
    std::int64_t bucket = 0;
    ASSERT_EQ(root["bucket_seconds"].get_int64().get(bucket), simdjson::SUCCESS);
    EXPECT_GE(bucket * 1000 * kMaxBuckets, kWideTo - kWideFrom) << id;
  }
}

TEST_F(DashboardTest, BucketsAreRoundAndNeverMoreThanTheMaximum) {
  EXPECT_EQ(dashboard_bucket_seconds(3'600'000), 60);
  EXPECT_EQ(dashboard_bucket_seconds(6 * 86'400'000LL), 3600);
  for (std::int64_t range : std::initializer_list<std::int64_t>{1, 86'400'000, 400LL * 86'400'000, 3650LL * 86'400'000,
                                                                kWideTo, kMaxQueryTimeMs}) {
    const std::int64_t bucket = dashboard_bucket_seconds(range);
    EXPECT_LE(range / (bucket * 1000), kMaxBuckets) << range;
    if (bucket > 604800) {
      EXPECT_EQ(bucket % 86400, 0) << range;
    }
  }
}

TEST_F(DashboardTest, ATimeSeriesKeepsTheLargestSeriesAndSumsTheOthers) {
  Dashboard dash(store_->database(), nullptr);
  const std::string json = dash.panel_json("vpc_time", wide());
  simdjson::dom::element root = parse(json);
  std::set<std::string> series;
  std::int64_t total = 0;
  for (simdjson::dom::element row : root["rows"].get_array()) {
    series.emplace(std::string_view(row.at(1).get_string().value()));
    total += row.at(2).get_int64().value();
  }
  EXPECT_EQ(series.size(), kMaxSeries + 1);
  EXPECT_EQ(series.count("(other)"), 1u);
  EXPECT_EQ(total, 3000);  // nothing is lost, only summed
}

TEST_F(DashboardTest, EveryPanelStaysSmallOverAnUnboundedRange) {
  Dashboard dash(store_->database(), nullptr);
  for (const PanelDef& p : dashboard_panels()) {
    const std::string json = dash.panel_json(p.id, wide());
    EXPECT_LT(json.size(), 1u << 20) << p.id;
    simdjson::dom::element root = parse(json);
    EXPECT_LE(root["rows"].get_array().size(), (kMaxBuckets + 2) * (kMaxSeries + 2)) << p.id;
  }
}

TEST_F(DashboardTest, RecordsAreAtMostTheMaximumLimit) {
  Dashboard dash(store_->database(), nullptr);
  DashboardQuery q = wide();
  q.limit = 1'000'000;  // past what parse_dashboard_query lets through
  const std::string json = dash.records_json(q);
  simdjson::dom::element root = parse(json);
  EXPECT_EQ(root["rows"].get_array().size(), kMaxRecordsLimit);
  EXPECT_EQ(root["total"].get_int64().value(), 3000);
  EXPECT_LT(json.size(), 1u << 20);
}

TEST_F(DashboardTest, AResultPastItsByteBudgetIsCutAndSaysSo) {
  DuckDashboardStore duck(store_->database());
  const PanelRows r = duck.query("SELECT repeat('x', 5000) AS long_text, i FROM range(1000) t(i)");
  const std::string json = result_json(r, 64 << 10);
  EXPECT_LT(json.size(), (64 << 10) + 4096);
  simdjson::dom::element root = parse(json);
  EXPECT_TRUE(root["truncated"].get_bool().value());
  simdjson::dom::array rows = root["rows"].get_array();
  ASSERT_GT(rows.size(), 0u);
  EXPECT_EQ(rows.at(0).at(0).get_string().value().size(), kMaxCellBytes);
}

std::multimap<std::string, std::string> params(std::initializer_list<std::pair<const std::string, std::string>> p) {
  return std::multimap<std::string, std::string>(p);
}

void expect_refused(const std::multimap<std::string, std::string>& p, std::string_view why) {
  try {
    (void)parse_dashboard_query(p);
    ADD_FAILURE() << "accepted; expected: " << why;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}

TEST(DashboardQueryTest, TimesAndLimitsOutsideTheirRangesAreRefusedWithTheReason) {
  expect_refused(params({{"from", "0"}, {"to", "999999999999999"}}), "outside 1970-01-01 to 9999-12-31");
  expect_refused(params({{"from", "1000"}, {"to", "1000"}}), "'from' must be before 'to'");
  expect_refused(params({{"from", "2000"}, {"to", "1000"}}), "'from' must be before 'to'");
  expect_refused(params({{"from", "12.5"}}), "is not a time");
  expect_refused(params({{"to", "99999999999999999999"}}), "is not a time");
  expect_refused(params({{"from", "1969-12-31T00:00:00Z"}}), "outside 1970-01-01");
  expect_refused(params({{"limit", "0"}}), "from 1 to 1000");
  expect_refused(params({{"limit", "1001"}}), "from 1 to 1000");
  expect_refused(params({{"limit", "10abc"}}), "from 1 to 1000");
  expect_refused(params({{"limit", "99999999999999999999999"}}), "from 1 to 1000");
  const DashboardQuery q =
      parse_dashboard_query(params({{"from", "0"}, {"to", "2026-11-22T00:00:00Z"}, {"limit", "1000"}}));
  EXPECT_EQ(*q.from_ms, 0);
  EXPECT_EQ(*q.to_ms, 1'795'305'600'000);
  EXPECT_EQ(q.limit, 1000u);
}

}  // namespace
}  // namespace dnslens
