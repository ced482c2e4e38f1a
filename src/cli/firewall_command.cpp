// dnslens firewall simulate | lint | suggest: DNS Firewall domain lists as code, reviewed and tested
// against real query logs before they go live.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <thread>
#include <set>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/absl_view.hpp"
#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "enrich/dns_firewall/firewall_simulation.hpp"
#include "enrich/dns_firewall/threat_protection.hpp"
#include "enrich/dns_firewall/policy_lint.hpp"
#include "enrich/threat_intel/feed_loader.hpp"
#include "pipeline/simulated_run.hpp"
#include "io/output_sink.hpp"

namespace dnslens::cli {

namespace {

namespace fs = std::filesystem;

// Options every log-reading firewall command shares.
struct LogOptions {
  std::vector<std::string> inputs;
  unsigned threads = 0;
  std::string input_format = "auto";
  std::string dead_letter = "dnslens-dead-letter.jsonl";
  bool quiet = false;

  void add(CLI::App* sub) {
    sub->add_option("logs", inputs, "Query logs: files (.json/.jsonl/.log, .gz, .zst), directories (recursive) or -")
        ->required();
    sub->add_option("-j,--threads", threads, "Worker threads (0 = one per core)")->capture_default_str();
    sub->add_option("--input-format", input_format, "Input format: auto, jsonl, cloudwatch, firehose")
        ->check(CLI::IsMember({"auto", "jsonl", "cloudwatch", "firehose"}));
    sub->add_option("--dead-letter", dead_letter, "Where bad records go")->capture_default_str();
    sub->add_flag("-q,--quiet", quiet, "No progress notes on stderr");
  }
  // A pipeline over the logs with no enriched output; the caller adds the enrichment.
  [[nodiscard]] PipelineConfig pipeline() const {
    PipelineConfig p;
    p.source.inputs = inputs;
    p.source.threads = threads;
    p.source.format = parse_input_format(input_format);
    p.sinks.dead_letter_path = dead_letter;
    return p;
  }
};

void write_text(const std::string& path, const std::string& text) {
  auto sink = make_file_sink(path, Compression::kNone);
  sink->write(text);
  sink->finish();
}

// ---------------------------------------------------------------------------------------------
// simulate

struct SimulateOptions {
  LogOptions logs;
  FirewallPolicyOptions policy;
  PslOptions psl;
  bool json = false;
  std::size_t top = 10;
  std::string output = "-";
};

int simulate(const SimulateOptions& o) {
  refuse_outputs_that_are_inputs(o.logs.inputs, {{"--output", o.output}, {"--dead-letter", o.logs.dead_letter}});
  const FirewallHandle policy(std::make_shared<const FirewallEvaluator>(o.policy.load(o.logs.quiet)));
  PublicSuffixList psl = o.psl.load();
  PipelineConfig p = o.logs.pipeline();
  p.enrich.psl = &psl;
  p.enrich.firewall = &policy;
  give_firewall_name_signals(p.enrich);
  SimulatedRun run = run_with_firewall_simulation(std::move(p));
  const RunSummary& summary = run.summary;
  const FirewallSimulation& total = run.simulation;
  write_text(o.output, o.json ? total.to_json(o.top) : total.to_table(o.top));
  if (!o.logs.quiet) {
    std::fprintf(stderr, "dnslens: %llu records simulated, %llu bad, %llu with drift, %.2f s\n",
                 static_cast<unsigned long long>(summary.counters.records),
                 static_cast<unsigned long long>(summary.counters.bad_total()),
                 static_cast<unsigned long long>(total.drift_records()), summary.elapsed_seconds);
    for (const auto& e : summary.file_errors) std::fprintf(stderr, "dnslens: error: %s\n", e.c_str());
  }
  return summary.files_failed > 0 ? 3 : 0;
}

// ---------------------------------------------------------------------------------------------
// lint

struct LintOptions {
  FirewallPolicyOptions policy;
  bool json = false;
  bool strict = false;
  bool notes = false;
};

int lint(const LintOptions& o) {
  // Lint reports structural errors itself instead of stopping at the first.
  FirewallPolicy policy = o.policy.load_unvalidated();
  LintReport report = lint_policy(policy);
  std::string out;
  if (o.json) {
    out = "{\"problems\":[";
    bool first = true;
    for (const auto& p : report.problems) {
      if (p.severity == Severity::kInfo && !o.notes) continue;
      out += fmt::format("{}{{\"severity\":\"{}\",\"code\":\"{}\",\"where\":\"", first ? "" : ",",
                         severity_name(p.severity), p.code);
      append_json_escaped_bytes(out, p.where);
      out += "\",\"message\":\"";
      append_json_escaped_bytes(out, p.message);
      out += "\"}";
      first = false;
    }
    out += fmt::format("],\"errors\":{},\"warnings\":{}}}\n", report.errors, report.warnings);
  } else {
    for (const auto& p : report.problems) {
      if (p.severity == Severity::kInfo && !o.notes) continue;
      out += fmt::format("{}: {} [{}]\n  {}\n", severity_name(p.severity), p.where.empty() ? "policy" : p.where, p.code,
                         p.message);
    }
    std::size_t domains = 0;
    std::size_t rules = 0;
    for (const auto& l : policy.domain_lists) domains += l.domains.size();
    for (const auto& g : policy.rule_groups) rules += g.rules.size();
    out += fmt::format(
        "{} error(s), {} warning(s) in {} rule group(s), {} rule(s), {} domain list(s) with {} domain(s), {} "
        "association(s)\n",
        report.errors, report.warnings, policy.rule_groups.size(), rules, policy.domain_lists.size(), domains,
        policy.associations.size());
  }
  std::fputs(out.c_str(), stdout);
  if (report.errors > 0 || (o.strict && report.warnings > 0)) return 1;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// suggest

// Names every fleet queries that are not traffic anyone chose: cloud metadata and connectivity
// probes. They make noise in ALERT rules and break things when a "*" BLOCK catches them.
struct Probe {
  std::string_view name;
  std::string_view why;
};
constexpr Probe kProbes[] = {
    {"metadata.google.internal", "GCP metadata probe (cloud auto-detection by agents)"},
    {"metadata.goog", "GCP metadata probe"},
    {"metadata.azure.internal", "Azure metadata probe"},
    {"instance-data.ec2.internal", "EC2 instance metadata name"},
    {"instance-data", "EC2 instance metadata name"},
    {"does-not-exist.example.com", "cloud-init DNS interception check"},
    {"connectivity-check.ubuntu.com", "Ubuntu connectivity check"},
    {"connectivitycheck.gstatic.com", "Android/Chrome connectivity check"},
    {"detectportal.firefox.com", "Firefox captive-portal check"},
    {"www.msftconnecttest.com", "Windows connectivity check"},
    {"captive.apple.com", "Apple captive-portal check"},
};

std::string_view probe_reason(std::string_view name) {
  for (const auto& p : kProbes) {
    if (name == p.name) return p.why;
  }
  if (name.ends_with(".compute.internal") || name.ends_with(".ec2.internal")) return "AWS internal host name";
  return {};
}

struct NameStats {
  std::uint64_t queries = 0;
  bool threat_hit = false;                     // the name matched threat intel somewhere
  absl::flat_hash_set<std::uint32_t> sources;  // worker-local source ids
};

struct BlockCandidate {
  std::string reason;
  std::uint64_t queries = 0;
  int confidence = -1;
};

// What a DNS Firewall Advanced rule at one threshold would have caught that the firewall in force let
// through (no logged BLOCK or ALERT).
struct AdvancedCatch {
  static constexpr std::size_t kMaxNames = 100'000;
  std::uint64_t queries = 0;
  absl::flat_hash_set<std::string> names;      // bounded by kMaxNames
  absl::flat_hash_set<std::uint32_t> sources;  // worker-local source ids (remapped when merged)
  std::set<std::string> examples;              // a few of the names: the five first in byte order

  // Keeps name if it is among the five first in byte order: the same five however the input was split
  // among workers and batches.
  void add_example(std::string_view name) {
    if (examples.size() == kExamples && name >= *examples.rbegin()) return;
    if (examples.emplace(name).second && examples.size() > kExamples) examples.erase(std::prev(examples.end()));
  }
  static constexpr std::size_t kExamples = 5;
};

class SuggestObserver final : public RecordObserver {
 public:
  void observe(const QueryRecord& r, const EnrichedRecord& o) override {
    const std::string_view name = o.normalized_name();
    if (name.empty()) return;
    const std::string_view src = r.source();
    // Look up before inserting: only a new name or source costs an allocation.
    auto sit = source_ids.find(as_absl(src));
    if (sit == source_ids.end())
      sit = source_ids.emplace(std::string(src), static_cast<std::uint32_t>(source_ids.size())).first;
    if (r.firewall_rule_action != "BLOCK" && r.firewall_rule_action != "ALERT") {
      for (int p = 0; p < 2; ++p) {
        const ConfidenceThreshold level = threat_protection_level(kSimulatedThreatProtections[p], o);
        for (int t = 0; t < 3 && level != ConfidenceThreshold::kNone && kConfidenceThresholds[t] <= level; ++t) {
          AdvancedCatch& c = advanced[p][t];
          ++c.queries;
          if (c.names.size() < AdvancedCatch::kMaxNames) c.names.emplace(name);
          c.sources.insert(sit->second);
          c.add_example(name);
        }
      }
    }
    auto nit = names.find(as_absl(name));
    if (nit == names.end()) nit = names.emplace(std::string(name), NameStats{}).first;
    NameStats& n = nit->second;
    ++n.queries;
    if (n.sources.size() < kMaxSourcesPerName) n.sources.insert(sit->second);
    if (o.threat.indicator == nullptr) return;
    n.threat_hit = true;
    const Indicator& ind = *o.threat.indicator;
    std::vector<std::string> entries;
    switch (o.threat.site) {
      case MatchSite::kQueryName:
      case MatchSite::kCname:
        if (ind.kind == IndicatorKind::kDomain) {
          // Intel matches parent domains too, so the list needs the domain and everything below it.
          entries = {std::string(ind.value), "*." + std::string(ind.value)};
        } else {
          entries = {std::string(name)};
        }
        break;
      case MatchSite::kAnswerIp:
        entries = {std::string(name)};
        break;
      case MatchSite::kReverseName:
      case MatchSite::kSrcaddr:
        return;  // blocking the name would not stop the traffic
    }
    for (auto& e : entries) {
      BlockCandidate& c = blocks[e];
      ++c.queries;
      if (ind.confidence > c.confidence || c.reason.empty()) {
        c.confidence = ind.confidence;
        c.reason = fmt::format("threat intel: indicator {} ({}) matched the {}", ind.value,
                               indicator_kind_name(ind.kind), match_site_name(o.threat.site));
      }
    }
  }
  static constexpr std::size_t kMaxSourcesPerName = 4096;
  absl::flat_hash_map<std::string, std::uint32_t> source_ids;
  absl::flat_hash_map<std::string, NameStats> names;
  std::map<std::string, BlockCandidate> blocks;
  AdvancedCatch advanced[2][3];  // [protection][threshold]
};

// Proposes, per protection, the strictest threshold that would have caught what the firewall in force
// let through, as an ALERT rule to review before it blocks: rules in the shape of `aws route53resolver
// list-firewall-rules` (so `dnslens firewall simulate --policy` reads them back), and why each.
void write_advanced_suggestions(const AdvancedCatch (&caught)[2][3], std::size_t fleet, const fs::path& dir,
                                std::size_t& proposed) {
  std::string rules, why = "protection\tthreshold\tqueries\tdistinct_names\tsources\texamples\tproposed\n";
  int priority = 9000;  // after the account's own list rules, which usually sit lower
  for (int p = 0; p < 2; ++p) {
    int pick = -1;
    for (int t = 2; t >= 0; --t) {
      if (caught[p][t].queries > 0) {
        pick = t;
        break;
      }
    }
    for (int t = 0; t < 3; ++t) {
      const AdvancedCatch& c = caught[p][t];
      std::string examples;
      for (const auto& n : c.examples) examples += fmt::format("{}{}", examples.empty() ? "" : ", ", n);
      why += fmt::format("{}\t{}\t{}\t{}{}\t{} of {}\t{}\t{}\n", threat_protection_name(kSimulatedThreatProtections[p]),
                         confidence_threshold_name(kConfidenceThresholds[t]), c.queries, c.names.size(),
                         c.names.size() >= AdvancedCatch::kMaxNames ? "+" : "", c.sources.size(), fleet, examples,
                         t == pick ? "yes" : "no");
    }
    if (pick < 0) continue;
    const std::string_view protection = threat_protection_name(kSimulatedThreatProtections[p]);
    const std::string_view threshold = confidence_threshold_name(kConfidenceThresholds[pick]);
    rules += fmt::format(
        "{}    {{\"FirewallRuleGroupId\": \"dnslens-suggested\", \"Name\": \"dnslens-{}-{}\", \"Priority\": {}, "
        "\"Action\": \"ALERT\", \"DnsThreatProtection\": \"{}\", \"ConfidenceThreshold\": \"{}\"}}",
        proposed ? ",\n" : "", protection, threshold, priority, protection, threshold);
    priority += 100;
    ++proposed;
  }
  write_text((dir / "advanced-rules.json").string(), "{\n  \"FirewallRules\": [\n" + rules + "\n  ]\n}\n");
  write_text((dir / "advanced.why.tsv").string(), why);
}

struct SuggestOptions {
  LogOptions logs;
  PslOptions psl;
  std::vector<std::string> intel;
  double fleet_fraction = 0.8;
  std::size_t min_sources = 3;
  int min_confidence = 0;
  std::string out_dir = "firewall-suggestions";
};

int suggest(const SuggestOptions& o) {
  // The lists written into --out-dir replace files of those names: none of them may be a log read.
  std::vector<std::pair<std::string_view, std::string>> outputs = {{"--dead-letter", o.logs.dead_letter}};
  for (const char* name :
       {"allowlist.txt", "allowlist.why.tsv", "blocklist.txt", "blocklist.why.tsv", "advanced-rules.json"})
    outputs.emplace_back("--out-dir", (fs::path(o.out_dir) / name).string());
  refuse_outputs_that_are_inputs(o.logs.inputs, outputs);
  PublicSuffixList psl = o.psl.load();
  std::optional<IntelHandle> intel;
  if (!o.intel.empty()) {
    auto ti = std::make_shared<ThreatIntel>();
    for (const auto& f : o.intel) {
      FeedReport rep = load_feed(FeedSpec::parse(f), psl, *ti);
      if (!o.logs.quiet)
        std::fprintf(stderr, "dnslens: intel feed '%s': %zu indicators\n", rep.name.c_str(), rep.loaded);
    }
    intel.emplace(std::move(ti));
  }
  PipelineConfig p = o.logs.pipeline();
  std::vector<std::unique_ptr<SuggestObserver>> observers;
  for (unsigned i = 0; i < p.source.workers(); ++i) observers.push_back(std::make_unique<SuggestObserver>());
  p.enrich.psl = &psl;
  p.enrich.intel = intel ? &*intel : nullptr;
  p.enrich.dga = &default_dga_model();  // the name signals DNS Firewall Advanced's simulation reads
  p.enrich.benign_noise = &BenignNoise::builtin();
  p.observers = [&](unsigned i) { return observers.at(i).get(); };
  RunSummary summary = run_pipeline(p);

  // Merge: distinct sources per name across workers, by source text.
  absl::flat_hash_map<std::string, std::uint32_t> all_sources;
  struct Merged {
    std::uint64_t queries = 0;
    bool threat_hit = false;
    absl::flat_hash_set<std::uint32_t> sources;
  };
  absl::flat_hash_map<std::string, Merged> names;
  std::map<std::string, BlockCandidate> blocks;
  AdvancedCatch advanced[2][3];
  for (const auto& ob : observers) {
    std::vector<std::uint32_t> remap(ob->source_ids.size());
    for (const auto& [text, id] : ob->source_ids) {
      remap[id] = all_sources.emplace(text, static_cast<std::uint32_t>(all_sources.size())).first->second;
    }
    for (const auto& [name, st] : ob->names) {
      Merged& m = names[name];
      m.queries += st.queries;
      m.threat_hit = m.threat_hit || st.threat_hit;
      for (std::uint32_t s : st.sources) m.sources.insert(remap[s]);
    }
    for (int pi = 0; pi < 2; ++pi) {
      for (int t = 0; t < 3; ++t) {
        const AdvancedCatch& from = ob->advanced[pi][t];
        AdvancedCatch& to = advanced[pi][t];
        to.queries += from.queries;
        for (const auto& n : from.names) {
          if (to.names.size() < AdvancedCatch::kMaxNames) to.names.insert(n);
        }
        for (std::uint32_t src : from.sources) to.sources.insert(remap[src]);
        for (const auto& n : from.examples) to.add_example(n);
      }
    }
    for (const auto& [entry, c] : ob->blocks) {
      BlockCandidate& b = blocks[entry];
      b.queries += c.queries;
      if (c.confidence > b.confidence || b.reason.empty()) {
        b.confidence = c.confidence;
        b.reason = c.reason;
      }
    }
  }
  std::erase_if(blocks,
                [&](const auto& kv) { return kv.second.confidence >= 0 && kv.second.confidence < o.min_confidence; });

  const std::size_t fleet = all_sources.size();
  const std::size_t needed = std::max<std::size_t>(
      o.min_sources, static_cast<std::size_t>(o.fleet_fraction * static_cast<double>(fleet) + 0.999));
  std::map<std::string, std::string> allow;  // name -> why
  std::size_t dropped_for_intel = 0;
  for (const auto& [name, m] : names) {
    // Each worker keeps up to kMaxSourcesPerName sources of a name, so their union is capped again:
    // min(union, cap) is min(all its sources, cap) however the input was split among workers.
    const std::size_t sources = std::min(m.sources.size(), SuggestObserver::kMaxSourcesPerName);
    std::string why;
    if (auto probe = probe_reason(name); !probe.empty()) {
      why = fmt::format("{}; {} queries from {} source(s)", probe, m.queries, sources);
    } else if (fleet >= o.min_sources && sources >= needed) {
      why = fmt::format("queried by {} of {} sources ({} queries)", sources, fleet, m.queries);
    } else {
      continue;
    }
    if (m.threat_hit || blocks.contains(name)) {
      ++dropped_for_intel;  // fleet-wide and on a threat feed: that is a finding, not noise
      continue;
    }
    allow.emplace(name, why);
  }
  fs::create_directories(o.out_dir);
  std::string allow_txt, allow_why = "domain\treason\n", block_txt, block_why = "domain\treason\tconfidence\tqueries\n";
  for (const auto& [name, why] : allow) {
    allow_txt += name + "\n";
    allow_why += fmt::format("{}\t{}\n", name, why);
  }
  for (const auto& [entry, c] : blocks) {
    block_txt += entry + "\n";
    block_why += fmt::format("{}\t{}\t{}\t{}\n", entry, c.reason, c.confidence >= 0 ? std::to_string(c.confidence) : "",
                             c.queries);
  }
  const fs::path dir(o.out_dir);
  write_text((dir / "allowlist.txt").string(), allow_txt);
  write_text((dir / "allowlist.why.tsv").string(), allow_why);
  write_text((dir / "blocklist.txt").string(), block_txt);
  write_text((dir / "blocklist.why.tsv").string(), block_why);
  std::size_t advanced_rules = 0;
  write_advanced_suggestions(advanced, fleet, dir, advanced_rules);
  std::fprintf(
      stdout,
      "%zu records from %zu sources: %zu allowlist candidates (fleet-wide names need %zu sources), %zu blocklist "
      "candidates from threat intel%s, %zu DNS Firewall Advanced rule(s) for what the firewall let through\n"
      "written to %s/: allowlist.txt, blocklist.txt (domain lists, one per line), advanced-rules.json (rules as "
      "list-firewall-rules gives them) and *.why.tsv (the reason for each)\n",
      static_cast<std::size_t>(summary.counters.records), fleet, allow.size(), needed, blocks.size(),
      dropped_for_intel
          ? fmt::format(" ({} fleet-wide names left off the allowlist: they hit threat intel)", dropped_for_intel)
                .c_str()
          : "",
      advanced_rules, o.out_dir.c_str());
  return summary.files_failed > 0 ? 3 : 0;
}

}  // namespace

void register_firewall(CLI::App& app, CommandRegistry& registry) {
  CLI::App* fw =
      app.add_subcommand("firewall", "Route 53 Resolver DNS Firewall policy as code: simulate, lint, suggest");
  fw->require_subcommand(1);

  auto sim = std::make_shared<SimulateOptions>();
  CLI::App* s = fw->add_subcommand(
      "simulate",
      "Replay query logs against a policy: per rule what it would block or alert, top domains, sources and "
      "VPCs, and where the simulated action differs from the logged firewall_rule_action (drift)");
  sim->logs.add(s);
  sim->policy.add(s, "--policy", true);
  sim->psl.add(s);
  s->add_flag("--json", sim->json, "JSON instead of the table");
  s->add_option("--top", sim->top, "How many top domains, sources and VPCs per rule")->capture_default_str();
  s->add_option("-o,--output", sim->output, "Where the report goes (- for stdout)")->capture_default_str();
  registry.add(s, [sim] { return simulate(*sim); });

  auto lo = std::make_shared<LintOptions>();
  CLI::App* l = fw->add_subcommand(
      "lint",
      "Check a policy before it goes live: what AWS would reject, invalid and duplicate domains, empty and unused "
      "lists, unassociated rule groups, rules shadowed by earlier ones (ALLOWs that make a BLOCK unreachable). "
      "Exit 1 when there are errors (or warnings with --strict)");
  lo->policy.add(l, "policy", true);
  l->add_flag("--json", lo->json, "JSON instead of text");
  l->add_flag("--strict", lo->strict, "Warnings fail too");
  l->add_flag("--notes", lo->notes, "Also show notes (unused lists, partly shadowed rules, ...)");
  registry.add(l, [lo] { return lint(*lo); });

  auto su = std::make_shared<SuggestOptions>();
  CLI::App* g = fw->add_subcommand(
      "suggest",
      "Candidate domain lists from logs, for review: an allowlist of fleet-wide names and cloud/connectivity "
      "probes, a blocklist from threat-intel hits, and DNS Firewall Advanced rules (DGA, DNS_TUNNELING) at the "
      "strictest threshold that would have caught what the firewall let through");
  su->logs.add(g);
  su->psl.add(g);
  g->add_option("--intel", su->intel, "Threat-intel feed [NAME=]PATH (repeatable), as for 'run --intel'");
  g->add_option("--fleet-fraction", su->fleet_fraction,
                "A name queried by at least this fraction of sources is fleet-wide")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  g->add_option("--min-sources", su->min_sources, "... and by at least this many sources")->capture_default_str();
  g->add_option("--min-confidence", su->min_confidence, "Leave out intel hits below this confidence")
      ->capture_default_str();
  g->add_option("--out-dir", su->out_dir, "Where the lists go")->capture_default_str();
  registry.add(g, [su] { return suggest(*su); });
}

}  // namespace dnslens::cli
