// Output formats: the registry names them, and the JSON-lines sink writes whichever one the run asks
// for, in input order, through every way it writes (one worker's block-aligned direct writes, several
// workers, the S3 layout).
#include "sinks/formats/record_format.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "../pipeline/pipeline_test_helpers.hpp"
#include "../serve/ingest_test_helpers.hpp"
#include "core/error.hpp"
#include "pipeline/pipeline.hpp"
#include "sinks/jsonl/jsonl_encoder.hpp"

namespace dnslens {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every partition file under dir, concatenated in path order.
std::string read_tree(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::string all;
  for (const std::string& f : files) all += read_all(f);
  return all;
}

// A format of this test's own: the query name and the record's offset in its batch. Its expansion is
// far below what it writes, so batches outgrow what they reserved.
const RecordFormat kNamesOnly{
    .name = "names-only",
    .description = "test",
    .encode =
        [](const SinkRecord& r, OutputBuffer& out) {
          out += "{\"name\":\"";
          out += r.record.query_name;
          out += "\"}\n";
        },
    .expansion = 0.01,
};

class RecordFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string input;
    for (int i = 0; i < 30000; ++i) {
      const std::string name = "host" + std::to_string(i) + ".example" + std::to_string(i % 7) + ".com.";
      input += testing::line_for(name) + "\n";
      expected_names_ += "{\"name\":\"" + name + "\"}\n";
    }
    std::ofstream(dir_.file("in.jsonl"), std::ios::binary) << input;
  }

  // Runs the pipeline over the input into out (a file, or a directory for the S3 layout).
  void run(const RecordFormat* format, unsigned threads, const std::string& out, bool partitioned = false) {
    PipelineConfig p;
    p.source.inputs = {dir_.file("in.jsonl")};
    p.source.threads = threads;
    p.source.progress = false;
    p.enrich.psl = &testing::pipeline_psl();
    p.sinks.json = JsonLinesConfig{.path = partitioned ? "" : out,
                                   .dir = partitioned ? out : "",
                                   .compression = Compression::kNone,
                                   .run_id = "test",
                                   .format = format};
    p.sinks.dead_letter_path = dir_.file("dead.jsonl");
    const RunSummary summary = run_pipeline(p);
    EXPECT_EQ(summary.counters.bad_total(), 0u);
  }

  testing::ScratchDir dir_;
  std::string expected_names_;
};

TEST_F(RecordFormatTest, TheRegistryNamesEveryFormatAndRefusesAnUnknownOne) {
  ASSERT_FALSE(record_formats().empty());
  EXPECT_EQ(record_formats().front().name, "route53");
  EXPECT_EQ(&record_format("route53"), &record_formats().front());
  for (const RecordFormat& f : record_formats()) {
    EXPECT_NE(f.encode, nullptr) << f.name;
    EXPECT_FALSE(f.description.empty()) << f.name;
    EXPECT_GT(f.expansion, 0) << f.name;
  }
  try {
    (void)record_format("splunk");
    FAIL() << "an unknown format was found";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("'splunk'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("route53"), std::string::npos) << e.what();
  }
}

TEST_F(RecordFormatTest, TheSinkWritesTheChosenFormatInInputOrderEveryWayItWrites) {
  run(&kNamesOnly, 1, dir_.file("one.jsonl"));  // block-aligned direct writes, batches outgrowing their reservation
  EXPECT_EQ(read_all(dir_.file("one.jsonl")), expected_names_);
  run(&kNamesOnly, 2, dir_.file("two.jsonl"));
  EXPECT_EQ(read_all(dir_.file("two.jsonl")), expected_names_);
  run(&kNamesOnly, 2, dir_.file("tree"), /*partitioned=*/true);  // one account, VPC and hour: one partition
  EXPECT_EQ(read_tree(dir_.file("tree")), expected_names_);
}

TEST_F(RecordFormatTest, Route53ChosenByNameIsTheDefaultOutputByteForByte) {
  run(nullptr, 1, dir_.file("default.jsonl"));
  run(&record_format("route53"), 1, dir_.file("named.jsonl"));
  const std::string by_default = read_all(dir_.file("default.jsonl"));
  EXPECT_EQ(std::count(by_default.begin(), by_default.end(), '\n'), 30000);
  EXPECT_EQ(read_all(dir_.file("named.jsonl")), by_default);
}

}  // namespace
}  // namespace dnslens

namespace dnslens {
namespace {

// The name signals appended to a route53 line: decimals rounded to three places without trailing
// zeros, counts as integers, every digit count the formatters branch on.
TEST(Route53Line, SignalNumbersAreWrittenRoundedToThreeDecimals) {
  EnrichedRecord e;
  e.has_signals = true;
  e.tld_valid = true;
  NameFeatures& f = e.signals.features;
  f.name_entropy = 3.125f;
  f.subdomain_entropy = 0.5f;
  f.name_length = 7;
  f.subdomain_length = 42;
  f.longest_label = 255;
  f.label_count = 10;
  f.digit_ratio = 0.0004f;  // rounds to 0
  f.consonant_ratio = 0.1f;
  e.signals.dga_score = 1234.5678f;
  OutputBuffer out;
  encode_enriched_line(R"({"query_name":"a.example.com."})", e, out);
  EXPECT_EQ(out.view(),
            R"({"query_name":"a.example.com.","isMatchedDomain":"N","query_name_normalized":null,)"
            R"("registered_domain":null,"public_suffix":null,"subdomain":null,"name_entropy":3.125,)"
            R"("subdomain_entropy":0.5,"name_length":7,"subdomain_length":42,"longest_label":255,"label_count":10,)"
            R"("digit_ratio":0,"consonant_ratio":0.1,"dga_score":1234.568,"benign_noise":false,"tld_valid":true})"
            "\n");
  for (const auto& [value, text] : std::vector<std::pair<float, std::string_view>>{
           {0.9996f, "1"}, {12.0004f, "12"}, {-2.0f, "0"}, {0.05f, "0.05"}, {9.999f, "9.999"}, {100.25f, "100.25"}}) {
    e.signals.dga_score = value;
    out.clear();
    encode_enriched_line(R"({"query_name":"a.example.com."})", e, out);
    const std::string line(out.view());
    EXPECT_NE(line.find(std::string(",\"dga_score\":") + std::string(text) + ","), std::string::npos) << value << line;
  }
}

}  // namespace
}  // namespace dnslens
