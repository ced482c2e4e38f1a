// Per-stage micro benchmarks. Each reports items/s and checks its result.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/dns_name.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"

namespace {

std::vector<std::string> names() {
  std::vector<std::string> out;
  const char* bases[] = {"www.example.com.", "foo.bar.example.co.uk.", "a.b.c.s3.amazonaws.com.",
                         "ip-10-0-1-2.us-east-1.compute.internal.", "15.3.4.32.in-addr.arpa.",
                         "abcdefghijkl.t.evil-tunnel.net.", "api.github.com.", "x.y.blogspot.com."};
  for (int i = 0; i < 4096; ++i) out.push_back(std::to_string(i) + "." + bases[i % 8]);
  return out;
}

void BM_NormalizeAndSplit(benchmark::State& state) {
  static const auto psl = dnslens::PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, dnslens::PslScope::kIcannAndPrivate);
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

}  // namespace

BENCHMARK_MAIN();
