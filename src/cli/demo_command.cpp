#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "enrich/interesting_domains/interesting_domains.hpp"
#include "enrich/threat_intel/feed_loader.hpp"
#include "sinks/output_sink.hpp"
#include "generate/log_generator.hpp"
#include "notify/notifier.hpp"
#include "pipeline/pipeline.hpp"

namespace dnslens::cli {

namespace {

// A small threat feed for the demo, in the CSV shape vendors export, naming the threats the
// generator plants so the demo day has threat-intel hits with actors and confidence levels.
void write_demo_feed(const std::string& path) {
  auto sink = make_file_sink(path, Compression::kNone);
  sink->write(
      "indicator,type,confidence,actor,threat,source\n"
      "c2-beacon.xyz,domain,95,Crimson Kite,command-and-control,dnslens demo feed\n"
      "evil-tunnel.net,domain,90,Crimson Kite,dns-tunneling,dnslens demo feed\n"
      "malware-delivery.ru,domain,85,,malware-delivery,dnslens demo feed\n"
      "phish-login-secure.com,domain,70,Payroll Pirates,phishing,dnslens demo feed\n"
      "cryptominer-pool.io,domain,60,,cryptomining,dnslens demo feed\n"
      "badcdn.top,domain,40,,suspicious-hosting,dnslens demo feed\n");
  sink->finish();
}

}  // namespace

void register_demo(CLI::App& app, CommandRegistry& registry) {
  struct Options {
    std::string dir = "demo";
    std::uint64_t records = 500000;
    std::uint64_t seed = 7;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "demo", "Generate a realistic demo day in the S3 export layout and run the main job on it");
  sub->add_option("--dir", o->dir, "Working directory for the demo data and results")->capture_default_str();
  sub->add_option("--records", o->records, "Background records to generate")->capture_default_str();
  sub->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  registry.add(sub, [o] {
    namespace fs = std::filesystem;
    fs::create_directories(o->dir);
    GeneratorConfig g;
    g.seed = o->seed;
    g.records = o->records;
    g.s3_dir = o->dir + "/s3";
    g.interesting_out = o->dir + "/interesting-domains.txt";
    fs::remove_all(g.s3_dir);
    GeneratorStats gs = generate_logs(g);
    std::fprintf(stderr, "dnslens demo: generated %llu records in %llu files under %s\n",
                 static_cast<unsigned long long>(gs.records), static_cast<unsigned long long>(gs.files),
                 g.s3_dir.c_str());
    PublicSuffixList psl = PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, PslScope::kIcannAndPrivate);
    InterestingDomains interesting = InterestingDomains::load_file(g.interesting_out, psl);
    FeedSpec feed = FeedSpec::parse("demo-feed=" + o->dir + "/threat-intel.csv");
    write_demo_feed(feed.path);
    auto intel = std::make_shared<ThreatIntel>();
    FeedReport fr = load_feed(feed, psl, *intel);
    std::fprintf(stderr, "dnslens demo: threat feed %s: %zu indicators\n", feed.path.c_str(), fr.loaded);
    IntelHandle intel_handle(std::move(intel));
    NotifierConfig nc;
    nc.file = o->dir + "/matches.jsonl";
    fs::remove(nc.file);
    auto notifier = make_notifier(nc);
    RunConfig rc;
    rc.inputs = {g.s3_dir};
    rc.output = "none";
    rc.output_dir = o->dir + "/enriched";
    rc.output_compression = Compression::kGzip;
    rc.dead_letter_path = o->dir + "/dead-letter.jsonl";
    fs::remove_all(rc.output_dir);
    RunSummary summary = run_pipeline(rc, Enrichers{&psl, &interesting, &intel_handle}, notifier.get());
    std::fputs(summary.to_text().c_str(), stderr);
    std::fprintf(stderr,
                 "\ndnslens demo: enriched output in %s/AWSLogs/..., interesting-domain and threat-intel matches in %s\n"
                 "Try: zcat %s/AWSLogs/*/vpcdnsquerylogs/*/*/*/*/*/*.gz | grep '\"isMatchedDomain\":\"Y\"' | head\n",
                 rc.output_dir.c_str(), nc.file.c_str(), rc.output_dir.c_str());
    return summary.files_failed ? 3 : 0;
  });
}

}  // namespace dnslens::cli
