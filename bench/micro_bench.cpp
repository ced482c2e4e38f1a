// Per-stage micro benchmarks. Each reports items/s and checks its result.
#include <benchmark/benchmark.h>

#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/dns_name.hpp"
#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "detect/dga/dga_family_catalog.hpp"
#include "detect/engine/detector_set.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"
#include "generate/log_generator.hpp"
#include "io/read_file.hpp"
#include "pipeline/job.hpp"
#include "pipeline/record_processor.hpp"
#include "sinks/detection/detection_sink.hpp"

namespace {

std::vector<std::string> names() {
  std::vector<std::string> out;
  const char* bases[] = {"www.example.com.",        "foo.bar.example.co.uk.",
                         "a.b.c.s3.amazonaws.com.", "ip-10-0-1-2.us-east-1.compute.internal.",
                         "15.3.4.32.in-addr.arpa.", "abcdefghijkl.t.evil-tunnel.net.",
                         "api.github.com.",         "x.y.blogspot.com."};
  for (int i = 0; i < 4096; ++i) out.push_back(std::to_string(i) + "." + bases[i % 8]);
  return out;
}

void BM_NormalizeAndSplit(benchmark::State& state) {
  static const auto psl =
      dnslens::PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, dnslens::PslScope::kIcannAndPrivate);
  const auto input = names();
  char buf[dnslens::kMaxNormalizedName];
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    auto norm = dnslens::normalize_name(input[i++ & 4095], buf);
    auto parts = psl.split(norm.text);
    found += !parts.registered_domain.empty();
    benchmark::DoNotOptimize(parts);
  }
  if (found != static_cast<std::size_t>(state.iterations())) state.SkipWithError("a name lost its registered domain");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizeAndSplit);

// The DGA model's score of one label (what every new name costs before the per-worker memo): half
// the labels from the DGA families of the catalogue, half benign words and compounds. Target: 1M
// labels per second on one core (issue 23).
void BM_DgaScore(benchmark::State& state) {
  std::vector<std::string> labels;
  const char* benign[] = {"google",     "amazon",         "cookingwithdog", "stackoverflow", "wikipedia",
                          "bbc",        "nytimes",        "my-shop",        "cdn77",         "weather",
                          "github",     "hollywoodnews",  "example",        "office365",     "login",
                          "cloudflare", "washingtonpost", "mail",           "netflix",       "bankofamerica"};
  for (const auto& f : dnslens::all_dga_families()) {
    for (const auto& n : f.generate(20414, 64)) {
      labels.push_back(n.substr(0, n.find('.')));
      labels.emplace_back(benign[labels.size() % 20]);
    }
  }
  const dnslens::DgaModel& model = dnslens::default_dga_model();
  std::size_t i = 0;
  float sum = 0;
  for (auto _ : state) {
    sum += model.score(labels[i++ % labels.size()]);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DgaScore);

// The detector stage alone (what the writer thread runs): every detector over the events of a
// generated day of 200,000 records (seed 7, planted threats), enriched once beforehand in 4 MB jobs.
const dnslens::DetectionBatch& events_of(const dnslens::Job& job) {
  return static_cast<const dnslens::DetectionSinkBatch&>(*job.sink_batches.at(0)).events;
}

struct EnrichedDay {
  std::vector<dnslens::Job> jobs;
  std::uint64_t events = 0;
};

const EnrichedDay& enriched_day() {
  static const EnrichedDay day = [] {
    const auto path = std::filesystem::temp_directory_path() / "dnslens-bench-detect.jsonl";
    dnslens::GeneratorConfig g;
    g.seed = 7;
    g.records = 200000;
    g.start_ms = 1'795'651'200'000;  // 2026-11-21T00:00:00Z
    g.output = path.string();
    (void)dnslens::generate_logs(g);
    const std::string text = dnslens::read_whole_file(path.string(), "bench input", dnslens::ErrorCode::kIo);
    std::filesystem::remove(path);
    static const auto psl =
        dnslens::PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, dnslens::PslScope::kIcannAndPrivate);
    dnslens::Enrichers e;
    e.psl = &psl;
    e.dga = &dnslens::default_dga_model();
    e.benign_noise = &dnslens::BenignNoise::builtin();
    dnslens::RecordProcessor processor(e, 1 << 20);
    // The detection sink's batches are kept; its detectors are not used (each iteration has its own).
    static const dnslens::DetectionConfig unused_config;
    static dnslens::FindingStore unused_store;
    static dnslens::DetectorSet unused_detectors(unused_config, unused_store);
    static dnslens::DetectionSink detection(unused_detectors);
    processor.add_sink(detection, 0, 1);
    EnrichedDay out;
    for (std::size_t p = 0; p < text.size();) {
      std::size_t end = std::min(text.size(), p + (4u << 20));
      while (end < text.size() && text[end - 1] != '\n') ++end;
      dnslens::Job& job = out.jobs.emplace_back();
      job.size = end - p;
      job.input.assign(text.begin() + static_cast<std::ptrdiff_t>(p), text.begin() + static_cast<std::ptrdiff_t>(end));
      job.input.resize(job.size + simdjson::SIMDJSON_PADDING, '\0');
      processor.process(job);
      out.events += events_of(job).events.size();
      p = end;
    }
    return out;
  }();
  return day;
}

void BM_DetectorStage(benchmark::State& state) {
  const EnrichedDay& day = enriched_day();
  const dnslens::DetectionConfig config;
  std::size_t findings = 0;
  for (auto _ : state) {
    dnslens::FindingStore store(config.max_findings, config.evidence_per_finding);
    dnslens::DetectorSet set(config, store);
    for (const dnslens::Job& job : day.jobs) set.consume(events_of(job), std::string_view(job.input.data(), job.size));
    set.finish();
    findings = store.size();
  }
  if (findings == 0) state.SkipWithError("the detectors found nothing in a day with planted threats");
  state.counters["findings"] = static_cast<double>(findings);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(day.events));
}
BENCHMARK(BM_DetectorStage)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
