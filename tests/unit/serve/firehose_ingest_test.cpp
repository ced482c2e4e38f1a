// FirehoseIngest against a real store file: a request full of bad lines is stored quickly with a
// bounded number of dead letters (the rest counted), in bounded memory, and the next request goes
// in; requests past the line and decoded-size caps are refused before the ingest lock; dead letters keep their line and
// record across the slices a request is enriched in.
#include "serve/firehose_ingest.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

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

// Group commit. Eight requests: "g0" alone first, held at its commit until the seven others wait;
// those are then one group: "g1" to "g6" and a second "g3" (Firehose's retry of a request whose 200 it
// has not seen yet). Each request is 100 lines, its 51st bad. before_commit sees each commit's size.
class GroupCommitTest : public FirehoseIngestTest {
 protected:
  static std::string body(std::size_t k) {
    if (k == 7) return body(3);  // a retry is the same request
    std::string payload;
    for (std::size_t j = 0; j < 100; ++j) {
      payload += j == 50 ? fmt::format("{{\"bad line of\":{}}}\n", k) : query_line(k * 100 + j) + "\n";
    }
    return firehose_body(fmt::format("g{}", k), {payload});
  }

  // Runs the eight requests; fail_groups: a commit of more than one request fails (the disk is full).
  void run_eight(bool fail_groups) {
    store_ = std::make_unique<StoreWriter>(dir_.file("serve.duckdb"), 1);
    PipelineConfig p = testing::firehose_pipeline(*store_);
    p.sinks.json = JsonLinesConfig{.path = dir_.file("out.jsonl"), .dir = {}, .run_id = {}};
    ingest_ = std::make_unique<FirehoseIngest>(p, FirehoseIngestConfig{});
    ingest_->set_before_commit([this, fail_groups](std::size_t n) {
      std::size_t seen = 0;
      {
        std::lock_guard lock(mu_);
        sizes_.push_back(n);
        seen = sizes_.size();
      }
      // The first commit waits (30 s at most) until the seven others are decoded and waiting.
      for (int i = 0; seen == 1 && i < 3000 && ingest_->waiting() < 7; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (fail_groups && n > 1) throw Error(ErrorCode::kIo, "no space left on device");
    });
    results_.resize(8);
    std::thread first([this] { results_[0] = ingest_->ingest("g0", "", body(0)); });
    for (int i = 0; i < 3000; ++i) {  // the others once g0 holds the store
      {
        std::lock_guard lock(mu_);
        if (!sizes_.empty()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::vector<std::thread> rest;
    for (std::size_t k = 1; k < 8; ++k) {
      rest.emplace_back(
          [this, k] { results_[k] = ingest_->ingest(k == 7 ? "g3" : fmt::format("g{}", k), "", body(k)); });
    }
    first.join();
    for (auto& t : rest) t.join();
  }

  // What every run must have stored, however its commits went.
  void expect_each_request_stored_once() {
    int duplicates = 0;
    for (std::size_t k = 0; k < 8; ++k) {
      const IngestResult& r = results_[k];
      EXPECT_EQ(r.request_id, k == 7 ? "g3" : fmt::format("g{}", k));
      ASSERT_TRUE(r.status == IngestStatus::kStored || r.status == IngestStatus::kDuplicate) << k << ": " << r.message;
      duplicates += r.status == IngestStatus::kDuplicate;
      EXPECT_EQ(r.records, 99u) << k;
      EXPECT_EQ(r.bad_records, 1u) << k;
    }
    EXPECT_EQ(duplicates, 1);
    EXPECT_NE(results_[3].status, results_[7].status) << "one g3 is stored, the other is its duplicate";
    EXPECT_EQ(ingest_->counters().requests_stored.load(), 7u);
    EXPECT_EQ(ingest_->counters().requests_duplicate.load(), 1u);
    EXPECT_EQ(ingest_->counters().requests_failed.load(), 0u);

    DuckConnection c = conn();
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), 7 * 99);
    EXPECT_EQ(scalar(c, "SELECT count(DISTINCT request_id) FROM ingest_requests"), 7);
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM ingest_requests WHERE records = 99 AND bad_records = 1"), 7);
    // Each request's dead letter has its own request's line and record.
    DuckResult dead = c.query("SELECT origin, line, raw FROM dead_letters ORDER BY origin");
    ASSERT_EQ(dead.rows(), 7u);
    for (std::size_t k = 0; k < 7; ++k) {
      EXPECT_EQ(dead.text(0, k).value_or(""), fmt::format("firehose g{} record 1", k));
      EXPECT_EQ(dead.int64(1, k), 51);
      EXPECT_EQ(dead.text(2, k).value_or(""), fmt::format("{{\"bad line of\":{}}}", k));
    }
    // The other sinks get each stored request whole and in order, once.
    std::ifstream out(dir_.file("out.jsonl"));
    std::string line;
    std::vector<std::size_t> minutes;
    while (std::getline(out, line)) {
      // query_line(i) is at minute i of the day.
      const std::size_t at = line.find("\"query_timestamp\":\"2026-11-21T");
      ASSERT_NE(at, std::string::npos) << line;
      minutes.push_back(std::stoul(line.substr(at + 30, 2)) * 60 + std::stoul(line.substr(at + 33, 2)));
    }
    ASSERT_EQ(minutes.size(), 7u * 99);
    std::vector<bool> seen(7);
    for (std::size_t i = 0; i < minutes.size(); i += 99) {
      const std::size_t k = minutes[i] / 100;
      ASSERT_LT(k, 7u);
      EXPECT_FALSE(seen[k]) << "request g" << k << " handed on twice";
      seen[k] = true;
      for (std::size_t j = 0; j < 99; ++j) EXPECT_EQ(minutes[i + j], k * 100 + j + (j >= 50)) << i + j;
    }
  }

  std::mutex mu_;
  std::vector<std::size_t> sizes_;
  std::vector<IngestResult> results_;
};

TEST_F(GroupCommitTest, RequestsThatWaitWhileACommitRunsAreStoredInOneCommitAndATwinOnce) {
  run_eight(/*fail_groups=*/false);
  expect_each_request_stored_once();
  EXPECT_EQ(sizes_, (std::vector<std::size_t>{1, 6}));
  EXPECT_EQ(ingest_->counters().commits.load(), 2u);
}

TEST_F(GroupCommitTest, AFailedGroupIsRolledBackAndEachRequestTriedAgainAlone) {
  run_eight(/*fail_groups=*/true);
  expect_each_request_stored_once();
  EXPECT_EQ(sizes_, (std::vector<std::size_t>{1, 6, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(ingest_->counters().commits.load(), 7u);
}

// A lone request whose commit fails is answered 500 once: tried once, counted once, nothing stored.
TEST_F(FirehoseIngestTest, ALoneRequestWhoseCommitFailsIsTriedAndCountedOnce) {
  open();
  int commits_tried = 0;
  ingest_->set_before_commit([&](std::size_t) {
    ++commits_tried;
    throw Error(ErrorCode::kIo, "no space left on device");
  });
  const IngestResult r = ingest_->ingest("lone", "", firehose_body("lone", {lines(0, 10)}));
  EXPECT_EQ(r.status, IngestStatus::kFailed);
  EXPECT_NE(r.message.find("no space left on device"), std::string::npos) << r.message;
  EXPECT_EQ(commits_tried, 1);
  EXPECT_EQ(ingest_->counters().requests_failed.load(), 1u);
  EXPECT_EQ(ingest_->counters().commits.load(), 0u);
  DuckConnection c = conn();
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), 0);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM ingest_requests"), 0);
}

}  // namespace
}  // namespace dnslens
