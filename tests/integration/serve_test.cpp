// dnslens serve's Kinesis Data Firehose endpoint over real HTTP on loopback: batches per AWS's
// request/response specification, gzip, CloudWatch Logs subscription records, access keys, bad and
// oversized bodies, retried request ids, TLS, /metrics, a SIGKILL in the middle of a stream, and a
// bounded load test. The store is read back with DuckDB after the server has stopped.
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "../unit/compress_helpers.hpp"
#include "cli_harness.hpp"
#include "core/json_escape.hpp"
#include "server_process.hpp"
#include "store/duckdb_api.hpp"
#include "store_harness.hpp"
#include "webhook_receiver.hpp"

namespace dnslens {
namespace {

using testing::gzip_member;
using testing::lines_of;
using testing::Receiver;
using testing::record;
using testing::run_dnslens;
using testing::scalar;
using testing::ServerProcess;
using testing::Workdir;

const std::string kKey = "k3y-for-tests-0123456789";
const std::vector<std::string> kKeyEnv = {"DNSLENS_FIREHOSE_ACCESS_KEY=" + kKey};

// A Firehose request body; each payload becomes one record's base64 data.
std::string firehose_body(const std::string& id, const std::vector<std::string>& payloads) {
  std::string body = "{\"requestId\":\"" + id + "\",\"timestamp\":1700000000000,\"records\":[";
  for (std::size_t i = 0; i < payloads.size(); ++i)
    body += (i ? "," : "") + std::string("{\"data\":\"") + base64_encode(payloads[i]) + "\"}";
  return body + "]}";
}

// Direct delivery: each record holds query-log lines (Firehose may put several in one record).
std::vector<std::string> direct_payloads(const std::vector<std::string>& lines, std::size_t per_record) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lines.size(); i += per_record) {
    std::string p;
    for (std::size_t j = i; j < std::min(lines.size(), i + per_record); ++j) p += lines[j] + "\n";
    out.push_back(p);
  }
  return out;
}

// Through a CloudWatch Logs subscription: each record is a gzip subscription payload.
std::string cloudwatch_payload(const std::vector<std::string>& lines) {
  std::string j =
      R"({"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"r53","logStream":"s","subscriptionFilters":["f"],"logEvents":[)";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string escaped;
    for (char c : lines[i]) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    j += (i ? "," : "") + std::string(R"({"id":")") + std::to_string(i) + R"(","timestamp":1700000000000,"message":")" +
         escaped + "\"}";
  }
  return gzip_member(j + "]}");
}

httplib::Headers firehose_headers(const std::string& id, const std::string& key = kKey) {
  httplib::Headers h{{"X-Amz-Firehose-Protocol-Version", "1.0"},
                     {"X-Amz-Firehose-Source-Arn", "arn:aws:firehose:us-east-1:111122223333:deliverystream/r53"}};
  if (!id.empty()) h.emplace("X-Amz-Firehose-Request-Id", id);
  if (!key.empty()) h.emplace("X-Amz-Firehose-Access-Key", key);
  return h;
}

std::unique_ptr<httplib::Client> client(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_connection_timeout(5);
  c->set_read_timeout(30);
  c->set_tcp_nodelay(true);
  return c;
}

// Checks a response body against the specification: requestId echoed, a millisecond timestamp.
void expect_firehose_response(const httplib::Result& r, const std::string& id, bool error) {
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  // The Firehose HTTP endpoint spec: the response carries no Content-Encoding, whatever the request accepts.
  EXPECT_FALSE(r->has_header("Content-Encoding")) << r->get_header_value("Content-Encoding");
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  ASSERT_EQ(parser.parse(r->body).get(e), simdjson::SUCCESS) << r->body;
  EXPECT_EQ(std::string_view(e["requestId"]), id) << r->body;
  const auto now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_LT(std::abs(int64_t(e["timestamp"]) - now), 60000) << r->body;
  EXPECT_EQ(e["errorMessage"].error() == simdjson::SUCCESS, error) << r->body;
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run_dnslens(w, "generate --records 4000 --seed 21 -o logs.jsonl").exit_code, 0);
    lines = lines_of(w.read("logs.jsonl"));
    ASSERT_GT(lines.size(), 4000u);
  }
  Workdir w;
  std::vector<std::string> lines;
};

TEST_F(ServeTest, StoresBatchesAnswersPerSpecAndStoresARetryOnce) {
  ServerProcess server(w, "--db live.duckdb --no-detect", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  auto c = client(server.port());
  const std::vector<std::string> a(lines.begin(), lines.begin() + 1000);
  const std::vector<std::string> b(lines.begin() + 1000, lines.begin() + 2500);
  const std::vector<std::string> cw(lines.begin() + 2500, lines.begin() + 3000);
  // Plain JSON, lines grouped 7 to a record.
  auto r1 = c->Post("/firehose", firehose_headers("req-a"), firehose_body("req-a", direct_payloads(a, 7)),
                    "application/json");
  expect_firehose_response(r1, "req-a", false);
  EXPECT_EQ(r1->status, 200);
  // gzip Content-Encoding, one line per record; the request accepts compressed answers.
  auto hb = firehose_headers("req-b");
  hb.emplace("Content-Encoding", "gzip");
  hb.emplace("Accept-Encoding", "gzip, deflate, br");
  auto r2 = c->Post("/firehose", hb, gzip_member(firehose_body("req-b", direct_payloads(b, 1))), "application/json");
  expect_firehose_response(r2, "req-b", false);
  EXPECT_EQ(r2->status, 200);
  // Records from a CloudWatch Logs subscription (gzip payloads inside the records).
  auto r3 = c->Post("/firehose", firehose_headers("req-c"),
                    firehose_body("req-c", {cloudwatch_payload({cw.begin(), cw.begin() + 250}),
                                            cloudwatch_payload({cw.begin() + 250, cw.end()})}),
                    "application/json");
  expect_firehose_response(r3, "req-c", false);
  EXPECT_EQ(r3->status, 200);
  // Firehose retries a request whose answer it did not get: the same id, acknowledged, stored once.
  auto retry = c->Post("/firehose", hb, gzip_member(firehose_body("req-b", direct_payloads(b, 1))), "application/json");
  expect_firehose_response(retry, "req-b", false);
  EXPECT_EQ(retry->status, 200);
  // /healthz and /metrics while serving.
  auto health = c->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->body.find("\"status\":\"ok\""), std::string::npos);
  auto metrics = c->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("dnslens_ingest_records_total 3000\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("dnslens_ingest_requests_total{outcome=\"duplicate\"} 1\n"), std::string::npos);
  EXPECT_NE(metrics->body.find("dnslens_ingest_request_duration_seconds_count 4\n"), std::string::npos);
  // One request at a time: a commit each (the retry is answered without one).
  EXPECT_NE(metrics->body.find("dnslens_ingest_commits_total 3\n"), std::string::npos) << metrics->body;
  EXPECT_EQ(server.stop(), 0) << server.log();

  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM route53query"), 3000);
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM ingest_requests"), 3);
  EXPECT_EQ(scalar(conn, "SELECT records FROM ingest_requests WHERE request_id = 'req-c'"), 500);
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM ingest_requests WHERE source_arn LIKE 'arn:aws:firehose:%'"), 3);
  // The same records as `dnslens run` makes of the same lines.
  std::string first3000;
  for (std::size_t i = 0; i < 3000; ++i) first3000 += lines[i] + "\n";
  w.write("first.jsonl", first3000);
  ASSERT_EQ(run_dnslens(w, "run first.jsonl -o none --no-detect --store batch.duckdb -q").exit_code, 0);
  conn.exec("ATTACH " + sql_quote(w.file("batch.duckdb")) + " AS batch (READ_ONLY)");
  const std::string digest =
      "SELECT sum(hash(query_name, query_ts, srcaddr, answers, registered_domain, dga_score)) FROM ";
  EXPECT_EQ(conn.query(digest + "route53query").text(0, 0), conn.query(digest + "batch.route53query").text(0, 0));
}

// A request whose id only its body carries (no X-Amz-Firehose-Request-Id header) is answered with that
// id: Firehose pairs answers with requests by it.
TEST_F(ServeTest, TheBodysRequestIdIsEchoedWhenTheHeaderHasNone) {
  ServerProcess server(w, "--db live.duckdb --no-detect", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  auto c = client(server.port());
  const std::vector<std::string> a(lines.begin(), lines.begin() + 20);
  auto r = c->Post("/firehose", firehose_headers(""), firehose_body("only-in-body", direct_payloads(a, 5)),
                   "application/json");
  expect_firehose_response(r, "only-in-body", false);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

// Live alerts: what a committed request matched (interesting domains, threat intel) and the
// findings it led to go to the webhook, tagged with the Firehose request and record; a retried
// request announces nothing twice, and a refused one announces nothing.
TEST_F(ServeTest, AnnouncesCommittedMatchesAndFindingsToTheWebhook) {
  Receiver receiver(1);  // the first batch fails once: it is retried
  w.write("list.txt", "evil-domain.com\n");
  w.write("feed.txt", "c2.badhost.net\n");
  ServerProcess server(w,
                       "--db live.duckdb --interesting list.txt --intel ops=feed.txt --notify-wait-ms 50 "
                       "--notify-backoff-ms 20 --webhook " +
                           receiver.url(),
                       kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  auto c = client(server.port());
  // Records 1..6 of the request, one line each: matches at records 2, 4 (interesting) and 5 (intel).
  const std::vector<std::string> lines_m = {record("www.example.org."), record("a1.evil-domain.com."),
                                            record("www.example.org."), record("a2.EVIL-domain.com."),
                                            record("c2.badhost.net."),  record("www.example.org.")};
  const std::string body = firehose_body("req-m", direct_payloads(lines_m, 1));
  auto r1 = c->Post("/firehose", firehose_headers("req-m"), body, "application/json");
  expect_firehose_response(r1, "req-m", false);
  EXPECT_EQ(r1->status, 200);
  // The same request again (Firehose's retry), and one with a wrong key: neither announces anything.
  auto retry = c->Post("/firehose", firehose_headers("req-m"), body, "application/json");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 200);
  auto refused =
      c->Post("/firehose", firehose_headers("req-x", "wrong-key"),
              firehose_body("req-x", direct_payloads({record("a3.evil-domain.com.")}, 1)), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  // The matches arrive while serving (bounded wait), before any shutdown flush.
  auto events_of = [&] {
    std::vector<std::string> events;
    simdjson::dom::parser parser;
    for (const std::string& b : receiver.bodies()) {
      simdjson::dom::element doc;
      if (parser.parse(b).get(doc) != simdjson::SUCCESS) {
        ADD_FAILURE() << "webhook body is not JSON: " << b;
        continue;
      }
      for (simdjson::dom::element e : simdjson::dom::array(doc["events"])) events.push_back(simdjson::minify(e));
    }
    return events;
  };
  auto count_of = [](const std::vector<std::string>& events, std::string_view kind) {
    return std::count_if(events.begin(), events.end(), [&](const std::string& e) {
      return e.find("\"event\":\"" + std::string(kind) + "\"") != std::string::npos;
    });
  };
  (void)testing::eventually([&] { return count_of(events_of(), "threat_intel_match") > 0; }, 10);
  auto metrics = c->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("dnslens_notification_batches_total{outcome=\"sent\"}"), std::string::npos)
      << metrics->body;
  EXPECT_EQ(server.stop(), 0) << server.log();

  const std::vector<std::string> events = events_of();
  EXPECT_GE(receiver.requests(), 2);  // the failed first attempt, then deliveries
  EXPECT_EQ(count_of(events, "interesting_domain_match"), 2) << ::testing::PrintToString(events);
  EXPECT_EQ(count_of(events, "threat_intel_match"), 1) << ::testing::PrintToString(events);
  EXPECT_GE(count_of(events, "finding"), 1) << ::testing::PrintToString(events);
  simdjson::dom::parser parser;
  std::vector<std::int64_t> match_records;
  for (const std::string& e : events) {
    simdjson::dom::element doc = parser.parse(e);
    std::string_view kind = doc["event"];
    if (kind == "finding") continue;
    EXPECT_EQ(std::string_view(doc["firehose_request_id"]), "req-m") << e;
    match_records.push_back(int64_t(doc["firehose_record"]));
    if (kind == "threat_intel_match") {
      EXPECT_EQ(std::string_view(doc["feed"]), "ops") << e;
      EXPECT_EQ(std::string_view(doc["indicator"]), "c2.badhost.net") << e;
    } else {
      EXPECT_EQ(std::string_view(doc["registered_domain"]), "evil-domain.com") << e;
    }
  }
  std::sort(match_records.begin(), match_records.end());
  EXPECT_EQ(match_records, (std::vector<std::int64_t>{2, 4, 5}));
  EXPECT_NE(server.log().find("notifications: "), std::string::npos) << server.log();
}

// serve -o writes every stored record as JSON lines in the chosen schema, each request's records
// readable once it is acknowledged, none twice for a retried request; the lines are the ones
// `dnslens run` writes for the same records.
TEST_F(ServeTest, WritesEachStoredRecordInTheChosenOutputFormat) {
  ServerProcess server(w, "--db live.duckdb --no-detect -o live.ecs.jsonl --output-format ecs", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  auto c = client(server.port());
  const std::vector<std::string> a(lines.begin(), lines.begin() + 1000);
  std::vector<std::string> b(lines.begin() + 1000, lines.begin() + 1500);
  b.insert(b.begin() + 10, "{\"not\": \"a query log record\"}");
  auto r1 = c->Post("/firehose", firehose_headers("req-a"), firehose_body("req-a", direct_payloads(a, 5)),
                    "application/json");
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 200);
  EXPECT_EQ(lines_of(w.read("live.ecs.jsonl")).size(), 1000u);  // readable once acknowledged
  auto retry = c->Post("/firehose", firehose_headers("req-a"), firehose_body("req-a", direct_payloads(a, 5)),
                       "application/json");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 200);
  auto r2 = c->Post("/firehose", firehose_headers("req-b"), firehose_body("req-b", direct_payloads(b, 1)),
                    "application/json");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
  EXPECT_EQ(server.stop(), 0) << server.log();
  const std::vector<std::string> written = lines_of(w.read("live.ecs.jsonl"));
  ASSERT_EQ(written.size(), 1500u);  // the retry wrote nothing, the bad record went to dead_letters
  EXPECT_NE(written[0].find("\"ecs\":{\"version\":\"8.11.0\"}"), std::string::npos) << written[0];

  std::string first1500;
  for (std::size_t i = 0; i < 1500; ++i) first1500 += lines[i] + "\n";
  w.write("first.jsonl", first1500);
  ASSERT_EQ(run_dnslens(w, "run first.jsonl -o batch.ecs.jsonl --output-format ecs --no-detect -q").exit_code, 0);
  EXPECT_EQ(w.read("live.ecs.jsonl"), w.read("batch.ecs.jsonl"));
}

// serve keeps its domain history across restarts (saved at shutdown), judges newly observed domains
// against it, and refuses a history another process holds.
TEST_F(ServeTest, KeepsTheDomainHistoryAcrossRestartsAndAloneOnItsFile) {
  w.write("d.yaml", "reputation:\n  learning_seconds: 86400\n  history_gap_seconds: 259200\n");
  const std::string args = "--db live.duckdb --detect-config d.yaml --domain-history h.tsv";
  auto post = [&](ServerProcess& server, const std::string& id, const std::vector<std::string>& records) {
    auto r = client(server.port())
                 ->Post("/firehose", firehose_headers(id), firehose_body(id, direct_payloads(records, 1)),
                        "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  };
  {
    ServerProcess server(w, args, kKeyEnv);
    ASSERT_TRUE(server.started()) << server.log();
    post(server, "day-1", {record("www.known-site.com.", "2024-02-01T10:00:00Z")});
    const auto second = run_dnslens(w, "serve --db other.duckdb --domain-history h.tsv --listen 127.0.0.1:0");
    EXPECT_NE(second.exit_code, 0);
    EXPECT_NE(second.err.find("domain history h.tsv is in use by another dnslens process"), std::string::npos)
        << second.err;
    EXPECT_EQ(server.stop(), 0) << server.log();
  }
  EXPECT_NE(w.read("h.tsv").find("known-site.com\t1706781600\t1706781600\n"), std::string::npos) << w.read("h.tsv");
  {
    ServerProcess server(w, args, kKeyEnv);
    ASSERT_TRUE(server.started()) << server.log();
    post(server, "day-3",
         {record("www.known-site.com.", "2024-02-03T10:00:00Z"),
          record("login.fresh-site.net.", "2024-02-03T10:00:01Z")});
    EXPECT_EQ(server.stop(), 0) << server.log();
  }
  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  EXPECT_EQ(testing::text(conn, "SELECT string_agg(domain, ',' ORDER BY domain) FROM findings"), "fresh-site.net");
}

TEST_F(ServeTest, TheOutputOptionsAreCheckedBeforeServing) {
  const auto both = run_dnslens(w, "serve --db x.duckdb -o a.jsonl --output-dir out --listen 127.0.0.1:0");
  EXPECT_EQ(both.exit_code, 1);  // usage
  EXPECT_NE(both.err.find("--output and --output-dir are exclusive"), std::string::npos) << both.err;
  const auto format = run_dnslens(w, "serve --db x.duckdb -o a.jsonl --output-format splunk --listen 127.0.0.1:0");
  EXPECT_EQ(format.exit_code, 1);
  EXPECT_NE(format.err.find("--output-format"), std::string::npos) << format.err;
}

TEST_F(ServeTest, NotificationsNeedSomethingToAnnounce) {
  auto r = run_dnslens(w, "serve --db x.duckdb --no-detect --notify-stdout --listen 127.0.0.1:0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("notifications need"), std::string::npos) << r.err;
}

// SIGHUP reloads the DNS Firewall policy between requests; a policy that no longer loads keeps the
// one in force.
TEST_F(ServeTest, SighupReloadsTheFirewallPolicyAndKeepsItWhenTheNewOneIsBroken) {
  w.write("policy.yaml",
          "version: 1\ndomain_lists:\n  blocked: {file: blocked.txt}\nrule_groups:\n  g:\n    rules:\n"
          "      - {name: block-listed, priority: 100, action: BLOCK, block_response: NXDOMAIN, domain_list: blocked}\n"
          "associations: [{rule_group: g, vpc: \"*\", priority: 101}]\n");
  w.write("blocked.txt", "*.evil-domain.com\n");
  ServerProcess server(w, "--db live.duckdb --no-detect --firewall-policy policy.yaml", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  auto c = client(server.port());
  auto post = [&](const std::string& id, const std::vector<std::string>& names) {
    std::vector<std::string> recs;
    for (const auto& n : names) recs.push_back(record(n));
    auto r =
        c->Post("/firehose", firehose_headers(id), firehose_body(id, direct_payloads(recs, 1)), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  };
  post("before", {"a1.evil-domain.com.", "x1.other-bad.net."});
  w.write("blocked.txt", "*.other-bad.net\n");
  server.signal(SIGHUP);
  ASSERT_TRUE(server.wait_for_log("DNS Firewall policy reloaded: 1 rules")) << server.log();
  post("after", {"a2.evil-domain.com.", "x2.other-bad.net."});
  w.write("policy.yaml", "version: 1\nrule_groups: [not a policy\n");
  server.signal(SIGHUP);
  ASSERT_TRUE(server.wait_for_log("reload failed, keeping what was in force")) << server.log();
  post("broken", {"a3.evil-domain.com.", "x3.other-bad.net."});
  EXPECT_EQ(server.stop(), 0) << server.log();

  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  const std::string blocked =
      "SELECT string_agg(query_name, ' ' ORDER BY query_name) FROM route53query WHERE firewall_sim_action = 'BLOCK'";
  EXPECT_EQ(conn.query(blocked).text(0, 0).value_or(""), "a1.evil-domain.com. x2.other-bad.net. x3.other-bad.net.");
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM route53query"), 6);
}

// DNS Firewall Advanced rules are simulated in serve too, without the detectors; a reload that adds
// Advanced rules to a server started without the name signals is refused and names why.
TEST_F(ServeTest, SimulatesAdvancedRulesAndRefusesToAddThemWithoutTheNameSignals) {
  const std::string advanced =
      "version: 1\nrule_groups:\n  g:\n    rules:\n"
      "      - {name: dga, priority: 100, action: BLOCK, block_response: NXDOMAIN, threat_protection: DGA, "
      "confidence: HIGH}\n";
  w.write("advanced.yaml", advanced);
  {
    ServerProcess server(w, "--db adv.duckdb --no-detect --firewall-policy advanced.yaml", kKeyEnv);
    ASSERT_TRUE(server.started()) << server.log();
    auto r = client(server.port())
                 ->Post("/firehose", firehose_headers("a1"),
                        firehose_body(
                            "a1", direct_payloads({record("mxwvfpgtxlxomjue.com."), record("www.example.com.")}, 1)),
                        "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(server.stop(), 0) << server.log();
    DuckDatabase db(w.file("adv.duckdb"), true);
    DuckConnection conn = db.connect();
    EXPECT_EQ(conn.query("SELECT string_agg(query_name || '=' || coalesce(firewall_sim_rule, '-'), ' ' ORDER BY "
                         "query_name) FROM route53query")
                  .text(0, 0)
                  .value_or(""),
              "mxwvfpgtxlxomjue.com.=dga www.example.com.=-");
  }
  w.write("lists.yaml",
          "version: 1\ndomain_lists:\n  bad: [bad.example]\nrule_groups:\n  g:\n    rules:\n"
          "      - {name: bad, priority: 100, action: BLOCK, block_response: NXDOMAIN, domain_list: bad}\n");
  ServerProcess server(w, "--db lists.duckdb --no-detect --firewall-policy lists.yaml", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  w.write("lists.yaml", advanced);
  server.signal(SIGHUP);
  ASSERT_TRUE(server.wait_for_log("reload failed, keeping what was in force")) << server.log();
  EXPECT_NE(server.log().find("has Advanced rules, which read name signals this run started without"),
            std::string::npos)
      << server.log();
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST_F(ServeTest, RefusesWhatItCannotTakeAndKeepsTheRest) {
  ServerProcess server(w, "--db live.duckdb --no-detect --max-request-bytes 200000 --max-decoded-bytes 1000000",
                       kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  const std::vector<std::string> good(lines.begin(), lines.begin() + 100);
  const std::string body = firehose_body("r1", direct_payloads(good, 1));
  auto status_of = [&](const httplib::Headers& h, const std::string& b) {
    auto r = client(server.port())->Post("/firehose", h, b, "application/json");
    return r ? r->status : -1;
  };
  EXPECT_EQ(status_of(firehose_headers("r1", ""), body), 401);
  EXPECT_EQ(status_of(firehose_headers("r1", "wrong"), body), 403);
  EXPECT_EQ(status_of(firehose_headers("r1", kKey.substr(0, kKey.size() - 1) + "X"), body), 403);
  {
    auto r = client(server.port())->Post("/firehose", firehose_headers("r1", "wrong"), body, "application/json");
    expect_firehose_response(r, "r1", true);
  }
  EXPECT_EQ(status_of(firehose_headers("bad-json"), "{\"requestId\":\"bad-json\",\"records\":[{"), 400);
  EXPECT_EQ(status_of(firehose_headers("no-records"), "{\"requestId\":\"no-records\",\"timestamp\":1}"), 400);
  EXPECT_EQ(status_of(firehose_headers("other-id"), body), 400) << "the body's requestId is r1";
  auto br = firehose_headers("r1");
  br.emplace("Content-Encoding", "br");
  EXPECT_EQ(status_of(br, body), 400);
  // Past --max-request-bytes as sent, and a small gzip body that decodes past --max-decoded-bytes.
  EXPECT_EQ(status_of(firehose_headers("big"), firehose_body("big", {std::string(300000, 'x')})), 413);
  auto gz = firehose_headers("bomb");
  gz.emplace("Content-Encoding", "gzip");
  const std::string bomb =
      gzip_member("{\"requestId\":\"bomb\",\"records\":[{\"data\":\"" + std::string(5'000'000, 'A') + "\"}]}", 9);
  ASSERT_LT(bomb.size(), 200000u);
  EXPECT_EQ(status_of(gz, bomb), 413);
  auto corrupt = firehose_headers("corrupt");
  corrupt.emplace("Content-Encoding", "gzip");
  std::string truncated = gzip_member(body);
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(status_of(corrupt, truncated), 400);
  // A request with bad records among good ones is taken: the good ones stored, the bad ones kept in
  // dead_letters, all in one transaction.
  std::vector<std::string> mixed = direct_payloads(good, 1);
  mixed.insert(mixed.begin() + 10, "{\"not\": \"a query log record\"}\n");
  mixed.insert(mixed.begin() + 20, "{\"truncated\n");
  std::string mixed_body = firehose_body("r1", mixed);
  const std::size_t at = mixed_body.find("]}");
  mixed_body.insert(at, ",{\"data\":\"***not base64***\"},{\"nodata\":1}");
  EXPECT_EQ(status_of(firehose_headers("r1"), mixed_body), 200);
  auto m = client(server.port())->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("dnslens_http_responses_total{code=\"413\"} 2\n"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("dnslens_http_responses_total{code=\"403\"} 3\n"), std::string::npos) << m->body;
  EXPECT_EQ(server.stop(), 0) << server.log();

  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM route53query"), 100);
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM ingest_requests"), 1);
  EXPECT_EQ(scalar(conn, "SELECT bad_records FROM ingest_requests"), 4);
  DuckResult dead = conn.query("SELECT origin, reason FROM dead_letters ORDER BY origin");
  ASSERT_EQ(dead.rows(), 4u);
  EXPECT_EQ(dead.text(0, 0).value_or(""), "firehose r1 record 103");  // after 100 good and 2 bad lines
  EXPECT_EQ(dead.text(1, 0).value_or(""), "bad_envelope");
  EXPECT_EQ(
      scalar(conn,
             "SELECT count(*) FROM dead_letters WHERE origin IN ('firehose r1 record 11', 'firehose r1 record 21')"),
      2);
}

TEST_F(ServeTest, ASigkillLosesNoAcknowledgedRecordAndRetriesComplete) {
  // Requests of 40 lines each, from four connections at once, until the server is killed.
  constexpr std::size_t kPerRequest = 40;
  const std::size_t requests = lines.size() / kPerRequest;
  std::vector<std::string> bodies;
  for (std::size_t i = 0; i < requests; ++i) {
    bodies.push_back(
        firehose_body("kill-" + std::to_string(i),
                      direct_payloads({lines.begin() + i * kPerRequest, lines.begin() + (i + 1) * kPerRequest}, 4)));
  }
  std::mutex mu;
  std::vector<std::size_t> acked;
  {
    ServerProcess server(w, "--db live.duckdb", kKeyEnv);
    ASSERT_TRUE(server.started()) << server.log();
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> senders;
    for (int t = 0; t < 4; ++t) {
      senders.emplace_back([&] {
        auto c = client(server.port());
        for (std::size_t i = next++; i < requests; i = next++) {
          auto r = c->Post("/firehose", firehose_headers("kill-" + std::to_string(i)), bodies[i], "application/json");
          if (!r) return;  // the server is gone
          if (r->status == 200) {
            std::lock_guard lock(mu);
            acked.push_back(i);
          }
        }
      });
    }
    // Kill once a good part of the stream is acknowledged: waiting on the count rather than a short
    // clock keeps the test the same on a slow machine or in the sanitizer build (30 s at most).
    for (int i = 0; i < 6000; ++i) {
      {
        std::lock_guard lock(mu);
        if (acked.size() >= requests / 3) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server.kill_hard();
    for (auto& t : senders) t.join();
  }
  ASSERT_GE(acked.size(), requests / 3);
  ASSERT_LT(acked.size(), requests) << "the kill came after the whole stream";
  {
    // DuckDB replays its write-ahead log: every acknowledged request is there, whole.
    DuckDatabase db(w.file("live.duckdb"), true);
    DuckConnection conn = db.connect();
    for (std::size_t i : acked) {
      EXPECT_EQ(
          scalar(conn, "SELECT count(*) FROM ingest_requests WHERE request_id = 'kill-" + std::to_string(i) + "'"), 1)
          << i;
    }
    EXPECT_EQ(scalar(conn, "SELECT count(*) FROM route53query"),
              scalar(conn, "SELECT sum(records) FROM ingest_requests"))
        << "a request is stored whole or not at all";
    EXPECT_EQ(scalar(conn, "SELECT sum(records) FROM ingest_requests"),
              scalar(conn, "SELECT count(*) FROM ingest_requests") * static_cast<std::int64_t>(kPerRequest));
  }
  // Firehose retries everything: what was stored is acknowledged again, the rest is stored now.
  ServerProcess again(w, "--db live.duckdb", kKeyEnv);
  ASSERT_TRUE(again.started()) << again.log();
  auto c = client(again.port());
  for (std::size_t i = 0; i < requests; ++i) {
    auto r = c->Post("/firehose", firehose_headers("kill-" + std::to_string(i)), bodies[i], "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  EXPECT_EQ(again.stop(), 0) << again.log();
  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM route53query"), static_cast<std::int64_t>(requests * kPerRequest));
  EXPECT_EQ(scalar(conn, "SELECT count(DISTINCT request_id) FROM ingest_requests"),
            static_cast<std::int64_t>(requests));
}

TEST_F(ServeTest, ServesHttpsWithACertificateFile) {
  ASSERT_EQ(std::system(("cd " + w.path +
                         " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem "
                         "-days 2 -subj /CN=localhost >/dev/null 2>&1")
                            .c_str()),
            0);
  ServerProcess server(w, "--db live.duckdb --no-detect --tls-cert cert.pem --tls-key key.pem", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  httplib::SSLClient tls("127.0.0.1", server.port());
  tls.enable_server_certificate_verification(false);  // self-signed
  tls.set_connection_timeout(5);
  const std::vector<std::string> some(lines.begin(), lines.begin() + 50);
  auto r = tls.Post("/firehose", firehose_headers("tls-1"), firehose_body("tls-1", direct_payloads(some, 5)),
                    "application/json");
  expect_firehose_response(r, "tls-1", false);
  EXPECT_EQ(r->status, 200);
  // Plain HTTP to the TLS port gets no answer.
  auto plain = client(server.port())->Get("/healthz");
  EXPECT_TRUE(!plain || plain->status != 200);
  EXPECT_EQ(server.stop(), 0) << server.log();
  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM route53query"), 50);
  // A key that does not match its certificate is a startup error.
  ASSERT_EQ(std::system(("cd " + w.path +
                         " && openssl req -x509 -newkey rsa:2048 -nodes -keyout other.pem -out o.pem "
                         "-days 2 -subj /CN=x >/dev/null 2>&1")
                            .c_str()),
            0);
  auto bad = run_dnslens(w, "serve --db x.duckdb --listen 127.0.0.1:0 --tls-cert cert.pem --tls-key other.pem");
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_NE(bad.err.find("TLS certificate"), std::string::npos) << bad.err;
}

TEST_F(ServeTest, RefusesAnOpenEndpointBeyondLoopback) {
  auto r = run_dnslens(w, "serve --db x.duckdb --listen 0.0.0.0:0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("access key"), std::string::npos) << r.err;
  w.write("key", kKey + "\n");
  auto no_token = run_dnslens(w, "serve --db x.duckdb --listen 0.0.0.0:0 --access-key-file key");
  EXPECT_EQ(no_token.exit_code, 1);
  EXPECT_NE(no_token.err.find("--ui-token-file"), std::string::npos) << no_token.err;
}

TEST_F(ServeTest, TheDashboardsNeedTheUiTokenWhenOneIsSet) {
  ServerProcess server(w, "--db live.duckdb --no-detect", {"DNSLENS_UI_TOKEN=ui-s3cret-token", kKeyEnv[0]});
  ASSERT_TRUE(server.started()) << server.log();
  auto c = client(server.port());
  auto none = c->Get("/api/catalog");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(c->Get("/api/panel/summary", {{"Authorization", "Bearer wrong"}})->status, 401);
  auto bearer = c->Get("/api/panel/summary", {{"Authorization", "Bearer ui-s3cret-token"}});
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->status, 200);
  EXPECT_NE(bearer->body.find("\"columns\":[\"queries\""), std::string::npos) << bearer->body;
  // ?token= once sets an HttpOnly cookie, so the page's scripts and styles load too.
  auto visit = c->Get("/api/catalog?token=ui-s3cret-token");
  ASSERT_TRUE(visit);
  EXPECT_EQ(visit->status, 200);
  const std::string cookie = visit->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_EQ(c->Get("/api/catalog", {{"Cookie", cookie.substr(0, cookie.find(';'))}})->status, 200);
  EXPECT_EQ(c->Get("/api/catalog", {{"Cookie", "dnslens_token=ui-s3cret-tokeX"}})->status, 401);
  // Probes stay open, and the Firehose endpoint has its own key.
  EXPECT_EQ(c->Get("/healthz")->status, 200);
  EXPECT_EQ(c->Get("/metrics")->status, 200);
  auto post = c->Post("/firehose", firehose_headers("t1"), firehose_body("t1", direct_payloads({lines[0]}, 1)),
                      "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200);
  // Bad API parameters are 400s with a reason, not 500s.
  auto bad = c->Get("/api/panel/summary?from=yesterday", {{"Authorization", "Bearer ui-s3cret-token"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("is not a time"), std::string::npos) << bad->body;
  EXPECT_EQ(c->Get("/api/panel/nope", {{"Authorization", "Bearer ui-s3cret-token"}})->status, 400);
  EXPECT_EQ(c->Get("/api/records?finding=1;DROP", {{"Authorization", "Bearer ui-s3cret-token"}})->status, 400);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

// Geo on the dashboards: the catalog names the data (file names only) with its attribution, the map
// answers from it, a country drill-down takes only a country code, and --no-geo says there is none.
TEST_F(ServeTest, GeoPanelsAnswerFromTheGeoDataAndSayWhenThereIsNone) {
  {
    ServerProcess server(w, "--db live.duckdb --no-detect", {kKeyEnv[0]});
    ASSERT_TRUE(server.started()) << server.log();
    auto c = client(server.port());
    ASSERT_EQ(c->Post("/firehose", firehose_headers("g1"), firehose_body("g1", direct_payloads(lines, 10)),
                      "application/json")
                  ->status,
              200);
    auto catalog = c->Get("/api/catalog");
    ASSERT_TRUE(catalog);
    EXPECT_NE(catalog->body.find("\"geo\":{\"country\":true,\"asn\":true,"), std::string::npos) << catalog->body;
    EXPECT_NE(catalog->body.find("\"file\":\"country.mmdb\""), std::string::npos);
    EXPECT_EQ(catalog->body.find(".deps/geo"), std::string::npos) << "the server's paths stay private";
    EXPECT_NE(catalog->body.find("https://db-ip.com"), std::string::npos);
    auto map = c->Get("/api/panel/geo");
    ASSERT_TRUE(map);
    EXPECT_EQ(map->status, 200);
    EXPECT_NE(map->body.find("\"columns\":[\"country\",\"answers\"]"), std::string::npos) << map->body;
    EXPECT_EQ(map->body.find("\"note\""), std::string::npos) << map->body;
    for (const char* bad : {"de", "USA", "U'", "1A"}) {
      EXPECT_EQ(c->Get(std::string("/api/records?country=") + bad)->status, 400) << bad;
    }
    auto us = c->Get("/api/records?country=US");
    ASSERT_TRUE(us);
    EXPECT_EQ(us->status, 200) << us->body;
    EXPECT_NE(us->body.find("answers in US"), std::string::npos) << us->body;
    EXPECT_EQ(server.stop(), 0) << server.log();
  }
  ServerProcess bare(w, "--db live.duckdb --no-detect --no-geo", {kKeyEnv[0]});
  ASSERT_TRUE(bare.started()) << bare.log();
  auto c = client(bare.port());
  EXPECT_NE(c->Get("/api/catalog")->body.find("\"geo\":{\"country\":false,\"asn\":false,\"sources\":[]}"),
            std::string::npos);
  auto map = c->Get("/api/panel/geo");
  EXPECT_NE(map->body.find("no country data is loaded"), std::string::npos) << map->body;
  auto requests = c->Get("/api/panel/requests");
  EXPECT_EQ(requests->status, 200) << requests->body;  // its AS columns are NULL, not an error
  EXPECT_EQ(bare.stop(), 0) << bare.log();
}

// Bounded load on loopback: 4 connections, 100 gzip requests of 1,000 records (Firehose buffers at
// least 1 MiB, about 2,000 records, before it sends). Prints records/s and the
// latency percentiles (figures, not assertions: this VM's speed drifts); asserts every record landed.
TEST_F(ServeTest, LoadOnLoopback) {
  constexpr std::size_t kRequests = 100, kPer = 1000, kConnections = 4;
  std::vector<std::string> bodies;
  for (std::size_t i = 0; i < kRequests; ++i) {
    const std::size_t from = (i * kPer) % (lines.size() - kPer);
    bodies.push_back(gzip_member(firehose_body(
        "load-" + std::to_string(i), direct_payloads({lines.begin() + from, lines.begin() + from + kPer}, 1))));
  }
  ServerProcess server(w, "--db live.duckdb", kKeyEnv);
  ASSERT_TRUE(server.started()) << server.log();
  std::mutex mu;
  std::vector<double> latencies;
  std::atomic<std::size_t> next{0}, ok{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> senders;
  for (std::size_t t = 0; t < kConnections; ++t) {
    senders.emplace_back([&] {
      auto c = client(server.port());
      for (std::size_t i = next++; i < kRequests; i = next++) {
        auto h = firehose_headers("load-" + std::to_string(i));
        h.emplace("Content-Encoding", "gzip");
        const auto t0 = std::chrono::steady_clock::now();
        auto r = c->Post("/firehose", h, bodies[i], "application/json");
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (r && r->status == 200) ++ok;
        std::lock_guard lock(mu);
        latencies.push_back(s);
      }
    });
  }
  for (auto& t : senders) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(ok.load(), kRequests);
  std::sort(latencies.begin(), latencies.end());
  std::printf(
      "[ load ] %zu requests x %zu records over %zu connections: %.2f s, %.0f records/s, latency p50 %.1f ms, "
      "p99 %.1f ms, max %.1f ms\n",
      kRequests, kPer, kConnections, secs, kRequests * kPer / secs, latencies[latencies.size() / 2] * 1e3,
      latencies[latencies.size() * 99 / 100] * 1e3, latencies.back() * 1e3);
  EXPECT_EQ(server.stop(), 0) << server.log();
  DuckDatabase db(w.file("live.duckdb"), true);
  DuckConnection conn = db.connect();
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM route53query"), static_cast<std::int64_t>(kRequests * kPer));
}

}  // namespace
}  // namespace dnslens
