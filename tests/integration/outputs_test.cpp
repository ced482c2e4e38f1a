#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>

#include "../unit/compress_helpers.hpp"
#include "cli_harness.hpp"
#include "core/json_escape.hpp"

namespace dnslens::testing {
namespace {

TEST(Outputs, UnknownFieldsSurviveByteForByteAndFieldsAreAdded) {
  Workdir w;
  std::string original = R"({ "query_timestamp" : "2021-02-04T17:51:55Z",  "query_name":"WWW.Foo.Example.CO.UK.", )"
                         R"("future":{"nested":[1, 2.50, "x\u00e9"]}, "srcids":{"instance":"i-1","new_id":"n"}})";
  w.write("in.jsonl", original + "\n");
  w.write("interesting.txt", "# list\nexample.co.uk\n");
  auto r = run_dnslens(w, "run in.jsonl -o out.jsonl --interesting interesting.txt -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string out = w.read("out.jsonl");
  EXPECT_EQ(out.substr(0, original.size() - 1), original.substr(0, original.size() - 1));
  simdjson::dom::parser parser;
  simdjson::padded_string json(out);
  auto doc = parser.parse(json);
  EXPECT_EQ(std::string_view(doc["isMatchedDomain"]), "Y");
  EXPECT_EQ(std::string_view(doc["registered_domain"]), "example.co.uk");
  EXPECT_EQ(std::string_view(doc["public_suffix"]), "co.uk");
  EXPECT_EQ(std::string_view(doc["subdomain"]), "www.foo");
  EXPECT_EQ(std::string_view(doc["query_name_normalized"]), "www.foo.example.co.uk");
  EXPECT_TRUE(bool(doc["tld_valid"]));
}

TEST(Outputs, InvalidTldAndNoMatch) {
  Workdir w;
  w.write("in.jsonl", record("metadata.google.internal.") + "\n");
  ASSERT_EQ(run_dnslens(w, "run in.jsonl -o out.jsonl -q").exit_code, 0);
  std::string out = w.read("out.jsonl");
  EXPECT_NE(out.find(R"("isMatchedDomain":"N")"), std::string::npos);
  EXPECT_NE(out.find(R"("tld_valid":false)"), std::string::npos);
}

TEST(Outputs, DirectoriesCompressionStdinAndThreadsAgree) {
  Workdir w;
  ASSERT_EQ(
      run_dnslens(w, "generate --records 30000 --seed 5 --s3-dir s3 --start 2026-01-01T00:00:00Z --hours 6").exit_code,
      0);
  ASSERT_EQ(run_dnslens(w, "generate --records 30000 --seed 5 -o flat.jsonl.zst --start 2026-01-01T00:00:00Z --hours 6")
                .exit_code,
            0);
  std::size_t gz_files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(w.file("s3"))) gz_files += e.path().extension() == ".gz";
  EXPECT_GT(gz_files, 10u);
  auto a = run_dnslens(w, "run s3 -o a.jsonl -j 1 --summary-json a.json");
  auto b = run_dnslens(w, "run flat.jsonl.zst -o b.jsonl -j 2 --summary-json b.json");
  auto c = run_dnslens(w, "run - -o c.jsonl.gz --summary-json c.json", w.file("flat.jsonl.zst"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto a_lines = lines_of(w.read("a.jsonl"));
  auto b_lines = lines_of(w.read("b.jsonl"));
  EXPECT_EQ(a_lines.size(), b_lines.size());
  std::sort(a_lines.begin(), a_lines.end());
  std::sort(b_lines.begin(), b_lines.end());
  EXPECT_EQ(a_lines, b_lines);  // same records whichever way they arrive
  // The gzip output decompresses to the same bytes as the plain run of the same input.
  std::string c_plain = w.read("c.jsonl.gz");
  ASSERT_EQ(std::system(("gzip -dc " + w.file("c.jsonl.gz") + " > " + w.file("c.jsonl")).c_str()), 0);
  EXPECT_EQ(w.read("c.jsonl"), w.read("b.jsonl"));
  // One worker writing a plain file takes the in-place direct path (each job's lines continue the
  // previous job's last block): byte for byte what two workers wrote.
  auto d = run_dnslens(w, "run flat.jsonl.zst -o d.jsonl -j 1 -q");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  ASSERT_GT(w.read("d.jsonl").size(), std::size_t{8} << 20) << "more than one staging buffer of output";
  EXPECT_TRUE(w.read("d.jsonl") == w.read("b.jsonl"));
}

TEST(Outputs, PartitionedOutputInTheS3Layout) {
  Workdir w;
  ASSERT_EQ(run_dnslens(w,
                        "generate --records 20000 --seed 9 -o in.jsonl --start 2026-03-01T00:00:00Z --hours 3 "
                        "--accounts 1 --vpcs-per-account 2")
                .exit_code,
            0);
  auto r = run_dnslens(w, "run in.jsonl --output-dir parts --summary-json s.json -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t files = 0;
  std::uint64_t lines = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(w.file("parts"))) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::string rel = std::filesystem::relative(e.path(), w.file("parts")).string();
    EXPECT_TRUE(rel.starts_with("AWSLogs/111122223333/vpcdnsquerylogs/vpc-")) << rel;
    EXPECT_NE(rel.find("/2026/03/01/0"), std::string::npos) << rel;
    std::string text;
    ASSERT_EQ(std::system(("gzip -dc '" + e.path().string() + "' > " + w.file("part.txt")).c_str()), 0);
    for (const auto& line : lines_of(w.read("part.txt"))) {
      ++lines;
      // Every record sits in the partition of its own hour.
      std::string hour = e.path().parent_path().filename().string();
      EXPECT_NE(line.find("T" + hour + ":"), std::string::npos);
    }
  }
  EXPECT_EQ(files, 2u * 3u);
  EXPECT_EQ(lines, lines_of(w.read("in.jsonl")).size());
}

TEST(Outputs, EnvelopeFilesThroughTheCli) {
  Workdir w;
  std::string rec = record("via-firehose.example.com.");
  std::string cw =
      R"({"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":")";
  append_json_escaped(cw, rec);
  cw += "\"}]}";
  std::string body = R"({"requestId":"abc","timestamp":1578090901599,"records":[{"data":")" +
                     base64_encode(gzip_member(cw)) + R"("},{"data":"%%%"}]})";
  w.write("firehose-body.json", body);
  w.write("cw.json.gz", gzip_member(cw + cw));
  auto r = run_dnslens(w, "run firehose-body.json cw.json.gz -o out.jsonl --dead-letter dead.jsonl -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto out = lines_of(w.read("out.jsonl"));
  // A request body read from a file is decoded record by record, as the HTTP endpoint decodes it:
  // the bad record is reported, the good one beside it goes through.
  EXPECT_EQ(out.size(), 3u);
  auto dead = lines_of(w.read("dead.jsonl"));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_NE(dead[0].find("\"file\":\"firehose-body.json\",\"line\":0,\"envelope\":1,\"reason\":\"bad_envelope\","
                         "\"detail\":\"Firehose record 2: record data is not valid base64\",\"raw\":\"%%%\""),
            std::string::npos)
      << dead[0];
}

TEST(Generator, DeterministicAndPlantsThreats) {
  Workdir w;
  ASSERT_EQ(run_dnslens(w, "generate --records 5000 --seed 3 -o a.jsonl --start 2026-01-01T00:00:00Z").exit_code, 0);
  ASSERT_EQ(run_dnslens(w, "generate --records 5000 --seed 3 -o b.jsonl --start 2026-01-01T00:00:00Z").exit_code, 0);
  ASSERT_EQ(run_dnslens(w, "generate --records 5000 --seed 4 -o c.jsonl --start 2026-01-01T00:00:00Z").exit_code, 0);
  std::string a = w.read("a.jsonl");
  EXPECT_EQ(a, w.read("b.jsonl"));
  EXPECT_NE(a, w.read("c.jsonl"));
  for (const char* needle :
       {".t.evil-tunnel.net.", "update.c2-beacon.xyz.", ".7.20.10.in-addr.arpa.", "\"firewall_rule_action\":\"BLOCK\"",
        "\"firewall_rule_action\":\"ALERT\"", "metadata.google.internal.", "does-not-exist.example.com.",
        "\"resolver_endpoint\"", "\"rcode\":\"NXDOMAIN\"", "\"query_type\":\"AAAA\"", "\"query_type\":\"PTR\""}) {
    EXPECT_NE(a.find(needle), std::string::npos) << needle;
  }
  simdjson::dom::parser parser;
  for (const auto& line : lines_of(a)) {
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(line).get(e), simdjson::SUCCESS) << line;
  }
}

TEST(DomainsImport, PullsRegisteredDomainsOutOfAnyText) {
  Workdir w;
  w.write("mixed.txt",
          "# hosts file\n0.0.0.0 ads.tracker.example.com\n127.0.0.1 localhost\n"
          "indicator,type\nhttp://login.evil-bank.co.uk/verify?x=1,url\n"
          "Contact admin@phish.example.net or see *.wildcard.org. Ignore 10.1.2.3 and foo.notarealtld and co.uk\n"
          "INTERESTING.Example.COM\n");
  auto r = run_dnslens(w, "domains import mixed.txt -o list.txt");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(w.read("list.txt"), "evil-bank.co.uk\nexample.com\nexample.net\nwildcard.org\n");
}

TEST(AthenaDdl, DeclaresEveryFieldTheEnricherWrites) {
  Workdir w;
  w.write("in.jsonl", record("a.example.com.") + "\n");
  ASSERT_EQ(run_dnslens(w, "run in.jsonl -o out.jsonl -q").exit_code, 0);
  auto ddl = run_dnslens(w, "athena-ddl --location s3://bucket/prefix --partitioned");
  ASSERT_EQ(ddl.exit_code, 0);
  simdjson::dom::parser parser;
  simdjson::padded_string json(w.read("out.jsonl"));
  simdjson::dom::object obj = parser.parse(json);
  for (auto field : obj) {
    EXPECT_NE(ddl.out.find("`" + std::string(field.key) + "`"), std::string::npos) << field.key;
  }
  EXPECT_NE(ddl.out.find("s3://bucket/prefix/AWSLogs/${account}/vpcdnsquerylogs/${vpc}/${day}/${hour}/"),
            std::string::npos);
  // As Athena's own table for Resolver query logs declares it: the log writes "1.100000", text.
  EXPECT_NE(ddl.out.find("`version` string,"), std::string::npos) << ddl.out;
  EXPECT_EQ(run_dnslens(w, "athena-ddl --location http://nope").exit_code, 1);
}

}  // namespace
}  // namespace dnslens::testing

namespace dnslens::testing {
namespace {

// --serial-stages runs the same pipeline one stage at a time: the output, the dead letters and the
// findings are those of a threaded run, and the summary times every stage (reader, one worker, each
// of the writer's sinks, the dead letters) and says what they imply for the simulated worker count.
TEST(Outputs, SerialStagesMeasureTheRunTheThreadsMake) {
  Workdir w;
  ASSERT_EQ(run_dnslens(w, "generate --records 40000 --seed 7 -o day.jsonl").exit_code, 0);
  const std::string day = w.read("day.jsonl");
  const std::size_t middle = day.find('\n', day.size() / 2) + 1;
  w.write("day.jsonl", day.substr(0, middle) + "{\"query_name\": not json\n" + day.substr(middle));
  auto threaded = run_dnslens(w,
                              "run day.jsonl -o a.jsonl -j 2 --findings a-findings.jsonl --dead-letter a-dead.jsonl "
                              "--summary-json a.json -q");
  auto staged = run_dnslens(w,
                            "run day.jsonl -o b.jsonl --serial-stages 8 --findings b-findings.jsonl --dead-letter "
                            "b-dead.jsonl --summary-json b.json");
  ASSERT_EQ(threaded.exit_code, 0) << threaded.err;
  ASSERT_EQ(staged.exit_code, 0) << staged.err;
  EXPECT_EQ(w.read("a.jsonl"), w.read("b.jsonl"));
  EXPECT_EQ(lines_of(w.read("a-dead.jsonl")).size(), 1u);
  EXPECT_EQ(w.read("a-dead.jsonl"), w.read("b-dead.jsonl"));
  const auto findings_a = lines_of(w.read("a-findings.jsonl"));
  EXPECT_GT(findings_a.size(), 3u);
  EXPECT_EQ(w.read("a-findings.jsonl"), w.read("b-findings.jsonl"));
  EXPECT_NE(staged.err.find("feeds"), std::string::npos) << staged.err;
  // One thread does it all: a worker count besides is refused, not ignored.
  auto both = run_dnslens(w, "run day.jsonl -o none --serial-stages 8 -j 4");
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_NE(both.err.find("--threads excludes --serial-stages"), std::string::npos) << both.err;

  simdjson::dom::parser parser_a, parser_b;
  simdjson::padded_string a_json = simdjson::padded_string(w.read("a.json"));
  simdjson::dom::element a = parser_a.parse(a_json);
  EXPECT_TRUE(a["serial_stages"].is_null());
  simdjson::padded_string b_json = simdjson::padded_string(w.read("b.json"));
  simdjson::dom::element b = parser_b.parse(b_json);
  simdjson::dom::element s = b["serial_stages"];
  EXPECT_EQ(std::int64_t(s["workers"]), 8);
  double worker_rate = 0;
  for (simdjson::dom::element stage : s["stages"].get_array())
    if (!bool(stage["serial"])) worker_rate = double(stage["records_per_second"]);
  EXPECT_GT(worker_rate, 0);
  std::vector<std::string> names;
  const double records = double(std::int64_t(b["records"]));
  double reader_rate = 0, writer_seconds = 0;
  for (simdjson::dom::element stage : s["stages"].get_array()) {
    names.emplace_back(std::string_view(stage["name"]));
    const double seconds = double(stage["seconds"]);
    EXPECT_GE(seconds, 0) << names.back();
    EXPECT_GE(double(stage["finish_seconds"]), 0) << names.back();
    if (names.back() == "reader" || names.back() == "one worker" || names.back() == "writer: detectors") {
      EXPECT_GT(seconds, 0) << names.back();
    }
    if (names.back() == "reader") reader_rate = double(stage["records_per_second"]);
    if (names.back().starts_with("writer")) writer_seconds += seconds;
    if (names.back() == "writer: detectors") {  // the slowest detector is one of the stage's parts
      EXPECT_FALSE(std::string_view(stage["slowest"]).empty());
      EXPECT_GT(double(stage["slowest_seconds"]), 0);
      EXPECT_LE(double(stage["slowest_seconds"]), (seconds + double(stage["finish_seconds"])) * 1.01);
      EXPECT_GT(double(stage["finish_seconds"]), 0);  // the last windows are judged at the end
    }
    // Only the output writes a file: its time in write calls is part of its time.
    const double in_writes = double(stage["in_writes"]);
    if (names.back() == "writer: output") {
      EXPECT_GT(in_writes, 0);
      EXPECT_LE(in_writes, seconds + double(stage["finish_seconds"]));
    } else {
      EXPECT_EQ(in_writes, 0) << names.back();
    }
    if (seconds >= 0.001) {  // seconds are printed to the microsecond
      EXPECT_NEAR(double(stage["records_per_second"]), records / seconds, 1e-3 * records / seconds) << names.back();
    }
    if (bool(stage["serial"]) && seconds > 0) {
      const double fed = double(stage["workers_fed"]);
      EXPECT_NEAR(fed, double(stage["records_per_second"]) / worker_rate, std::max(1e-3 * fed, 1e-3)) << names.back();
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"reader", "one worker", "writer: detectors", "writer: output",
                                             "writer: dead letters"}));
  // The implied figure is the slowest of 8 workers, the reader and the writer's parts one after another.
  const double implied = std::min({8 * worker_rate, reader_rate, records / writer_seconds});
  EXPECT_NEAR(double(s["implied_records_per_second"]), implied, 1e-3 * implied);
  EXPECT_EQ(std::int64_t(b["records"]), std::int64_t(a["records"]));
  EXPECT_GT(std::int64_t(b["records"]), 40000);
}

}  // namespace
}  // namespace dnslens::testing
