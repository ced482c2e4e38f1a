#include <chrono>
#include <cstdio>

#include "cli/commands.hpp"
#include "core/timestamp.hpp"
#include "core/error.hpp"
#include "generate/log_generator.hpp"

namespace dnslens::cli {

void register_generate(CLI::App& app, CommandRegistry& registry) {
  auto config = std::make_shared<GeneratorConfig>();
  auto start = std::make_shared<std::string>();
  auto bytes = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("generate", "Write realistic Route 53 Resolver query logs with planted threats");
  sub->add_option("-o,--output", config->output, "File (.gz/.zst compress) or - for stdout")->capture_default_str();
  sub->add_option("--s3-dir", config->s3_dir, "Write the S3 export layout (AWSLogs/...) under this directory instead");
  sub->add_option("--records", config->records, "Background records (planted ones come on top)")->capture_default_str();
  sub->add_option("--bytes", *bytes, "Generate about this much instead of --records (e.g. 1G, 100M)");
  sub->add_option("--seed", config->seed, "Random seed: same seed, same logs")->capture_default_str();
  sub->add_option("--start", *start, "First timestamp, e.g. 2026-11-21T00:00:00Z (default: yesterday 00:00 UTC)");
  sub->add_option("--hours", config->hours, "Hours covered")->capture_default_str();
  sub->add_option("--accounts", config->accounts, "AWS accounts")->capture_default_str();
  sub->add_option("--vpcs-per-account", config->vpcs_per_account, "VPCs per account")->capture_default_str();
  sub->add_option("--instances-per-vpc", config->instances_per_vpc, "EC2 instances per VPC")->capture_default_str();
  sub->add_flag("!--no-plant", config->plant, "Do not plant malicious activity");
  sub->add_option("--interesting-out", config->interesting_out, "Write the planted known-bad domains to this file");
  registry.add(sub, [config, start, bytes] {
    if (!start->empty()) {
      auto ms = parse_iso8601_ms(*start);
      if (!ms) throw Error(ErrorCode::kUsage, "--start must look like 2026-11-21T00:00:00Z");
      config->start_ms = *ms;
    }
    if (!bytes->empty()) {
      std::string b = *bytes;
      std::uint64_t mult = 1;
      char last = b.back();
      if (last == 'K' || last == 'k') mult = 1ull << 10;
      if (last == 'M' || last == 'm') mult = 1ull << 20;
      if (last == 'G' || last == 'g') mult = 1ull << 30;
      if (mult > 1) b.pop_back();
      try {
        config->target_bytes = std::stoull(b) * mult;
      } catch (const std::exception&) {
        throw Error(ErrorCode::kUsage, "--bytes must be a number with an optional K/M/G suffix");
      }
    }
    auto t0 = std::chrono::steady_clock::now();
    GeneratorStats stats = generate_logs(*config);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "dnslens: generated %llu records (%llu planted), %.1f MB in %llu file(s), %.2f s\n",
                 static_cast<unsigned long long>(stats.records), static_cast<unsigned long long>(stats.planted),
                 static_cast<double>(stats.bytes) / 1e6, static_cast<unsigned long long>(stats.files), secs);
    return 0;
  });
}

}  // namespace dnslens::cli
