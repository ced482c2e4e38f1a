#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "enrich/dns_firewall/firewall_policy.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"
#include "notify/match_notifier.hpp"
#include "notify/notifier_config.hpp"
#include "pipeline/pipeline_config.hpp"
#include "store/clickhouse/clickhouse_schema.hpp"
#include "sinks/jsonl/jsonl_sink.hpp"

namespace dnslens::cli {

struct PslOptions {
  std::string path;
  std::string scope = "all";
  void add(CLI::App* sub);
  [[nodiscard]] PublicSuffixList load() const;
};

// --policy [ID=]PATH (repeatable) and --template-param NAME=VALUE: one DNS Firewall policy from
// AWS CLI output, CloudFormation templates, dnslens policy files and domain-list files.
struct FirewallPolicyOptions {
  std::vector<std::string> sources;
  std::vector<std::string> template_parameters;
  void add(CLI::App* sub, const std::string& option_name, bool required);
  // Loads and validates (Error(kConfig) listing every error); prints the loaders' notes unless quiet.
  [[nodiscard]] FirewallPolicy load(bool quiet) const;
  // Loads without validating (lint reports every problem itself).
  [[nodiscard]] FirewallPolicy load_unvalidated() const;
};

// --clickhouse URL and its companions: where ClickHouse is and which of dnslens's databases.
struct ClickHouseOptions {
  ClickHouseConfig config;
  ClickHouseSchemaOptions schema;
  // required: the command needs a server; else the options are optional (run: an extra sink).
  void add(CLI::App* sub, bool required);
  [[nodiscard]] bool given() const { return !config.url.empty(); }
  // The config with the database and cluster the schema options name.
  [[nodiscard]] ClickHouseConfig client_config() const;
};

// An option's time: ISO 8601 (2024-05-01T00:00:00Z), a date (2024-05-01: midnight UTC), or an age ("24h": that long
// before now). Throws Error(kUsage) naming the option.
[[nodiscard]] std::int64_t parse_time_option(const std::string& text, std::string_view option);

// DNS Firewall Advanced rules read the name signals: a pipeline without the detectors gets the built-in
// DGA model for them.
void give_firewall_name_signals(Enrichers& enrich);
// A policy reloaded on SIGHUP: Error(kConfig) when it has Advanced rules and the pipeline started without
// the name signals (a restart gives them), so the policy in force stays.
void refuse_without_name_signals(const FirewallEvaluator& next, const Enrichers& enrich);

// -o/--output, --output-dir, --output-format and --compress: where run and serve write records as JSON
// lines, and in which schema (route53, ocsf-1.1, ocsf-1.5, ecs).
struct OutputOptions {
  std::string output;  // a file, "-" for stdout, "none"
  std::string output_dir;
  std::string format = "route53";
  std::string compress = "auto";
  // default_output: what -o means when not given ("-" for run, "none" for serve).
  void add(CLI::App* sub, const std::string& default_output, const std::string& what);
  // The JSON-lines sink they ask for; nothing for "none" without --output-dir. Error(kUsage) when
  // --output and --output-dir are both given.
  [[nodiscard]] std::optional<JsonLinesConfig> config() const;
  [[nodiscard]] bool to_stdout() const { return output == "-" && output_dir.empty(); }
};

// --notify-stdout, --notify-file, --webhook and their batching, rate and retry settings: where run
// and serve announce interesting-domain and threat-intel matches and new findings.
void add_notify_options(CLI::App* sub, NotifierConfig& n);
// The notifier those options ask for, null when they ask for none; Error(kUsage) when they ask for one
// but nothing would be announced (no interesting-domain list, no intel feed, no detectors).
[[nodiscard]] std::unique_ptr<MatchNotifier> notifier_from_options(const NotifierConfig& n, bool something_to_announce);

}  // namespace dnslens::cli
