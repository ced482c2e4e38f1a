// Notifications against a real HTTP server on 127.0.0.1: batching, retry with backoff on 5xx,
// Slack-compatible bodies, and a rate limit that holds under a storm of matches.
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "cli_harness.hpp"
#include "webhook_receiver.hpp"

namespace dnslens::testing {
namespace {

std::string matches_input(int n) {
  std::string text;
  for (int i = 0; i < n; ++i)
    text += record("h" + std::to_string(i) + ".evil-domain.com.") + "\n" + record("benign.example.org.") + "\n";
  return text;
}

TEST(Webhook, RetriesAfterServerErrorsAndDeliversEveryMatch) {
  Workdir w;
  Receiver receiver(2);
  w.write("in.jsonl", matches_input(7));
  w.write("list.txt", "evil-domain.com\n");
  auto r = run_dnslens(w, "run in.jsonl -o none --interesting list.txt --webhook " + receiver.url() +
                              " --notify-backoff-ms 50 --notify-retries 3 --summary-json s.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(receiver.requests(), 3);  // two 503s, then success
  simdjson::dom::parser parser;
  simdjson::padded_string json(bodies[0]);
  auto doc = parser.parse(json);
  EXPECT_EQ(uint64_t(doc["count"]), 7u);
  EXPECT_EQ(simdjson::dom::array(doc["events"]).size(), 7u);
  EXPECT_EQ(std::string_view(doc["events"].at(0)["registered_domain"]), "evil-domain.com");
  EXPECT_EQ(std::string_view(doc["events"].at(0)["file"]), "in.jsonl");
  EXPECT_NE(w.read("s.json").find("\"retries\":2"), std::string::npos);
}

TEST(Webhook, GivesUpAfterTheRetryBudgetWithoutBlockingTheRun) {
  Workdir w;
  Receiver receiver(1000);
  w.write("in.jsonl", matches_input(3));
  w.write("list.txt", "evil-domain.com\n");
  auto r = run_dnslens(w, "run in.jsonl -o out.jsonl --interesting list.txt --webhook " + receiver.url() +
                              " --notify-backoff-ms 10 --notify-retries 2 --summary-json s.json");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(receiver.requests(), 3);
  EXPECT_NE(r.err.find("webhook delivery"), std::string::npos);
  EXPECT_NE(w.read("s.json").find("\"failed_batches\":1"), std::string::npos);
  EXPECT_EQ(lines_of(w.read("out.jsonl")).size(), 6u);  // the records themselves are unaffected
}

TEST(Webhook, SlackCompatibleText) {
  Workdir w;
  Receiver receiver(0);
  w.write("in.jsonl", matches_input(2));
  w.write("list.txt", "evil-domain.com\n");
  ASSERT_EQ(run_dnslens(w, "run in.jsonl -o none -q --interesting list.txt --webhook-slack --webhook " + receiver.url())
                .exit_code,
            0);
  auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 1u);
  simdjson::dom::parser parser;
  simdjson::padded_string json(bodies[0]);
  std::string_view text = parser.parse(json)["text"];
  EXPECT_NE(text.find("2 interesting-domain matches"), std::string_view::npos);
  EXPECT_NE(text.find("h1.evil-domain.com."), std::string_view::npos);
  EXPECT_NE(text.find("i-0abc"), std::string_view::npos);
}

// Matches, threat-intel hits and findings in one batch: each is named for what it is, in the Slack
// text and in the JSON body (which no longer calls every event an interesting-domain match).
TEST(Webhook, EachKindOfEventIsNamedForWhatItIs) {
  Workdir w;
  w.write("in.jsonl", matches_input(2) + record("c2.bad-actor.net.") + "\n");
  w.write("list.txt", "evil-domain.com\n");
  w.write("intel.csv", "indicator,type,confidence\nbad-actor.net,domain,80\n");
  {
    Receiver receiver(0);
    ASSERT_EQ(run_dnslens(w,
                          "run in.jsonl -o none -q --no-detect --interesting list.txt --intel feed=intel.csv "
                          "--webhook-slack --webhook " +
                              receiver.url())
                  .exit_code,
              0);
    const auto bodies = receiver.bodies();
    ASSERT_EQ(bodies.size(), 1u);
    simdjson::dom::parser parser;
    simdjson::padded_string json(bodies[0]);
    const std::string_view text = parser.parse(json)["text"];
    EXPECT_NE(text.find("dnslens: 3 events (2 interesting-domain matches, 1 threat-intel match)"),
              std::string_view::npos)
        << text;
    EXPECT_NE(text.find("`c2.bad-actor.net.` matched domain `bad-actor.net` of feed feed (confidence 80)"),
              std::string_view::npos)
        << text;
    EXPECT_NE(text.find("`h0.evil-domain.com.` (evil-domain.com) from "), std::string_view::npos) << text;
    EXPECT_EQ(text.find(" - in "), std::string_view::npos) << "no field is missing: " << text;
  }
  {
    Receiver receiver(0);
    ASSERT_EQ(run_dnslens(w,
                          "run in.jsonl -o none -q --no-detect --interesting list.txt --intel feed=intel.csv "
                          "--webhook " +
                              receiver.url())
                  .exit_code,
              0);
    const auto bodies = receiver.bodies();
    ASSERT_EQ(bodies.size(), 1u);
    simdjson::dom::parser parser;
    simdjson::padded_string json(bodies[0]);
    auto doc = parser.parse(json);
    EXPECT_EQ(std::string_view(doc["type"]), "mixed");
    EXPECT_EQ(uint64_t(doc["counts"]["interesting_domain_match"]), 2u);
    EXPECT_EQ(uint64_t(doc["counts"]["threat_intel_match"]), 1u);
    EXPECT_EQ(uint64_t(doc["counts"]["finding"]), 0u);
  }
  {
    // With detection: the finding has its own line.
    Receiver receiver(0);
    ASSERT_EQ(
        run_dnslens(w, "run in.jsonl -o none -q --intel feed=intel.csv --webhook-slack --webhook " + receiver.url())
            .exit_code,
        0);
    std::string text;  // the finding may come in a batch of its own
    for (const std::string& body : receiver.bodies()) {
      simdjson::dom::parser parser;
      simdjson::padded_string json(body);
      text += std::string_view(parser.parse(json)["text"]);
    }
    EXPECT_NE(text.find("threat-intel match"), std::string::npos) << text;
    EXPECT_NE(text.find("ThreatIntelMatch: `i-0abc` (10.0.0.5) in vpc-7example"), std::string::npos) << text;
  }
}

TEST(Webhook, RateLimitHoldsUnderAStormOfMatches) {
  Workdir w;
  Receiver receiver(0);
  w.write("in.jsonl", matches_input(20000));
  w.write("list.txt", "evil-domain.com\n");
  // Burst of 5 batches, then 60/minute: a storm of 20000 matches must not become 400 requests.
  auto r = run_dnslens(w, "run in.jsonl -o none --interesting list.txt --webhook " + receiver.url() +
                              " --notify-batch 50 --notify-rate 60 --notify-wait-ms 100 --summary-json s.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto bodies = receiver.bodies();
  EXPECT_GE(bodies.size(), 5u);
  EXPECT_LE(bodies.size(), 9u);
  simdjson::dom::parser parser;
  std::uint64_t listed = 0, suppressed = 0;
  for (const auto& b : bodies) {
    simdjson::padded_string json(b);
    auto doc = parser.parse(json);
    listed += uint64_t(doc["count"]);
    suppressed += uint64_t(doc["suppressed"]);
    EXPECT_LE(uint64_t(doc["count"]), 50u);
  }
  EXPECT_GT(suppressed, 0u);  // receivers are told how much was summarised away
  simdjson::padded_string summary(w.read("s.json"));
  auto s = parser.parse(summary);
  EXPECT_EQ(uint64_t(s["matches"]), 20000u);
  EXPECT_EQ(uint64_t(s["notifications"]["delivered"]) + uint64_t(s["notifications"]["dropped"]), 20000u);
  EXPECT_EQ(uint64_t(s["notifications"]["delivered"]), listed);
}

}  // namespace
}  // namespace dnslens::testing
