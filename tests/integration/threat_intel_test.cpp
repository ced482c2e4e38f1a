// Threat intel through the real binary: every match site, the fields added to the record, the
// summary count, match events, and feed configuration errors.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "cli_harness.hpp"

namespace dnslens::testing {
namespace {

std::string line(const std::string& name, const std::string& answers = "[]", const std::string& src = "10.0.0.5",
                 const std::string& type = "A") {
  return R"({"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-1","query_timestamp":"2024-02-04T17:51:55Z","query_name":")" +
         name + R"(","query_type":")" + type + R"(","query_class":"IN","rcode":"NOERROR","answers":)" + answers +
         R"(,"srcaddr":")" + src + R"(","srcport":"5353","transport":"UDP","srcids":{"instance":"i-0abc"}})" + "\n";
}

std::string answer(const std::string& rdata, const std::string& type) {
  return R"({"Rdata":")" + rdata + R"(","Type":")" + type + R"(","Class":"IN"})";
}

// One DOM parser per line: an element lives only as long as its parser's last parse.
struct Out {
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers;
  std::vector<simdjson::dom::element> records;
  std::vector<std::string> lines;
};

void parse_lines(const std::string& text, Out& out) {
  out.lines = lines_of(text);
  for (const auto& l : out.lines) {
    out.parsers.push_back(std::make_unique<simdjson::dom::parser>());
    out.records.push_back(out.parsers.back()->parse(l).value());
  }
}

std::string field(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get(v)) return "<absent or null>";
  return std::string(v);
}

TEST(ThreatIntelCli, EveryMatchSiteAndTheFieldsItAdds) {
  Workdir w;
  w.write("feed.csv",
          "indicator,confidence,actor,threat\n"
          "evil-c2.com,90,Crimson Kite,c2\n"
          "198.51.100.0/24,55,,scanner\n"
          "cdn.evil-cname.net,30,,hosting\n"
          "192.0.2.66,70,,phishing\n"
          "10.9.9.9,95,,insider\n");
  std::string logs = line("beacon.EVIL-C2.com.") +                                                 // 1 query name
                     line("66.2.0.192.in-addr.arpa.", "[]", "10.0.0.5", "PTR") +                   // 2 reverse name
                     line("www.fine.org.", "[" + answer("198.51.100.7", "A") + "]") +              // 3 answer IP
                     line("img.fine.org.", "[" + answer("x.cdn.evil-cname.net.", "CNAME") + "," +  // 4 CNAME + answer
                                               answer("192.0.2.66", "A") + "]") +
                     line("clean.example.com.", "[]", "10.9.9.9") +  // 5 srcaddr (flag)
                     line("clean.example.com.");                     // 6 nothing
  w.write("logs.jsonl", logs);
  auto r = run_dnslens(w,
                       "run logs.jsonl -j1 -o out.jsonl --intel vendor=feed.csv --summary-json s.json "
                       "--notify-file events.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("intel feed 'vendor' (feed.csv, csv): 5 indicators, 0 rejected"), std::string::npos) << r.err;
  Out out;
  parse_lines(w.read("out.jsonl"), out);
  ASSERT_EQ(out.records.size(), 6u);
  auto& q = out.records[0];
  EXPECT_EQ(field(q, "threat_indicator"), "evil-c2.com");
  EXPECT_EQ(field(q, "threat_indicator_type"), "domain");
  EXPECT_EQ(field(q, "threat_feed"), "vendor");
  EXPECT_EQ(int64_t(q["threat_confidence"]), 90);
  EXPECT_EQ(field(q, "threat_confidence_level"), "high");
  EXPECT_EQ(field(q, "threat_actor"), "Crimson Kite");
  EXPECT_EQ(field(q, "threat_category"), "c2");
  EXPECT_EQ(field(q, "threat_matched_on"), "query_name");
  EXPECT_EQ(field(q, "threat_matched_value"), "beacon.EVIL-C2.com.");
  EXPECT_EQ(field(out.records[1], "threat_matched_on"), "reverse_name");
  EXPECT_EQ(field(out.records[1], "threat_indicator"), "192.0.2.66");
  EXPECT_EQ(field(out.records[2], "threat_matched_on"), "answer_ip");
  EXPECT_EQ(field(out.records[2], "threat_indicator_type"), "ipv4-cidr");
  EXPECT_EQ(field(out.records[2], "threat_confidence_level"), "medium");
  // Two sites match in record 4; the higher confidence (the answer IP, 70) is reported, both counted.
  EXPECT_EQ(field(out.records[3], "threat_matched_on"), "answer_ip");
  EXPECT_EQ(int64_t(out.records[3]["threat_match_count"]), 2);
  EXPECT_EQ(field(out.records[4], "threat_indicator"), "<absent or null>");  // srcaddr only with the flag
  EXPECT_EQ(out.lines[5].find("threat_"), std::string::npos);
  // The original record is untouched before the added fields.
  EXPECT_EQ(out.lines[0].rfind(line("beacon.EVIL-C2.com.").substr(0, line("beacon.EVIL-C2.com.").size() - 2), 0), 0u);
  simdjson::dom::parser p;
  simdjson::padded_string summary(w.read("s.json"));
  EXPECT_EQ(uint64_t(p.parse(summary)["threat_hits"]), 4u);
  auto all_events = lines_of(w.read("events.jsonl"));
  // Matches as they happen, and one finding per (source, indicator), typed by the indicator's category: c2
  // is GuardDuty's C&C finding, phishing its phishing finding, "scanner" none of them.
  std::vector<std::string> events, findings;
  for (auto& e : all_events) (e.find("\"event\":\"finding\"") != std::string::npos ? findings : events).push_back(e);
  ASSERT_EQ(events.size(), 4u);
  ASSERT_EQ(findings.size(), 3u);
  std::set<std::string> types;
  for (const auto& f : findings) {
    simdjson::dom::parser fp;
    types.insert(std::string(std::string_view(fp.parse(simdjson::padded_string(f))["finding_type"])));
  }
  EXPECT_EQ(types, (std::set<std::string>{"CommandAndControlActivity", "PhishingDomainRequest", "ThreatIntelMatch"}));
  EXPECT_NE(findings[0].find("\"guardduty_analog\":\"Backdoor:EC2/C&CActivity.B!DNS\""), std::string::npos)
      << findings[0];
  EXPECT_NE(events[0].find("\"event\":\"threat_intel_match\""), std::string::npos);
  EXPECT_NE(events[0].find("\"actor\":\"Crimson Kite\""), std::string::npos);
  EXPECT_NE(events[0].find("\"line\":1}"), std::string::npos);

  r = run_dnslens(w, "run logs.jsonl -j2 -o out2.jsonl --intel feed.csv --intel-srcaddr -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Out out2;
  parse_lines(w.read("out2.jsonl"), out2);
  EXPECT_EQ(field(out2.records[4], "threat_matched_on"), "srcaddr");
  EXPECT_EQ(field(out2.records[4], "threat_feed"), "feed");
}

TEST(ThreatIntelCli, ConfigFileMapsColumnsAndRejectsUnknownKeys) {
  Workdir w;
  w.write("odd.csv", "when,what,how_sure\n2024-01-01,bad-mapped.com,80\n");
  w.write(
      "feeds.json",
      R"([{"name":"mapped","path":"odd.csv","format":"csv","columns":{"indicator":"what","confidence":"how_sure","first_seen":"when"},"actor":"Default Actor"}])");
  w.write("logs.jsonl", line("a.bad-mapped.com."));
  auto r = run_dnslens(w, "run logs.jsonl -o out.jsonl --intel-config feeds.json -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Out out;
  parse_lines(w.read("out.jsonl"), out);
  EXPECT_EQ(field(out.records[0], "threat_feed"), "mapped");
  EXPECT_EQ(field(out.records[0], "threat_actor"), "Default Actor");
  EXPECT_EQ(int64_t(out.records[0]["threat_confidence"]), 80);

  w.write("bad.json", R"([{"name":"x","path":"odd.csv","colour":"blue"}])");
  r = run_dnslens(w, "run logs.jsonl -o none --intel-config bad.json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown key 'colour'"), std::string::npos) << r.err;
  r = run_dnslens(w, "run logs.jsonl -o none --intel missing.txt");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.txt"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dnslens::testing

namespace dnslens::testing {
namespace {

TEST(ThreatIntelCli, SighupReloadsFeedsWithoutLosingRecords) {
  Workdir w;
  w.write("feed.txt", "first-feed.com\n");
  ASSERT_EQ(::mkfifo(w.file("in.fifo").c_str(), 0600), 0);
  std::string cmd = "cd " + w.path +
                    " && (exec " DNSLENS_BINARY
                    " run - -o out.jsonl --intel feed.txt -j 2 --progress never < in.fifo 2> err.txt) & echo $! > " +
                    w.file("pid");
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  int fd = ::open(w.file("in.fifo").c_str(), O_WRONLY);  // blocks until dnslens opens its end
  ASSERT_GE(fd, 0);
  const std::string pid = lines_of(w.read("pid")).at(0);
  auto send = [&](const std::string& text) {
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  };
  auto out_lines = [&] { return lines_of(w.read("out.jsonl")).size(); };

  send(line("a.second-feed.com.") + line("b.first-feed.com."));
  ASSERT_TRUE(eventually([&] { return out_lines() == 2; })) << w.read("err.txt");
  w.write("feed.txt", "second-feed.com\n");
  ASSERT_EQ(std::system(("kill -HUP " + pid).c_str()), 0);
  ASSERT_TRUE(eventually([&] { return w.read("err.txt").find("intel reloaded: 1 indicators") != std::string::npos; }))
      << w.read("err.txt");
  send(line("c.second-feed.com.") + line("d.first-feed.com."));
  ASSERT_TRUE(eventually([&] { return out_lines() == 4; })) << w.read("err.txt");
  ::close(fd);
  EXPECT_TRUE(eventually([&] { return !process_running(std::stoi(pid)); }));

  auto out = lines_of(w.read("out.jsonl"));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].find("threat_indicator"), std::string::npos);  // before the reload: only first-feed.com
  EXPECT_NE(out[1].find("\"threat_indicator\":\"first-feed.com\""), std::string::npos);
  EXPECT_NE(out[2].find("\"threat_indicator\":\"second-feed.com\""), std::string::npos);
  EXPECT_EQ(out[3].find("threat_indicator"), std::string::npos);  // after it: only second-feed.com
  EXPECT_NE(w.read("err.txt").find("threat intel  2 records matched"), std::string::npos) << w.read("err.txt");
}

}  // namespace
}  // namespace dnslens::testing

namespace dnslens::testing {
namespace {

// The README's first command ends in `dnslens demo`: its day must carry interesting-domain and
// threat-intel hits for every planted known-bad domain, with the feed's actors.
TEST(Demo, EnrichesAGeneratedDayWithMatchesAndThreatIntel) {
  Workdir w;
  auto r = run_dnslens(w, "demo --dir d --records 20000");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto events = lines_of(w.read("d/matches.jsonl"));
  std::size_t threat = 0, interesting = 0, crimson = 0;
  for (const auto& e : events) {
    if (e.find("\"event\":\"threat_intel_match\"") != std::string::npos) ++threat;
    if (e.find("\"event\":\"interesting_domain_match\"") != std::string::npos) ++interesting;
    if (e.find("\"actor\":\"Crimson Kite\"") != std::string::npos) ++crimson;
  }
  EXPECT_GT(threat, 100u);
  EXPECT_GT(interesting, 100u);
  EXPECT_GT(crimson, 10u);
  for (const char* domain : {"c2-beacon.xyz", "evil-tunnel.net", "malware-delivery.ru", "phish-login-secure.com"}) {
    EXPECT_NE(w.read("d/matches.jsonl").find(std::string("\"indicator\":\"") + domain + "\""), std::string::npos)
        << domain;
  }
  EXPECT_NE(r.err.find("threat intel"), std::string::npos);
}

}  // namespace
}  // namespace dnslens::testing
