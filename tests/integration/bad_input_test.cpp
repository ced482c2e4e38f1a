// Bad input: each case gives a clear message naming the file and line, the good records around it
// go through, nothing is silently dropped, and the process does not crash.
#include <algorithm>
#include <cstdio>
#include <random>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "../unit/compress_helpers.hpp"
#include "cli_harness.hpp"

namespace dnslens::testing {
namespace {

struct DeadLetterEntry {
  std::string file, reason, detail;
  std::uint64_t line = 0, raw_bytes = 0;
  bool raw_truncated = false;
};

std::vector<DeadLetterEntry> dead_letters(const Workdir& w) {
  std::vector<DeadLetterEntry> out;
  simdjson::dom::parser parser;
  for (const auto& line : lines_of(w.read("dead.jsonl"))) {
    simdjson::dom::element e = parser.parse(line);
    DeadLetterEntry d;
    d.file = std::string(std::string_view(e["file"]));
    d.reason = std::string(std::string_view(e["reason"]));
    d.detail = std::string(std::string_view(e["detail"]));
    d.line = uint64_t(e["line"]);
    d.raw_bytes = uint64_t(e["raw_bytes"]);
    d.raw_truncated = bool(e["raw_truncated"]);
    out.push_back(d);
  }
  return out;
}

std::uint64_t summary_value(const Workdir& w, const char* key) {
  simdjson::dom::parser parser;
  simdjson::padded_string json(w.read("summary.json"));
  return uint64_t(parser.parse(json)[key]);
}

const std::string kArgs = " -o out.jsonl --dead-letter dead.jsonl --summary-json summary.json -j 2 ";

TEST(BadInput, EveryKindOfBadRecordIsDeadLetteredAndTheRestGoesThrough) {
  Workdir w;
  std::string text = record("good1.example.com.") + "\n" + R"({"query_name":"broken.example.com.",)" +
                     "\n" +                                                                   // 2 malformed
                     R"({"query_timestamp":"2021-02-04T17:51:55Z"})" + "\n" +                 // 3 missing field
                     R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":7})" + "\n" +  // 4 wrong type
                     R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":"x)" + std::string("\xc3\x28") +
                     R"(.com."})" + "\n" +                                           // 5 invalid UTF-8
                     R"({"query_timestamp":"noon","query_name":"a.com."})" + "\n" +  // 6 bad timestamp
                     "\n" +                                                          // 7 blank
                     "[1,2]\n" +                                                     // 8 not an object
                     record("good2.example.com.") + "\n";
  w.write("in.jsonl", text);
  auto r = run_dnslens(w, "run in.jsonl" + kArgs);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto out = lines_of(w.read("out.jsonl"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].find("good1.example.com."), std::string::npos);
  EXPECT_NE(out[1].find("good2.example.com."), std::string::npos);
  auto dead = dead_letters(w);
  ASSERT_EQ(dead.size(), 6u);
  std::vector<std::pair<std::uint64_t, std::string>> expected = {{2, "malformed_json"}, {3, "missing_field"},
                                                                 {4, "wrong_type"},     {5, "invalid_utf8"},
                                                                 {6, "bad_timestamp"},  {8, "not_an_object"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(dead[i].line, expected[i].first);
    EXPECT_EQ(dead[i].reason, expected[i].second);
    EXPECT_EQ(dead[i].file, "in.jsonl");
  }
  EXPECT_NE(dead[1].detail.find("query_name"), std::string::npos);
  EXPECT_EQ(summary_value(w, "records"), 2u);
  EXPECT_EQ(summary_value(w, "bad_records"), 6u);
  EXPECT_EQ(summary_value(w, "blank_lines"), 1u);
}

// An S3 object written by Firehose holds records back to back without a delimiter: each is a record,
// and a bad one among them is dead-lettered alone.
TEST(BadInput, RecordsConcatenatedWithoutADelimiterAreEachARecord) {
  Workdir w;
  w.write("in.jsonl",
          record("a.example.com.") + record("b.example.com.") + " " + record("c.example.com.") + "\n" +
              R"({"query_name":"nots.example.com."})" + record("d.example.com.") + "\n" + record("e.example.com.") +
              R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":{"x":1}})" + record("f.example.com.") + "\n");
  auto r = run_dnslens(w, "run in.jsonl" + kArgs);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto out = lines_of(w.read("out.jsonl"));
  ASSERT_EQ(out.size(), 6u);
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_NE(out[i].find(std::string(1, static_cast<char>('a' + i)) + ".example.com."), std::string::npos) << out[i];
    EXPECT_EQ(std::count(out[i].begin(), out[i].end(), '\n'), 0) << out[i];
  }
  auto dead = dead_letters(w);
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].reason, "missing_field");
  EXPECT_EQ(dead[0].line, 2u);
  EXPECT_EQ(dead[0].raw_bytes, std::string_view(R"({"query_name":"nots.example.com."})").size());
  EXPECT_EQ(dead[1].reason, "wrong_type");  // a failure inside the object loses nothing around it
  EXPECT_EQ(dead[1].line, 3u);
  EXPECT_EQ(summary_value(w, "records"), 6u);
}

TEST(BadInput, TenMegabyteLineIsDeadLetteredWithoutLosingItsNeighbours) {
  Workdir w;
  std::string huge = R"({"query_timestamp":"2021-02-04T17:51:55Z","query_name":")" + std::string(10 << 20, 'a') + "\"}";
  w.write("in.jsonl", record("before.example.com.") + "\n" + huge + "\n" + record("after.example.com.") + "\n");
  auto r = run_dnslens(w, "run in.jsonl" + kArgs);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto out = lines_of(w.read("out.jsonl"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[1].find("after.example.com."), std::string::npos);
  auto dead = dead_letters(w);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].reason, "line_too_long");
  EXPECT_EQ(dead[0].line, 2u);
  EXPECT_EQ(dead[0].raw_bytes, huge.size());
  EXPECT_TRUE(dead[0].raw_truncated);
}

// A job holds 512 KiB of input unless a sink asks for more; a longer line (up to --max-line-bytes,
// 1 MiB by default) grows its job instead of being cut or dead-lettered, and the lines after it, in
// jobs of the usual size again, go through with their line numbers.
TEST(BadInput, ALineLongerThanABatchButWithinTheLimitGoesThroughWhole) {
  Workdir w;
  std::string lines;
  for (int i = 0; i < 3000; ++i) lines += record("n" + std::to_string(i) + ".example.com.") + "\n";  // ~900 KB
  const std::string padding(900 << 10, 'p');
  std::string longish = record("long.example.com.");
  longish.insert(longish.size() - 1, R"(,"padding":")" + padding + "\"");
  std::string bad = R"({"query_name":)";
  w.write("in.jsonl", lines + longish + "\n" + lines + bad + "\n" + record("last.example.com.") + "\n");
  for (const char* threads : {" -j 1", " -j 2"}) {
    auto r = run_dnslens(w, std::string("run in.jsonl -o out.jsonl --dead-letter dead.jsonl") + threads);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto out = lines_of(w.read("out.jsonl"));
    ASSERT_EQ(out.size(), 6002u);
    EXPECT_NE(out[3000].find("long.example.com."), std::string::npos);
    EXPECT_NE(out[3000].find(padding), std::string::npos);  // the whole line, not a head of it
    EXPECT_NE(out[6001].find("last.example.com."), std::string::npos);
    auto dead = dead_letters(w);
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].line, 6002u);
  }
}

// An output that is one of the inputs (named again, inside an input directory, through a link) would
// be emptied before it is read, or overwritten after: the command is refused and the logs are left as
// they were (run, firewall simulate and suggest, dga train).
TEST(BadInput, AnOutputThatIsAnInputIsRefusedAndTheInputKept) {
  Workdir w;
  std::filesystem::create_directories(w.file("logs"));
  const std::string logs = record("a.example.com.") + "\n" + record("b.example.com.") + "\n";
  w.write("logs/in.jsonl", logs);
  std::filesystem::create_symlink(w.file("logs/in.jsonl"), w.file("link.jsonl"));
  for (const std::string args :
       {"run logs/in.jsonl -o logs/in.jsonl", "run logs -o logs/in.jsonl",
        "run logs -o out.jsonl --dead-letter logs/in.jsonl", "run logs/in.jsonl -o out.jsonl --findings link.jsonl",
        "run link.jsonl -o out.jsonl --summary-json logs/in.jsonl",
        "firewall simulate logs --policy none.yaml -o logs/in.jsonl",
        "firewall suggest logs --dead-letter logs/in.jsonl", "dga train --logs logs -o link.jsonl"}) {
    auto r = run_dnslens(w, args);
    EXPECT_EQ(r.exit_code, 1) << args;
    EXPECT_NE(r.err.find("is the input"), std::string::npos) << args << ": " << r.err;
    EXPECT_EQ(w.read("logs/in.jsonl"), logs) << args;
  }
  // firewall suggest writes its lists under fixed names into --out-dir: a log read under one of them.
  std::filesystem::create_directories(w.file("suggest"));
  w.write("suggest/blocklist.txt", logs);
  auto refused = run_dnslens(w, "firewall suggest suggest/blocklist.txt --out-dir suggest");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("--out-dir"), std::string::npos) << refused.err;
  EXPECT_EQ(w.read("suggest/blocklist.txt"), logs);
  // Outputs beside the inputs, an output file that exists but is not read, and a findings file that
  // --no-detect does not write are fine.
  w.write("out.jsonl", "old\n");
  auto r = run_dnslens(w, "run logs -o out.jsonl --dead-letter logs/dead.jsonl -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(w.read("out.jsonl")).size(), 2u);
  r = run_dnslens(w, "run logs/in.jsonl -o out.jsonl --findings logs/in.jsonl --no-detect -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(w.read("logs/in.jsonl"), logs);
}

TEST(BadInput, LineLongerThanTheLimitButInsideAChunk) {
  Workdir w;
  std::string longish = record(std::string(3000, 'b') + ".example.com.");
  w.write("in.jsonl", record("a.example.com.") + "\n" + longish + "\n" + record("c.example.com.") + "\n");
  auto r = run_dnslens(w, "run in.jsonl --max-line-bytes 2048" + kArgs);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(lines_of(w.read("out.jsonl")).size(), 2u);
  auto dead = dead_letters(w);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].reason, "line_too_long");
  EXPECT_EQ(dead[0].line, 2u);
}

// Line numbers are assigned by the writer from the jobs' line counts: check them far into a file
// that spans many chunks, in a second file (numbering restarts), with -j1 and -j2, for dead letters
// and for match events.
TEST(BadInput, LineNumbersStayExactAcrossChunksFilesAndThreads) {
  Workdir w;
  const std::vector<std::size_t> bad_lines = {1, 9000, 31337, 52000, 60000};
  std::string a;
  for (std::size_t i = 1; i <= 60000; ++i) {
    if (std::find(bad_lines.begin(), bad_lines.end(), i) != bad_lines.end())
      a += "{\"query_name\":\n";
    else if (i == 45001)
      a += record("x.evil-tunnel.net.") + "\n";  // the match, after many 512 KiB chunks
    else if (i % 7 == 0)
      a += "\n";  // blank lines count as lines
    else
      a += record("host" + std::to_string(i) + ".example.com.") + "\n";
  }
  w.write("a.jsonl", a);
  w.write("b.jsonl", record("ok.example.com.") + "\n{bad\n" + record("x.evil-tunnel.net.") + "\n");
  w.write("intel.txt", "evil-tunnel.net\n");
  for (const char* threads : {"1", "2"}) {
    std::remove(w.file("dead.jsonl").c_str());
    std::remove(w.file("matches.jsonl").c_str());
    auto r = run_dnslens(w, std::string("run a.jsonl b.jsonl -o none --dead-letter dead.jsonl --interesting intel.txt "
                                        "--notify-file matches.jsonl -j ") +
                                threads);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    ASSERT_GT(a.size(), 8u << 20);
    auto dead = dead_letters(w);
    ASSERT_EQ(dead.size(), bad_lines.size() + 1) << threads;
    for (std::size_t i = 0; i < bad_lines.size(); ++i) {
      EXPECT_EQ(dead[i].file, "a.jsonl");
      EXPECT_EQ(dead[i].line, bad_lines[i]) << "threads " << threads;
    }
    EXPECT_EQ(dead.back().file, "b.jsonl");
    EXPECT_EQ(dead.back().line, 2u);
    auto matches = lines_of(w.read("matches.jsonl"));
    ASSERT_EQ(matches.size(), 2u);
    EXPECT_NE(matches[0].find("\"line\":45001}"), std::string::npos) << matches[0];
    EXPECT_NE(matches[1].find("\"line\":3}"), std::string::npos) << matches[1];
  }
}

// A plain file is read in ranges by the workers; stdin is read as a stream by one reader. Both must
// give the same records, dead letters (reasons, details, line numbers, raw bytes) and counts, on a
// file whose lines cross the 512 KiB ranges every way: a byte-order mark, lines longer than a range,
// too-long lines inside and at the very end, CRLF, blank and bad lines, no final newline.
TEST(BadInput, AFileReadInRangesByTheWorkersGivesWhatAStreamGives) {
  Workdir w;
  std::mt19937 rng(20261208);  // fixed: the same file every run
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto padded = [&](const std::string& name, std::size_t pad) {
    std::string line = record(name);
    if (pad > 0) line.insert(line.size() - 1, R"(,"padding":")" + std::string(pad, 'p') + "\"");
    return line;
  };
  const std::size_t too_long = (2u << 20) + 8192;  // past the 2 x --max-line-bytes + 4 KiB a job grows to
  std::string a = "\xEF\xBB\xBF";
  for (int i = 0; i < 9000; ++i) {
    const int kind = pick(400);
    const std::string name = "h" + std::to_string(i) + "." + std::string(1 + pick(60), 'x') + ".example.com.";
    if (kind == 0) {
      a += "\n";
    } else if (kind == 1) {
      a += "{\"query_name\":\n";
    } else if (kind == 2) {
      a += record(name) + "\r\n";
    } else if (i == 3000) {
      a += padded(name, 700 << 10) + "\n";  // longer than a range, within the limit: one record
    } else if (i == 6000) {
      a += padded(name, too_long) + "\n";
    } else {
      a += padded(name, pick(8) == 0 ? static_cast<std::size_t>(pick(3000)) : 0) + "\n";
    }
  }
  std::string b = a.substr(3) + padded("last.example.com.", 0);  // ends without a newline
  a += padded("huge-last.example.com.", too_long);               // a too-long last line, no newline
  ASSERT_GT(a.size(), 6u << 20);
  w.write("a.jsonl", a);
  w.write("b.jsonl", b);
  for (const std::string file : {"a.jsonl", "b.jsonl"}) {
    const std::string base = "-o out-stream.jsonl --dead-letter dead-stream.jsonl --summary-json sum-stream.json -q";
    auto streamed = run_dnslens(w, "run - -j 2 " + base, w.file(file));
    ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
    std::string dead_streamed = w.read("dead-stream.jsonl");
    for (std::size_t at = 0; (at = dead_streamed.find("\"file\":\"-\"", at)) != std::string::npos;)
      dead_streamed.replace(at, 10, "\"file\":\"" + file + "\"");
    for (const char* threads : {"1", "2", "3"}) {
      SCOPED_TRACE(file + " -j " + threads);
      auto ranged = run_dnslens(w, "run " + file + " -j " + threads +
                                       " -o out.jsonl --dead-letter dead.jsonl --summary-json summary.json -q");
      ASSERT_EQ(ranged.exit_code, 0) << ranged.err;
      EXPECT_TRUE(w.read("out.jsonl") == w.read("out-stream.jsonl"));
      EXPECT_EQ(w.read("dead.jsonl"), dead_streamed);
      for (const char* key : {"records", "bad_records", "blank_lines", "dead_letters", "files_ok"})
        EXPECT_EQ(summary_value(w, key), [&] {
          simdjson::dom::parser parser;
          simdjson::padded_string json(w.read("sum-stream.json"));
          return uint64_t(parser.parse(json)[key]);
        }()) << key;
    }
    const auto dead = dead_letters(w);
    EXPECT_EQ(std::count_if(dead.begin(), dead.end(), [](const auto& d) { return d.reason == "line_too_long"; }),
              file == "a.jsonl" ? 2 : 1);
    EXPECT_GT(dead.size(), 10u);
    EXPECT_EQ(summary_value(w, "files_ok"), 1u);
  }
}

TEST(BadInput, TruncatedGzipKeepsTheRecordsBeforeTheCut) {
  Workdir w;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += record("host" + std::to_string(i) + ".example.com.") + "\n";
  std::string gz = gzip_member(text);
  w.write("cut.log.gz", gz.substr(0, gz.size() / 2));
  w.write("fine.jsonl", record("fine.example.com.") + "\n");
  auto r = run_dnslens(w, "run cut.log.gz fine.jsonl" + kArgs);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cut.log.gz"), std::string::npos);
  EXPECT_NE(r.err.find("truncated"), std::string::npos);
  auto out = lines_of(w.read("out.jsonl"));
  EXPECT_GT(out.size(), 1000u);
  EXPECT_LT(out.size(), 20000u);
  EXPECT_NE(out.back().find("fine.example.com."), std::string::npos);  // the next input still ran
  auto dead = dead_letters(w);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].reason, "truncated_input");
  EXPECT_EQ(dead[0].line, out.size());  // the partial line right after the last good one
  EXPECT_EQ(summary_value(w, "files_failed"), 1u);
}

TEST(BadInput, DecompressionBombIsStopped) {
  Workdir w;
  w.write("bomb.gz", gzip_member(std::string(256 << 20, '\n'), 9));
  w.write("fine.jsonl", record("fine.example.com.") + "\n");
  auto r = run_dnslens(w, "run bomb.gz fine.jsonl --max-ratio 100" + kArgs);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("bomb.gz"), std::string::npos);
  EXPECT_NE(r.err.find("decompression bomb"), std::string::npos);
  EXPECT_EQ(lines_of(w.read("out.jsonl")).size(), 1u);
}

TEST(BadInput, EmptyAndUnreadableInputs) {
  Workdir w;
  w.write("empty.jsonl", "");
  w.write("fine.jsonl", record("fine.example.com.") + "\n");
  auto r = run_dnslens(w, "run empty.jsonl does-not-exist.jsonl fine.jsonl" + kArgs);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot open does-not-exist.jsonl"), std::string::npos);
  EXPECT_EQ(lines_of(w.read("out.jsonl")).size(), 1u);
  EXPECT_EQ(summary_value(w, "files_ok"), 2u);
  EXPECT_EQ(summary_value(w, "files_failed"), 1u);
}

TEST(BadInput, UsageErrorsExitWithOne) {
  Workdir w;
  EXPECT_EQ(run_dnslens(w, "run").exit_code, 1);
  EXPECT_EQ(run_dnslens(w, "run x --max-line-bytes 10").exit_code, 1);
  EXPECT_EQ(run_dnslens(w, "frobnicate").exit_code, 1);
  EXPECT_EQ(run_dnslens(w, "run x --psl /nonexistent").exit_code, 1);
}

}  // namespace
}  // namespace dnslens::testing
