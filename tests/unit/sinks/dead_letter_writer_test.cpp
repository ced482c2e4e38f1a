// The dead-letter writer's two backings: the JSON-lines file (created with the first dead letter, raw
// bytes as text when UTF-8 and always as base64) and the store's table (capped per request, the rest
// counted; the origin names the Firehose request and record, or the file and envelope).
#include "sinks/dead_letters/dead_letter_writer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../serve/ingest_test_helpers.hpp"

namespace dnslens {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(DeadLetterFileTest, IsCreatedWithTheFirstDeadLetterAndKeepsEveryFact) {
  testing::ScratchDir dir;
  const std::string path = dir.file("dead.jsonl");
  {
    DeadLetterFile clean(path);
    clean.finish();
    EXPECT_TRUE(clean.created_path().empty());
    EXPECT_FALSE(std::filesystem::exists(path));  // a clean run leaves no file behind
  }
  DeadLetterFile file(path);
  file.write({.source = "in/a.json.gz",
              .firehose_request_id = {},
              .line = 7,
              .envelope = 3,
              .reason = BadReason::kMissingField,
              .detail = "field 'query_name'",
              .raw = "{\"x\":1}",
              .raw_total = 7});
  file.write({.source = "b \"q\".jsonl",
              .firehose_request_id = {},
              .line = 0,
              .envelope = 0,
              .reason = BadReason::kBadEnvelope,
              .detail = "cut",
              .raw = std::string_view("\xff\xfe", 2),
              .raw_total = 9});
  file.finish();
  EXPECT_EQ(file.written(), 2u);
  EXPECT_EQ(file.created_path(), path);
  EXPECT_EQ(slurp(path),
            "{\"file\":\"in/a.json.gz\",\"line\":7,\"envelope\":3,\"reason\":\"missing_field\",\"detail\":\"field "
            "'query_name'\",\"raw\":\"{\\\"x\\\":1}\",\"raw_base64\":\"eyJ4IjoxfQ==\",\"raw_bytes\":7,\"raw_"
            "truncated\":false}\n"
            "{\"file\":\"b "
            "\\\"q\\\".jsonl\",\"line\":0,\"reason\":\"bad_envelope\",\"detail\":\"cut\",\"raw_base64\":\"//4=\","
            "\"raw_bytes\":9,\"raw_truncated\":true}\n");
}

TEST(DeadLetterTableTest, KeepsUpToItsCapsPerRequestAndNamesTheOrigin) {
  testing::ScratchDir dir;
  StoreWriter store(dir.file("s.duckdb"), 1);
  auto appender = store.make_appender();
  DeadLetterTable table(*appender, /*max_kept=*/2, /*max_raw_bytes=*/10);
  appender->begin();
  table.begin(1'700'000'000'000);
  table.write({.source = {},
               .firehose_request_id = "req-1",
               .line = 4,
               .envelope = 2,
               .reason = BadReason::kMalformedJson,
               .detail = "x",
               .raw = "{bad",
               .raw_total = 4});
  table.write({.source = {},
               .firehose_request_id = "req-1",
               .line = 0,
               .envelope = 5,
               .reason = BadReason::kBadEnvelope,
               .detail = "y",
               .raw = "0123456789",
               .raw_total = 10});  // past 10 bytes
  table.write({.source = "f.json",
               .firehose_request_id = {},
               .line = 0,
               .envelope = 9,
               .reason = BadReason::kBadEnvelope,
               .detail = "z",
               .raw = "ab",
               .raw_total = 2});
  table.write({.source = "g.jsonl",
               .firehose_request_id = {},
               .line = 1,
               .envelope = 0,
               .reason = BadReason::kBadEnvelope,
               .detail = "w",
               .raw = "c",
               .raw_total = 1});  // past 2 rows
  EXPECT_EQ(table.written(), 2u);
  EXPECT_EQ(table.dropped(), 2u);
  appender->commit();
  DuckConnection c = store.database().connect();
  DuckResult r = c.query("SELECT origin, line, reason, raw FROM dead_letters ORDER BY origin");
  ASSERT_EQ(r.rows(), 2u);
  EXPECT_EQ(r.text(0, 0).value_or(""), "f.json envelope 9");
  EXPECT_FALSE(r.text(1, 0).has_value());
  EXPECT_EQ(r.text(0, 1).value_or(""), "firehose req-1 record 2");
  EXPECT_EQ(r.text(2, 1).value_or(""), "malformed_json");
  table.begin(1'700'000'001'000);  // the next request starts with its own caps
  EXPECT_EQ(table.dropped(), 0u);
  appender->begin();
  table.write({.source = {},
               .firehose_request_id = "req-2",
               .line = 1,
               .envelope = 1,
               .reason = BadReason::kMalformedJson,
               .detail = {},
               .raw = "0123456789",
               .raw_total = 10});
  appender->commit();
  EXPECT_EQ(c.query("SELECT count(*) FROM dead_letters").int64(0, 0), 3);
}

}  // namespace
}  // namespace dnslens
