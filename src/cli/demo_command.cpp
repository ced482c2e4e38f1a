#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "store/store_writer.hpp"
#include "cli/detect_options.hpp"
#include "enrich/dns_firewall/firewall_simulation.hpp"
#include "enrich/dns_firewall/policy_loader.hpp"
#include "enrich/interesting_domains/interesting_domains.hpp"
#include "enrich/threat_intel/feed_loader.hpp"
#include "io/output_sink.hpp"
#include "generate/log_generator.hpp"
#include "notify/notifier.hpp"
#include "pipeline/simulated_run.hpp"

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

// The demo fleet's DNS Firewall policy as code, proposed as the next version: the logged rule group
// and lists keep their AWS ids (so the simulation compares with the logs), the known-bad list now
// covers every subdomain, and a new rule blocks TXT lookups under the tunneling zone.
void write_demo_policy(const std::string& dir) {
  auto list = make_file_sink(dir + "/known-bad.txt", Compression::kNone);
  list->write(
      "# Known-bad domains, reviewed in git before import-firewall-domains\n"
      "malware-delivery.ru\n*.malware-delivery.ru\nphish-login-secure.com\n*.phish-login-secure.com\n"
      "badcdn.top\n*.badcdn.top\ncryptominer-pool.io\n*.cryptominer-pool.io\n");
  list->finish();
  auto policy = make_file_sink(dir + "/firewall-policy.yaml", Compression::kNone);
  policy->write(R"(# dnslens DNS Firewall policy for the demo fleet (see docs/FIREWALL.md)
version: 1
domain_lists:
  aws-internal: ["*.compute.internal", "*.amazonaws.com"]
  known-bad: {id: rslvr-fdl-0badc0de0badc0de0, file: known-bad.txt}
  c2-watch: {id: rslvr-fdl-0a1e77a1e77a1e77a, domains: [c2-beacon.xyz, "*.c2-beacon.xyz"]}
  tunnel-zones: ["*.evil-tunnel.net"]
rule_groups:
  baseline:
    id: rslvr-frg-0a1b2c3d4e5f60718
    rules:
      - {name: allow-aws-internal, priority: 100, action: ALLOW, domain_list: aws-internal}
      - {name: block-known-bad, priority: 200, action: BLOCK, block_response: NXDOMAIN, domain_list: known-bad}
      - {name: alert-c2, priority: 300, action: ALERT, domain_list: c2-watch}
      - {name: block-txt-tunnels, priority: 400, action: BLOCK, block_response: NODATA, query_type: TXT,
         domain_list: tunnel-zones}
associations:
  - {rule_group: baseline, vpc: "*", priority: 101}
)");
  policy->finish();
}

}  // namespace

void register_demo(CLI::App& app, CommandRegistry& registry) {
  struct Options {
    std::string dir = "demo";
    std::uint64_t records = 500000;
    std::uint64_t seed = 7;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub =
      app.add_subcommand("demo", "Generate a realistic demo day in the S3 export layout and run the main job on it");
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
    PipelineConfig pc;
    pc.source.inputs = {g.s3_dir};
    pc.sinks.json =
        JsonLinesConfig{.path = {}, .dir = o->dir + "/enriched", .compression = Compression::kGzip, .run_id = {}};
    pc.sinks.dead_letter_path = o->dir + "/dead-letter.jsonl";
    fs::remove_all(pc.sinks.json->dir);
    write_demo_policy(o->dir);
    FirewallPolicy policy = load_policy({o->dir + "/firewall-policy.yaml"}, {});
    policy.validate();
    const FirewallHandle firewall(std::make_shared<const FirewallEvaluator>(std::move(policy)));
    std::unique_ptr<Detection> detection = DetectOptions{}.build();
    detection->announce_to(notifier.get());
    pc.enrich = Enrichers{.psl = &psl,
                          .interesting = &interesting,
                          .intel = &intel_handle,
                          .intel_match_srcaddr = false,
                          .firewall = &firewall,
                          .dga = nullptr,
                          .benign_noise = nullptr};
    detection->wire(pc);
    const std::string store_path = o->dir + "/dnslens.duckdb";
    fs::remove(store_path);
    fs::remove(store_path + ".wal");
    StoreWriter store(store_path, /*duckdb_threads=*/1);
    pc.sinks.store = &store;
    pc.sinks.notifier = notifier.get();
    SimulatedRun run = run_with_firewall_simulation(pc);
    store.add_findings(detection->store->sorted());
    store.finish();
    const std::string findings_path = o->dir + "/findings.jsonl";
    detection->write_findings(findings_path);
    const RunSummary& summary = run.summary;
    const FirewallSimulation& total = run.simulation;
    RunSummary shown = summary;
    shown.store_path = store_path;
    shown.store_checkpoint_seconds = store.stats().checkpoint_seconds;
    std::fputs(shown.to_text().c_str(), stderr);
    const std::string sim_path = o->dir + "/firewall-simulation.txt";
    auto sim_sink = make_file_sink(sim_path, Compression::kNone);
    sim_sink->write(total.to_table(5));
    sim_sink->finish();
    std::fprintf(stderr,
                 "dnslens demo: DNS Firewall policy %s/firewall-policy.yaml simulated: %s (%llu records with drift)\n",
                 o->dir.c_str(), sim_path.c_str(), static_cast<unsigned long long>(total.drift_records()));
    std::fprintf(
        stderr,
        "\ndnslens demo: enriched output in %s/AWSLogs/..., interesting-domain and threat-intel matches in %s\n"
        "Try: zcat %s/AWSLogs/*/vpcdnsquerylogs/*/*/*/*/*/*.gz | grep '\"isMatchedDomain\":\"Y\"' | head\n",
        pc.sinks.json->dir.c_str(), nc.file.c_str(), pc.sinks.json->dir.c_str());
    std::fprintf(stderr,
                 "dnslens demo: %zu findings (DGA, tunneling, beaconing, sweeps, anomalies, threat intel) in %s\n"
                 "Try: jq -r '[.severity,.finding_type,.source,.domain] | @tsv' %s\n",
                 detection->store->size(), findings_path.c_str(), findings_path.c_str());
    std::fprintf(stderr,
                 "dnslens demo: every record and finding is in the store %s\n"
                 "Try: dnslens sql --db %s \"SELECT finding_type, severity, source, domain FROM findings\"\n",
                 store_path.c_str(), store_path.c_str());
    return summary.files_failed ? 3 : 0;
  });
}

}  // namespace dnslens::cli
