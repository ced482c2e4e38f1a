// Detections end to end through the real binary: findings on generated logs, the evaluation's
// own check, retraining the DGA model, configuration errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include <simdjson.h>

#include <fmt/format.h>

#include "cli_harness.hpp"

namespace dnslens {
namespace {

using testing::lines_of;
using testing::run_dnslens;
using testing::Workdir;

TEST(DetectCli, FindsEveryPlantedThreatOfTheDemoDayWithEvidence) {
  Workdir w;
  ASSERT_EQ(run_dnslens(w, "generate --records 200000 --seed 5 -o logs.jsonl.gz").exit_code, 0);
  auto r = run_dnslens(w, "run logs.jsonl.gz -o out.jsonl -j2 --summary-json s.json --notify-file events.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  std::map<std::string, std::vector<std::string>> domains_by_type;
  for (const auto& line : lines_of(w.read("dnslens-findings.jsonl"))) {
    simdjson::dom::element f = parser.parse(line);
    std::string type{std::string_view(f["finding_type"])};
    std::string domain = f["domain"].is_null() ? "" : std::string(std::string_view(f["domain"]));
    domains_by_type[type].push_back(domain);
    EXPECT_FALSE(std::string_view(f["explanation"]).empty());
    EXPECT_GT(simdjson::dom::array(f["evidence"]).size(), 0u) << line;
    for (auto ev : simdjson::dom::array(f["evidence"])) EXPECT_FALSE(std::string_view(ev["query_name"]).empty());
    EXPECT_LE(int64_t(f["evidence"].get_array().size()), 5);
  }
  EXPECT_EQ(domains_by_type["DGADomainRequest"].size(), 1u);
  EXPECT_EQ(domains_by_type["DNSDataExfiltration"], std::vector<std::string>{"evil-tunnel.net"});
  EXPECT_EQ(domains_by_type["Beaconing"], std::vector<std::string>{"update.c2-beacon.xyz"});
  EXPECT_EQ(domains_by_type["ReverseDNSSweep"].size(), 1u);
  EXPECT_EQ(domains_by_type["MetadataDNSRebind"], std::vector<std::string>{"rebind-probe.net"});
  EXPECT_EQ(domains_by_type["BlackholeTraffic"], std::vector<std::string>{"sinkholed-botnet.info"});
  EXPECT_EQ(domains_by_type["SuspiciousDomainRequest"], std::vector<std::string>{"duckdns.org"});
  for (const auto& [type, list] : domains_by_type) {
    EXPECT_TRUE(type == "DGADomainRequest" || type == "DNSDataExfiltration" || type == "Beaconing" ||
                type == "ReverseDNSSweep" || type == "VolumeAnomaly" || type == "MetadataDNSRebind" ||
                type == "BlackholeTraffic" || type == "SuspiciousDomainRequest")
        << type;
  }
  // Each finding was announced once through the notifier.
  std::size_t announced = 0;
  for (const auto& e : lines_of(w.read("events.jsonl")))
    announced += e.find("\"event\":\"finding\"") != std::string::npos;
  EXPECT_EQ(announced, lines_of(w.read("dnslens-findings.jsonl")).size());
  // Every enriched record carries the name signals.
  auto out = lines_of(w.read("out.jsonl"));
  ASSERT_FALSE(out.empty());
  simdjson::dom::element rec = parser.parse(out[0]);
  for (const char* key : {"name_entropy", "subdomain_entropy", "name_length", "subdomain_length", "longest_label",
                          "label_count", "digit_ratio", "consonant_ratio", "dga_score"}) {
    EXPECT_TRUE(rec[key].is_number()) << key;
  }
  EXPECT_TRUE(rec["benign_noise"].is_bool());
  simdjson::padded_string summary(w.read("s.json"));
  simdjson::dom::element s = parser.parse(summary);
  EXPECT_EQ(uint64_t(s["detection"]["events"]), uint64_t(s["records"]));
  EXPECT_GT(uint64_t(s["detection"]["benign_noise"]), 0u);
}

// A record of instance i-<n> in vpc at time ts, with answers (a JSON array) and an optional firewall action.
std::string record(const std::string& ts, const std::string& name, const std::string& answers,
                   const std::string& type = "A", const std::string& vpc = "vpc-1", const std::string& action = "",
                   const std::string& instance = "i-0abc") {
  std::string fw = action.empty() ? "" : R"(,"firewall_rule_action":")" + action + R"(")";
  return R"({"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":")" + vpc +
         R"(","query_timestamp":")" + ts + R"(","query_name":")" + name + R"(","query_type":")" + type +
         R"(","query_class":"IN","rcode":"NOERROR","answers":)" + answers +
         R"(,"srcaddr":"10.0.0.5","srcport":"5353","transport":"UDP","srcids":{"instance":")" + instance + R"("})" +
         fw + "}\n";
}

std::string answer(const std::string& rdata, const std::string& type = "A") {
  return R"([{"Rdata":")" + rdata + R"(","Type":")" + type + R"(","Class":"IN"}])";
}

// finding_type -> the findings' domains (or VPC for a VPC-level finding), from a findings file.
std::map<std::string, std::vector<std::string>> findings_by_type(const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  simdjson::dom::parser parser;
  for (const auto& line : lines_of(text)) {
    simdjson::dom::element f = parser.parse(line);
    const std::string type{std::string_view(f["finding_type"])};
    out[type].push_back(f["domain"].is_null() ? "vpc:" + std::string(std::string_view(f["vpc_id"]))
                                              : std::string(std::string_view(f["domain"])));
  }
  return out;
}

// With --detector-threads the detectors run side by side; their findings reach the store in detector
// order, so the findings and the notifications are those of one thread, byte for byte.
TEST(DetectCli, DetectorThreadsChangeNoFindingAndNoNotification) {
  Workdir w;
  ASSERT_EQ(run_dnslens(w, "generate --records 200000 --seed 5 -o logs.jsonl").exit_code, 0);
  for (const char* threads : {"1", "3", "9"}) {
    auto r =
        run_dnslens(w, std::string("run logs.jsonl -o out-") + threads + ".jsonl -j2 --detector-threads " + threads +
                           " --findings findings-" + threads + ".jsonl --notify-file events-" + threads + ".jsonl -q");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string findings = w.read("findings-1.jsonl");
  EXPECT_GE(lines_of(findings).size(), 8u);
  EXPECT_NE(findings.find("\"finding_type\":\"Beaconing\""), std::string::npos);
  EXPECT_EQ(lines_of(w.read("events-1.jsonl")).size(), lines_of(findings).size());  // each announced once
  for (const char* threads : {"3", "9"}) {
    EXPECT_EQ(w.read(std::string("findings-") + threads + ".jsonl"), findings) << threads;
    EXPECT_EQ(w.read(std::string("events-") + threads + ".jsonl"), w.read("events-1.jsonl")) << threads;
    EXPECT_EQ(w.read(std::string("out-") + threads + ".jsonl"), w.read("out-1.jsonl")) << threads;
  }
  EXPECT_NE(run_dnslens(w, "run logs.jsonl -o none --detector-threads 0 -q").exit_code, 0);
}

TEST(DetectCli, AnswersToTheMetadataServiceOrABlackHoleAreFindings) {
  Workdir w;
  w.write("feed.csv", "indicator,confidence,threat\nsinkhole-op.net,80,Sinkhole\n");
  const std::string ts = "2024-02-04T17:51:55Z";
  std::string logs = record(ts, "7f000001.a9fea9fe.rbndr.us.", answer("169.254.169.254")) +  // rebinding service
                     record(ts, "imds.rebind-me.com.", answer("fd00:ec2::254", "AAAA")) +    // IPv6 metadata
                     record(ts, "creds.rebind-me.com.", answer("::ffff:169.254.170.2", "AAAA")) +
                     record(ts, "instance-data.ec2.internal.", answer("169.254.169.254")) +  // AWS's own name
                     record(ts, "dns.amazon-link.com.", answer("169.254.169.253")) +         // not the metadata service
                     record(ts, "taken-down-bot.com.", answer("0.0.0.0")) +                  // a black hole
                     record(ts, "localhost.fine-dev.com.", answer("127.0.0.1")) +            // local development
                     record(ts, "2.0.0.127.zen.spamhaus.org.", answer("127.0.0.2")) +        // a DNS blocklist
                     record(ts, "blocked-here.com.", answer("0.0.0.0"), "A", "vpc-1", "BLOCK") +  // our own firewall
                     record(ts, "printer.corp.", answer("127.0.0.1")) +                           // not a public name
                     record(ts, "www.zeus-cnc.biz.",
                            R"([{"Rdata":"s.sinkhole-op.net.","Type":"CNAME","Class":"IN"},)"
                            R"({"Rdata":"203.0.113.9","Type":"A","Class":"IN"}])") +  // intel: a sinkhole
                     record(ts, "www.fine.org.", answer("93.184.216.34"));
  w.write("logs.jsonl", logs);
  auto r = run_dnslens(w, "run logs.jsonl -o /dev/null -j2 --intel ops=feed.csv --findings f.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto by_type = findings_by_type(w.read("f.jsonl"));
  EXPECT_EQ(by_type["MetadataDNSRebind"], (std::vector<std::string>{"rbndr.us", "rebind-me.com"}));
  EXPECT_EQ(by_type["BlackholeTraffic"], (std::vector<std::string>{"taken-down-bot.com", "zeus-cnc.biz"}));
  EXPECT_EQ(by_type.size(), 2u) << w.read("f.jsonl");  // the sinkhole hit is no ThreatIntelMatch too
  EXPECT_NE(w.read("f.jsonl").find(R"("guardduty_analog":"UnauthorizedAccess:EC2/MetadataDNSRebind")"),
            std::string::npos);
  EXPECT_NE(w.read("f.jsonl").find("feed 'ops' calls indicator sinkhole-op.net a sinkhole"), std::string::npos);

  // Allowed names are the operator's to extend; a wrong entry names the key.
  w.write("d.yaml", "answers:\n  metadata_allowed_names: \"*.rebind-me.com, rbndr.us\"\n");
  r = run_dnslens(w, "run logs.jsonl -o /dev/null -j1 --detect-config d.yaml --findings f2.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(findings_by_type(w.read("f2.jsonl"))["MetadataDNSRebind"], std::vector<std::string>{"rbndr.us"});
  w.write("bad.yaml", "answers:\n  blackhole_allowed_names: \"ok.com, not a name\"\n");
  r = run_dnslens(w, "run logs.jsonl -o /dev/null --detect-config bad.yaml");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("answers.blackhole_allowed_names has 'not a name'"), std::string::npos) << r.err;
}

TEST(DetectCli, LowReputationNamesAreSuspiciousDomainRequests) {
  Workdir w;
  const std::string ts = "2024-02-04T17:51:55Z";
  std::string logs = record(ts, "home-lab7.duckdns.org.", answer("198.51.100.7")) +            // dynamic DNS
                     record(ts, "nas-box.duckdns.org.", answer("198.51.100.6")) +              // same provider
                     record(ts, "cold-river-42.trycloudflare.com.", answer("198.51.100.8")) +  // a quick tunnel
                     record(ts, "cq3kd9x2vu.oast.fun.", answer("198.51.100.9")) +              // an OOB callback
                     record(ts, "old-brand.com.",
                            R"([{"Rdata":"old-brand.com.sedoparking.com.","Type":"CNAME","Class":"IN"},)"
                            R"({"Rdata":"198.51.100.10","Type":"A","Class":"IN"}])") +  // parked
                     record(ts, "www.fine.org.", answer("198.51.100.11")) +
                     record(ts, "docs.ngrok.com.", answer("198.51.100.12"));  // the company's site, not a tunnel
  w.write("logs.jsonl", logs);
  auto r = run_dnslens(w, "run logs.jsonl -o /dev/null --findings f.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = w.read("f.jsonl");
  auto by_type = findings_by_type(text);
  std::vector<std::string> domains = by_type["SuspiciousDomainRequest"];
  std::sort(domains.begin(), domains.end());
  // A provider's hostnames are one finding per source; a parked domain is its own.
  EXPECT_EQ(domains, (std::vector<std::string>{"duckdns.org", "oast.fun", "old-brand.com", "trycloudflare.com"}))
      << text;
  EXPECT_EQ(by_type.size(), 1u) << text;
  simdjson::dom::parser parser;
  std::map<std::string, std::string> tier, severity;
  for (const auto& line : lines_of(text)) {
    simdjson::dom::element f = parser.parse(line);
    const std::string d{std::string_view(f["domain"])};
    tier[d] = std::string(std::string_view(f["metrics"]["tier"]));
    severity[d] = std::string(std::string_view(f["severity"]));
  }
  EXPECT_EQ(tier["old-brand.com"], "parked");
  EXPECT_EQ(tier["duckdns.org"], "dynamic_dns");
  EXPECT_EQ(tier["oast.fun"], "out_of_band_callback");
  EXPECT_EQ(severity["oast.fun"], "medium");
  EXPECT_EQ(severity["duckdns.org"], "low");

  // The notifiers can leave the low ones out; the findings file keeps them all.
  r = run_dnslens(w,
                  "run logs.jsonl -o /dev/null --findings f2.jsonl --notify-file n.jsonl --notify-min-severity medium");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(findings_by_type(w.read("f2.jsonl"))["SuspiciousDomainRequest"].size(), 4u);
  const auto notified = lines_of(w.read("n.jsonl"));
  ASSERT_EQ(notified.size(), 1u) << w.read("n.jsonl");
  EXPECT_NE(notified[0].find("\"domain\":\"oast.fun\""), std::string::npos) << notified[0];
  r = run_dnslens(w, "run logs.jsonl -o /dev/null --notify-stdout --notify-min-severity urgent");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--notify-min-severity"), std::string::npos) << r.err;
}

TEST(DetectCli, ADomainFirstResolvedAfterTheLearningIsNewlyObservedAcrossRuns) {
  Workdir w;
  // A day of learning is enough here (the default is a week); a domain stays new for 12 hours; the days
  // logged here are two apart, which the default gap (2 days) would take for logging that stopped.
  w.write("d.yaml",
          "reputation:\n  learning_seconds: 86400\n  newly_observed_seconds: 43200\n  history_gap_seconds: 259200\n");
  const std::string run = "-o /dev/null -j1 --detect-config d.yaml --domain-history h.tsv --findings ";
  auto nx = [](std::string r) { return r.replace(r.find("NOERROR"), 7, "NXDOMAIN"); };
  // Run 1, Feb 1: the history learns fine.org and shop.example.com.
  // s3.amazonaws.com is itself a suffix of the list's private section: the history learns amazonaws.com.
  w.write("day1.jsonl", record("2024-02-01T08:00:00Z", "www.fine.org.", answer("198.51.100.1")) +
                            record("2024-02-01T09:00:00Z", "api.shop.example.com.", answer("198.51.100.2")) +
                            record("2024-02-01T09:30:00Z", "s3.amazonaws.com.", answer("198.51.100.4")));
  auto r = run_dnslens(w, "run day1.jsonl " + run + "f1.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(w.read("f1.jsonl"), "");
  // Run 2, Feb 3: fine.org is known; new-vendor.io is resolved three times by one host and once by another
  // (one finding each, the first widened to 3 events); a never-resolved name (NXDOMAIN), a query DNS Firewall
  // blocked and a reverse lookup are no resolutions of a new domain.
  w.write("day3.jsonl",
          record("2024-02-03T10:00:00Z", "www.fine.org.", answer("198.51.100.1")) +
              record("2024-02-03T10:00:05Z", "cdn.new-vendor.io.", answer("198.51.100.3")) +
              record("2024-02-03T10:20:00Z", "cdn.new-vendor.io.", answer("198.51.100.3")) +
              record("2024-02-03T11:00:00Z", "app.new-vendor.io.", answer("198.51.100.3")) +
              record("2024-02-03T10:30:00Z", "new-vendor.io.", answer("198.51.100.3"), "A", "vpc-1", "", "i-0def") +
              nx(record("2024-02-03T10:40:00Z", "typo-domain.com.", "[]")) +
              record("2024-02-03T10:41:00Z", "blocked-new.net.", "[]", "A", "vpc-1", "BLOCK") +
              record("2024-02-03T10:42:00Z", "9.113.0.203.in-addr.arpa.", answer("host.example.net.", "PTR"), "PTR") +
              // A new CloudFront distribution is cloudfront.net's (the registry's view), not a domain of its own.
              record("2024-02-03T10:50:00Z", "img.d111111abcdef8.cloudfront.net.", answer("198.51.100.9")) +
              // A bucket not seen before is amazonaws.com's, which is known.
              record("2024-02-03T10:55:00Z", "logs-bucket.s3.amazonaws.com.", answer("198.51.100.5")) +
              // A record dated past the wall clock is not kept (it would expire every other domain).
              record("2099-02-03T10:00:00Z", "from-the-future.com.", answer("198.51.100.10")));
  r = run_dnslens(w, "run day3.jsonl " + run + "f3.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = w.read("f3.jsonl");
  EXPECT_EQ(findings_by_type(text)["SuspiciousDomainRequest"],
            (std::vector<std::string>{"new-vendor.io", "new-vendor.io", "cloudfront.net"}))
      << text;
  EXPECT_EQ(findings_by_type(text).size(), 1u) << text;
  simdjson::dom::parser parser;
  std::map<std::string, std::int64_t> events;
  for (const auto& line : lines_of(text)) {
    simdjson::dom::element f = parser.parse(line);
    const std::string domain{std::string_view(f["domain"])};
    events[std::string(std::string_view(f["instance"])) + " " + domain] = std::int64_t(f["events"]);
    EXPECT_EQ(std::string_view(f["metrics"]["tier"]), "newly_observed");
    if (domain == "new-vendor.io") {
      EXPECT_EQ(std::string_view(f["metrics"]["first_resolved"]), "2024-02-03T10:00:05Z");
    }
    EXPECT_EQ(std::string_view(f["severity"]), "low");
  }
  EXPECT_EQ(events, (std::map<std::string, std::int64_t>{
                        {"i-0abc new-vendor.io", 3}, {"i-0def new-vendor.io", 1}, {"i-0abc cloudfront.net", 1}}));
  // The history kept what it learned, in its documented shape.
  const std::string history = w.read("h.tsv");
  // Learning began with the first record; the newest record kept is the last of Feb 3 (not the one of 2099).
  EXPECT_TRUE(history.starts_with("# dnslens domain history 1\n# since 1706774400\n# newest 1706958000\n")) << history;
  EXPECT_NE(history.find("new-vendor.io\t1706954405\t1706958000\n"), std::string::npos) << history;
  EXPECT_NE(history.find("fine.org\t1706774400\t1706954400\n"), std::string::npos) << history;
  EXPECT_NE(history.find("amazonaws.com\t1706779800\t1706957700\n"), std::string::npos) << history;
  EXPECT_EQ(history.find("typo-domain.com"), std::string::npos) << history;
  EXPECT_EQ(history.find("from-the-future.com"), std::string::npos) << history;
  EXPECT_EQ(history.find("d111111abcdef8"), std::string::npos) << history;
  // Run 3, the next day: new-vendor.io is no longer new.
  w.write("day4.jsonl", record("2024-02-04T10:00:05Z", "cdn.new-vendor.io.", answer("198.51.100.3")));
  r = run_dnslens(w, "run day4.jsonl " + run + "f4.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(w.read("f4.jsonl"), "");
  // Without the history the same day finds nothing new; a broken history file is an error naming its line.
  r = run_dnslens(w, "run day3.jsonl -o /dev/null -j1 --detect-config d.yaml --findings f5.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(w.read("f5.jsonl"), "");
  // A history that cannot be saved is said on stderr and in the summary; the run's findings still go out.
  std::filesystem::create_directories(w.file("h.tsv.tmp"));
  r = run_dnslens(w, "run day3.jsonl " + run + "f6.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("dnslens: the domain history was not saved: domain history h.tsv: cannot create " +
                       w.file("h.tsv.tmp")),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("NOT SAVED"), std::string::npos) << r.err;
  EXPECT_EQ(findings_by_type(w.read("f6.jsonl"))["SuspiciousDomainRequest"].size(), 3u);
  // Commands that take in no live records keep no history, and it needs the detectors.
  r = run_dnslens(w, "run day3.jsonl -o /dev/null --no-detect --domain-history h.tsv");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--domain-history needs the detectors"), std::string::npos) << r.err;
  r = run_dnslens(w, "detect eval --records 1000 --domain-history h.tsv");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--domain-history: detect eval's days are generated"), std::string::npos) << r.err;
  w.write("bad.tsv", "# dnslens domain history 1\nfine.org\t1706774400\n");
  r = run_dnslens(w, "run day3.jsonl " + std::string("-o /dev/null --domain-history bad.tsv"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("bad.tsv:2: expected three tab-separated columns"), std::string::npos) << r.err;
}

TEST(DetectCli, AVpcWhoseLogsStopIsALogGapButSparseTrafficIsNot) {
  Workdir w;
  // vpc-steady logs every 20 s from 10:00; it stops 11:30-12:15 (a gap), resumes, and stops for good at 13:30
  // while vpc-other goes on to 14:00. vpc-sparse logs once every 7 minutes all along: never steady.
  // vpc-late has a hole 11:00-11:40 whose records arrive late, after its 11:40-11:45 records (within the 10-minute
  // lateness allowance): no gap.
  std::string logs;
  auto at = [](int minute_of_day, int second) {
    return fmt::format("2024-02-04T{:02d}:{:02d}:{:02d}Z", minute_of_day / 60, minute_of_day % 60, second);
  };
  for (int m = 600; m < 840; ++m) {
    if (m == 705) {
      for (int late = 660; late < 700; ++late) logs += record(at(late, 30), "c.fine.org.", "[]", "A", "vpc-late");
    }
    for (int s = 0; s < 60; s += 20) {
      if (m < 810 && !(m >= 690 && m < 735)) logs += record(at(m, s), "a.fine.org.", "[]", "A", "vpc-steady");
      logs += record(at(m, s), "b.fine.org.", "[]", "A", "vpc-other");
      if (!(m >= 660 && m < 700)) logs += record(at(m, s), "c.fine.org.", "[]", "A", "vpc-late");
    }
    if (m % 7 == 0) logs += record(at(m, 0), "d.fine.org.", "[]", "A", "vpc-sparse");
  }
  w.write("logs.jsonl", logs);
  auto r = run_dnslens(w, "run logs.jsonl -o /dev/null -j2 --findings f.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = w.read("f.jsonl");
  EXPECT_EQ(findings_by_type(text)["QueryLogGap"], std::vector<std::string>{"vpc:vpc-steady"}) << text;
  simdjson::dom::parser parser;
  for (const auto& line : lines_of(text)) {
    simdjson::dom::element f = parser.parse(line);
    if (std::string_view(f["finding_type"]) != "QueryLogGap") continue;
    // The gap and the silence at the end merge into one finding of the VPC: 11:29:40 to 13:59:40.
    EXPECT_EQ(std::string_view(f["first_seen"]), "2024-02-04T11:29:40Z");
    EXPECT_EQ(std::string_view(f["last_seen"]), "2024-02-04T13:59:40Z");
    EXPECT_EQ(uint64_t(f["occurrences"]), 2u);
    EXPECT_EQ(std::string_view(f["source"]), "vpc-steady");
  }
}

TEST(DetectCli, NoDetectLeavesRecordsAndFindingsAlone) {
  Workdir w;
  w.write("in.jsonl", testing::record("www.example.com.") + "\n");
  auto r = run_dnslens(w, "run in.jsonl -o out.jsonl --no-detect --summary-json s.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(w.read("out.jsonl").find("dga_score"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(w.file("dnslens-findings.jsonl")));
  EXPECT_NE(w.read("s.json").find("\"detection\":null"), std::string::npos);
}

TEST(DetectCli, EvaluationFindsModerateScenariosWithoutFalseFindings) {
  Workdir w;
  auto r = run_dnslens(w, "detect eval --check --records 150000 -j2 --keep eval");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Precision per detector"), std::string::npos);
  EXPECT_NE(r.out.find("): 0 findings"), std::string::npos) << r.out;
  for (const char* d : {"dga ", "tunneling ", "beaconing ", "reverse_dns_sweep ", "volume_anomaly "}) {
    EXPECT_NE(r.out.find(d), std::string::npos) << d;
  }
  EXPECT_TRUE(std::filesystem::exists(w.file("eval/planted-findings.jsonl")));
  // A detector switched off misses its scenarios, and --check says so.
  w.write("off.yaml", "beaconing:\n  enabled: false\n");
  auto off = run_dnslens(w, "detect eval --check --records 150000 -j2 --detect-config off.yaml");
  EXPECT_EQ(off.exit_code, 1) << off.out;
}

TEST(DetectCli, DgaModelRetrainsOnOwnLabelsAndScores) {
  Workdir w;
  std::string labels;
  for (const char* base :
       {"billing", "orders", "payments", "ledger", "gateway", "metrics", "search", "catalog", "checkout", "profile"}) {
    for (int i = 0; i < 150; ++i) labels += std::string(base) + "-service-" + std::to_string(i) + ".com\n";
  }
  w.write("labels.txt", labels);
  auto t = run_dnslens(w, "dga train --no-defaults --psl-section none --labels labels.txt -o model.txt");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto s = run_dnslens(w, "dga score --dga-model model.txt billing-service-7.com xkqzjvwptrq.com");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto rows = lines_of(s.out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_LT(std::stod(rows[1]), std::stod(rows[2]));
  w.write("bad-model.txt", "format something-else\n");
  auto bad = run_dnslens(w, "dga score --dga-model bad-model.txt x.com");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad-model.txt: line 1: unsupported format"), std::string::npos) << bad.err;
  auto ev = run_dnslens(w, "dga eval --per-family 300");
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  EXPECT_NE(ev.out.find("TPR@1%"), std::string::npos);
  EXPECT_NE(ev.out.find("(the evaluation half; the model trains on the other)"), std::string::npos) << ev.out;
  EXPECT_NE(ev.out.find("Privacy Badger"), std::string::npos) << ev.out;  // the benign list's sources are named
  // Every family of the catalogue, each as trained on or held out, and the held-out macro average.
  for (const char* row : {"necurs               character  trained on", "qakbot               character  held out",
                          "gozi                 dictionary held out", "held out   character  families"}) {
    EXPECT_NE(ev.out.find(row), std::string::npos) << row << "\n" << ev.out;
  }
  // Published names measured beside the generated ones, scored as the pipeline scores names.
  w.write("sample.txt", "xkqwzvtplmrhgf.com\nqzvkwjptrbxnmd.net\n");
  auto samples = run_dnslens(w, "dga eval --per-family 50 --samples sample.txt");
  ASSERT_EQ(samples.exit_code, 0) << samples.err;
  EXPECT_NE(samples.out.find("sample.txt           character  sample       100.0%"), std::string::npos) << samples.out;
  w.write("few.txt", "shopfoo123x.com\nbarnews987y.org\n");
  auto few = run_dnslens(w, "dga eval --benign few.txt");
  EXPECT_EQ(few.exit_code, 1);
  EXPECT_NE(few.err.find("few.txt: 2 distinct benign labels; at least 1000 are needed"), std::string::npos) << few.err;
}

TEST(DetectCli, ConfigurationErrorsNameTheKey) {
  Workdir w;
  w.write("in.jsonl", testing::record("www.example.com.") + "\n");
  w.write("cfg.yaml", "tunneling:\n  min_querys: 3\n");
  auto r = run_dnslens(w, "run in.jsonl -o none --detect-config cfg.yaml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown key 'tunneling.min_querys'"), std::string::npos) << r.err;
  auto d = run_dnslens(w, "detect defaults");
  ASSERT_EQ(d.exit_code, 0);
  w.write("defaults.yaml", d.out);
  EXPECT_EQ(run_dnslens(w, "run in.jsonl -o none --detect-config defaults.yaml").exit_code, 0);
  w.write("noise.txt", "www.example.com\n");
  auto n = run_dnslens(w, "run in.jsonl -o out.jsonl --benign-noise noise.txt");
  ASSERT_EQ(n.exit_code, 0) << n.err;
  EXPECT_NE(w.read("out.jsonl").find("\"benign_noise\":true"), std::string::npos);
}

TEST(DetectCli, TypesPrintsTheTableWithTheConfigsThresholds) {
  Workdir w;
  auto d = run_dnslens(w, "detect types");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("| `DNSDataExfiltration` | per (source, registered domain), 1 h tumbling window"),
            std::string::npos)
      << d.out;
  EXPECT_NE(d.out.find("≥ 12 events"), std::string::npos) << d.out;
  w.write("cfg.yaml", "beaconing:\n  min_events: 20\n");
  auto c = run_dnslens(w, "detect types --detect-config cfg.yaml");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(c.out.find("≥ 20 events"), std::string::npos) << c.out;
  w.write("bad.yaml", "beaconing:\n  min_events: 2\n");
  auto b = run_dnslens(w, "detect types --detect-config bad.yaml");
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("bad.yaml: detection config: beaconing.min_events must be at least 4"), std::string::npos)
      << b.err;
}

}  // namespace
}  // namespace dnslens
