// StoreAppender's dead letters (DuckDB's appender, in the records' transaction) and the schema-4 to
// schema-5 step, which adds a column to ingest_requests without rewriting the records.
#include "store/store_writer.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "../serve/ingest_test_helpers.hpp"
#include "store/store_schema.hpp"

namespace dnslens {
namespace {

TEST(StoreAppenderTest, DeadLettersCommitWithTheBatchAndAreRepairedLikeAnyText) {
  testing::ScratchDir dir;
  StoreWriter store(dir.file("s.duckdb"), 1);
  auto appender = store.make_appender();
  appender->begin();
  appender->append_dead_letter({1'700'000'000'000, "firehose r record 1", 0, "bad_envelope", "", "raw\xff\x00z", 6});
  appender->rollback();
  DuckConnection c = store.database().connect();
  EXPECT_EQ(c.query("SELECT count(*) FROM dead_letters").int64(0, 0), 0);

  appender->begin();
  appender->append_dead_letter(
      {1'700'000'000'000, "firehose r record 1", 0, "bad_envelope", "", std::string_view("raw\xff\x00z", 6), 6});
  appender->append_dead_letter({1'700'000'000'000, "firehose r record 2", 7, "invalid_json", "why", "{", 1});
  appender->commit();
  DuckResult r = c.query(
      "SELECT epoch_ms(received_at), origin, line, reason, detail, raw, raw_bytes FROM dead_letters ORDER BY origin");
  ASSERT_EQ(r.rows(), 2u);
  EXPECT_EQ(r.int64(0, 0), 1'700'000'000'000);
  EXPECT_FALSE(r.text(2, 0).has_value());  // not about one line
  EXPECT_FALSE(r.text(4, 0).has_value());  // no detail
  EXPECT_EQ(r.text(5, 0).value_or(""), "raw\\xff\\x00z");
  EXPECT_EQ(r.int64(2, 1), 7);
  EXPECT_EQ(r.text(4, 1).value_or(""), "why");
}

TEST(StoreSchemaStepTest, ASchemaFourStoreGainsTheColumnWithoutARewrite) {
  testing::ScratchDir dir;
  const std::string file = dir.file("s.duckdb");
  {
    StoreWriter store(file, 1);
    DuckConnection c = store.database().connect();
    c.exec(
        "INSERT INTO route53query_data (query_ts) SELECT TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND FROM range(100) "
        "t(i)");
    c.exec("DROP TABLE ingest_requests");
    c.exec(
        "CREATE TABLE ingest_requests (request_id VARCHAR PRIMARY KEY, received_at TIMESTAMP, source_arn VARCHAR, "
        "records BIGINT, bad_records BIGINT)");
    c.exec("INSERT INTO ingest_requests VALUES ('old', now()::TIMESTAMP, NULL, 100, 2)");
    // Schema 4 and 5's view had no unmapped column.
    c.exec("CREATE OR REPLACE VIEW route53query AS SELECT query_ts FROM route53query_data");
    c.exec("UPDATE dnslens_meta SET value = '4' WHERE key = 'schema_version'");
  }
  ::testing::internal::CaptureStderr();
  StoreWriter store(file, 1);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");  // no "converting the store" rewrite
  DuckConnection c = store.database().connect();
  EXPECT_EQ(c.query("SELECT value FROM dnslens_meta WHERE key = 'schema_version'").text(0, 0).value_or(""),
            std::to_string(kStoreSchemaVersion));
  EXPECT_EQ(c.query("SELECT dead_letters_dropped FROM ingest_requests WHERE request_id = 'old'").int64(0, 0), 0);
  EXPECT_EQ(c.query("SELECT count(*) FROM route53query_data").int64(0, 0), 100);
  EXPECT_EQ(c.query("SELECT count(*) FROM route53query WHERE unmapped IS NULL").int64(0, 0), 100);  // the new view
}

}  // namespace
}  // namespace dnslens
