// FirehoseIngest against a real store file: a request full of bad lines is stored quickly with a
// bounded number of dead letters (the rest counted), in bounded memory, and the next request goes
// in; requests past the line and decoded-size caps are refused before the ingest lock; dead letters keep their line and
// record across the slices a request is enriched in.
#include "serve/firehose_ingest.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "../compress_helpers.hpp"
#include "ingest_test_helpers.hpp"
#include "store/store_schema.hpp"

namespace dnslens {
namespace {

using testing::firehose_body;
using testing::gzip_member;
using testing::query_line;

std::int64_t scalar(DuckConnection& c, const std::string& sql) {
  DuckResult r = c.query(sql);
  EXPECT_EQ(r.rows(), 1u) << sql;
  return r.rows() ? r.int64(0, 0) : -1;
}

std::string text(DuckConnection& c, const std::string& sql) { return c.query(sql).text(0, 0).value_or("NULL"); }

std::string lines(std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += query_line(i) + "\n";
  return out;
}

class FirehoseIngestTest : public ::testing::Test {
 protected:
  void open(FirehoseIngestConfig config = {}) {
    store_ = std::make_unique<StoreWriter>(dir_.file("serve.duckdb"), 1);
    ingest_ = std::make_unique<FirehoseIngest>(testing::firehose_pipeline(*store_), config);
  }
  DuckConnection conn() { return store_->database().connect(); }

  testing::ScratchDir dir_;
  std::unique_ptr<StoreWriter> store_;
  std::unique_ptr<FirehoseIngest> ingest_;
};

TEST_F(FirehoseIngestTest, WithoutAStoreItIsAUsageError) {
  store_ = std::make_unique<StoreWriter>(dir_.file("serve.duckdb"), 1);
  PipelineConfig p = testing::firehose_pipeline(*store_);
  p.sinks.store = nullptr;
  try {
    FirehoseIngest ingest(p, {});
    FAIL() << "a Firehose endpoint without a store";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("commits each request to the store: it needs one"), std::string::npos)
        << e.what();
  }
}

TEST_F(FirehoseIngestTest, AHundredThousandBadLinesAreCountedPastTheCapQuicklyInBoundedMemory) {
  open();
  std::string bad;
  for (int i = 0; i < 100'000; ++i) bad += "not a query log record\n";
  const std::string body = firehose_body("bad-lines", {gzip_member(bad, 9)});
  ASSERT_LT(body.size(), 8'000u);  // a small request

  testing::reset_peak_rss();
  const std::uint64_t rss_before = testing::current_rss();
  const auto start = std::chrono::steady_clock::now();
  const IngestResult r = ingest_->ingest("bad-lines", "", body);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::uint64_t peak_growth = testing::peak_rss() - rss_before;

  ASSERT_EQ(r.status, IngestStatus::kStored) << r.message;
  EXPECT_EQ(r.records, 0u);
  EXPECT_EQ(r.bad_records, 100'000u);
  EXPECT_EQ(r.dead_letters_dropped, 100'000u - kMaxRequestDeadLetters);
  EXPECT_LT(seconds, 2.0);
  EXPECT_LT(peak_growth, 96ull << 20) << "peak resident memory grew by " << (peak_growth >> 20) << " MiB";
  EXPECT_EQ(ingest_->counters().bad_records.load(), 100'000u);
  EXPECT_EQ(ingest_->counters().dead_letters_dropped.load(), 100'000u - kMaxRequestDeadLetters);

  DuckConnection c = conn();
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM dead_letters"), static_cast<std::int64_t>(kMaxRequestDeadLetters));
  EXPECT_EQ(scalar(c, "SELECT bad_records FROM ingest_requests WHERE request_id = 'bad-lines'"), 100'000);
  EXPECT_EQ(scalar(c, "SELECT dead_letters_dropped FROM ingest_requests WHERE request_id = 'bad-lines'"),
            static_cast<std::int64_t>(100'000u - kMaxRequestDeadLetters));
  // The first lines are the ones kept, whole, with where they came from.
  DuckResult first = c.query("SELECT origin, line, reason, raw, raw_bytes FROM dead_letters ORDER BY line LIMIT 1");
  ASSERT_EQ(first.rows(), 1u);
  EXPECT_EQ(first.text(0, 0).value_or(""), "firehose bad-lines record 1");
  EXPECT_EQ(first.int64(1, 0), 1);
  EXPECT_EQ(first.text(3, 0).value_or(""), "not a query log record");
  EXPECT_EQ(first.int64(4, 0), 22);
  EXPECT_EQ(scalar(c, "SELECT max(line) FROM dead_letters"), static_cast<std::int64_t>(kMaxRequestDeadLetters));

  // The next request is stored as usual.
  const IngestResult good = ingest_->ingest("good", "", firehose_body("good", {lines(0, 500)}));
  ASSERT_EQ(good.status, IngestStatus::kStored) << good.message;
  EXPECT_EQ(good.records, 500u);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), 500);

  // A resend of the capped request is a duplicate: nothing is stored twice, and it says the same.
  const IngestResult again = ingest_->ingest("bad-lines", "", body);
  EXPECT_EQ(again.status, IngestStatus::kDuplicate);
  EXPECT_EQ(again.bad_records, 100'000u);
  EXPECT_EQ(again.dead_letters_dropped, 100'000u - kMaxRequestDeadLetters);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM dead_letters"), static_cast<std::int64_t>(kMaxRequestDeadLetters));
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM ingest_requests"), 2);
}

TEST_F(FirehoseIngestTest, DeadLettersPastTheirByteBudgetAreCountedToo) {
  FirehoseIngestConfig config;
  config.max_dead_letter_bytes = 10'000;
  open(config);
  const std::string long_bad(3'000, 'x');
  std::string payload;
  for (int i = 0; i < 10; ++i) payload += long_bad + "\n";
  const IngestResult r = ingest_->ingest("long", "", firehose_body("long", {payload}));
  ASSERT_EQ(r.status, IngestStatus::kStored) << r.message;
  EXPECT_EQ(r.bad_records, 10u);
  EXPECT_EQ(r.dead_letters_dropped, 7u);
  DuckConnection c = conn();
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM dead_letters"), 3);
}

TEST_F(FirehoseIngestTest, ARequestOfMoreLinesThanAFirehoseRequestHoldsIsRefusedWhole) {
  FirehoseIngestConfig config;
  config.max_lines = 1000;
  open(config);
  const IngestResult r = ingest_->ingest("many", "", firehose_body("many", {lines(0, 600), lines(600, 1001)}));
  EXPECT_EQ(r.status, IngestStatus::kBadRequest);
  EXPECT_NE(r.message.find("more than 1000 lines"), std::string::npos) << r.message;
  EXPECT_EQ(ingest_->counters().requests_bad.load(), 1u);
  DuckConnection c = conn();
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM ingest_requests"), 0);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), 0);
  // At the cap it is taken.
  const IngestResult ok = ingest_->ingest("enough", "", firehose_body("enough", {lines(0, 1000)}));
  EXPECT_EQ(ok.status, IngestStatus::kStored) << ok.message;
  EXPECT_EQ(ok.records, 1000u);
}

TEST_F(FirehoseIngestTest, TheRequestsDecodedSizeIsBoundedRecordByRecordAndAsAWhole) {
  FirehoseIngestConfig config;
  config.max_decoded_bytes = 1 << 20;
  open(config);
  // One record that would inflate to 4 MiB: never more than the cap is taken in.
  const std::string bomb = gzip_member(std::string(4 << 20, '\n'), 9);
  const IngestResult r = ingest_->ingest("bomb", "", firehose_body("bomb", {lines(0, 10), bomb}));
  EXPECT_NE(r.status, IngestStatus::kFailed) << r.message;
  EXPECT_LE(ingest_->counters().decoded_bytes.load(), 1u << 20);
  DuckConnection c = conn();
  // Records each within the cap, together past it: refused.
  const IngestResult whole = ingest_->ingest("whole", "", firehose_body("whole", {lines(0, 2000), lines(2000, 4000)}));
  EXPECT_EQ(whole.status, IngestStatus::kBadRequest);
  EXPECT_NE(whole.message.find("decoded records come to more than 1048576 bytes"), std::string::npos) << whole.message;
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM ingest_requests WHERE request_id = 'whole'"), 0);
}

TEST_F(FirehoseIngestTest, WhatTheRecordsInflateToIsBoundedAsAWholeEvenWhenNoLineComesOfIt) {
  FirehoseIngestConfig config;
  config.max_decoded_bytes = 1 << 20;
  open(config);
  // Eight records, each inflating to half the cap (blank lines: nothing is kept of them). Each is
  // within the per-record limit; together they would make the server inflate 4 MiB for one request.
  const std::string half = gzip_member(std::string(512 << 10, '\n'), 9);
  const IngestResult r = ingest_->ingest("wide", "", firehose_body("wide", std::vector<std::string>(8, half)));
  EXPECT_EQ(r.status, IngestStatus::kBadRequest);
  EXPECT_NE(r.message.find("decompressed payloads come to more than 1048576 bytes"), std::string::npos) << r.message;
  DuckConnection c = conn();
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM ingest_requests"), 0);
  // Two of them fit: exactly the cap.
  const IngestResult ok = ingest_->ingest("narrow", "", firehose_body("narrow", std::vector<std::string>(2, half)));
  EXPECT_EQ(ok.status, IngestStatus::kStored) << ok.message;
}

TEST_F(FirehoseIngestTest, ARequestIdThatCannotBeStoredAsIsIsRefusedNotRepaired) {
  open();
  // Stored repaired, "a\u0000b" would become the literal text a\x00b, and a request that really has
  // that id would be taken for its retry and dropped.
  for (const std::string_view id : {R"(a\u0000b)", R"(\u0000)"}) {
    const IngestResult r = ingest_->ingest("", "", firehose_body(id, {lines(0, 3)}));
    EXPECT_EQ(r.status, IngestStatus::kBadRequest) << id;
    EXPECT_NE(r.message.find("without NUL"), std::string::npos) << r.message;
  }
  const IngestResult literal = ingest_->ingest("a\\x00b", "", firehose_body(R"(a\\x00b)", {lines(0, 3)}));
  ASSERT_EQ(literal.status, IngestStatus::kStored) << literal.message;
  EXPECT_EQ(literal.records, 3u);
  DuckConnection c = conn();
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM ingest_requests"), 1);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), 3);
}

TEST_F(FirehoseIngestTest, DeadLettersKeepTheirLineAndRecordAcrossSlices) {
  open();
  // 40 records of 1000 lines: the request is enriched in several slices of lines.
  std::vector<std::string> payloads;
  const std::size_t bad_at[] = {0, 16'383, 16'384, 20'000, 39'999};  // 0-based lines of the request
  std::size_t next_bad = 0;
  for (std::size_t record = 0; record < 40; ++record) {
    std::string payload;
    for (std::size_t i = record * 1000; i < (record + 1) * 1000; ++i) {
      if (next_bad < std::size(bad_at) && bad_at[next_bad] == i) {
        payload += fmt::format("{{\"bad line\":{}}}\n", i);
        ++next_bad;
      } else {
        payload += query_line(i) + "\n";
      }
    }
    payloads.push_back(std::move(payload));
  }
  const IngestResult r = ingest_->ingest("sliced", "arn:aws:firehose:us-east-1:111122223333:deliverystream/x",
                                         firehose_body("sliced", payloads));
  ASSERT_EQ(r.status, IngestStatus::kStored) << r.message;
  EXPECT_EQ(r.records, 40'000u - std::size(bad_at));
  EXPECT_EQ(r.bad_records, std::size(bad_at));
  DuckConnection c = conn();
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), static_cast<std::int64_t>(40'000u - std::size(bad_at)));
  DuckResult dead = c.query("SELECT line, origin, raw FROM dead_letters ORDER BY line");
  ASSERT_EQ(dead.rows(), std::size(bad_at));
  for (std::size_t i = 0; i < std::size(bad_at); ++i) {
    EXPECT_EQ(dead.int64(0, i), static_cast<std::int64_t>(bad_at[i] + 1));
    EXPECT_EQ(dead.text(1, i).value_or(""), fmt::format("firehose sliced record {}", bad_at[i] / 1000 + 1));
    EXPECT_EQ(dead.text(2, i).value_or(""), fmt::format("{{\"bad line\":{}}}", bad_at[i]));
  }
  EXPECT_EQ(text(c, "SELECT source_arn FROM ingest_requests"),
            "arn:aws:firehose:us-east-1:111122223333:deliverystream/x");
}

}  // namespace
}  // namespace dnslens
