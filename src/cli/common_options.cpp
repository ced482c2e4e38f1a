#include "cli/common_options.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "detect/benign_noise/benign_noise.hpp"
#include "detect/dga/default_dga_model.hpp"
#include "enrich/dns_firewall/firewall_enricher.hpp"
#include "enrich/dns_firewall/policy_loader.hpp"
#include "io/output_sink.hpp"
#include "notify/notifier.hpp"
#include "sinks/formats/record_format.hpp"
#include "store/store_export.hpp"

namespace dnslens::cli {

void PslOptions::add(CLI::App* sub) {
  sub->add_option("--psl", path, "Public suffix list file (default: the Debian publicsuffix data)");
  sub->add_option("--psl-scope", scope, "Which PSL rules apply: all (ICANN + private) or icann")
      ->check(CLI::IsMember({"all", "icann"}));
}

PublicSuffixList PslOptions::load() const {
  return PublicSuffixList::load_file(path.empty() ? DNSLENS_DEFAULT_PSL : path,
                                     scope == "icann" ? PslScope::kIcannOnly : PslScope::kIcannAndPrivate);
}

void FirewallPolicyOptions::add(CLI::App* sub, const std::string& option_name, bool required) {
  auto* o =
      sub->add_option(option_name, sources,
                      "DNS Firewall policy [ID=]PATH (repeatable; files or directories): AWS CLI JSON "
                      "(list-firewall-rules, -rule-groups, -domain-lists, -domains, -rule-group-associations), "
                      "CloudFormation JSON/YAML, a dnslens policy file, or a domain list (one domain per line; ID "
                      "names the list, default: the file name)");
  if (required) o->required();
  sub->add_option("--template-param", template_parameters,
                  "CloudFormation parameter NAME=VALUE (repeatable), e.g. VpcId=vpc-0abc");
}

FirewallPolicy FirewallPolicyOptions::load_unvalidated() const {
  PolicyLoadOptions options;
  for (const auto& p : template_parameters) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(ErrorCode::kUsage, "--template-param takes NAME=VALUE, not '" + p + "'");
    options.template_parameters[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return load_policy(sources, options);
}

FirewallPolicy FirewallPolicyOptions::load(bool quiet) const {
  FirewallPolicy policy = load_unvalidated();
  if (!quiet) {
    for (const auto& n : policy.load_notes) {
      std::fprintf(stderr, "dnslens: %s: %s: %s\n", std::string(severity_name(n.severity)).c_str(), n.where.c_str(),
                   n.message.c_str());
    }
  }
  policy.validate();
  return policy;
}

void ClickHouseOptions::add(CLI::App* sub, bool required) {
  auto* url =
      sub->add_option("--clickhouse", config.url,
                      "ClickHouse's HTTP(S) interface: http(s)://[user[:password]@]host:port (user and password "
                      "also from DNSLENS_CLICKHOUSE_USER / DNSLENS_CLICKHOUSE_PASSWORD)");
  if (required) url->required();
  sub->add_option("--clickhouse-database", schema.database, "ClickHouse database of dnslens's tables")
      ->capture_default_str();
  sub->add_option("--clickhouse-cluster", schema.cluster,
                  "ClickHouse cluster name (remote_servers): replicated tables and a Distributed route53query");
  sub->add_option("--clickhouse-password-file", config.password_file, "ClickHouse password, from this file");
  sub->add_option("--clickhouse-ca", config.ca_file, "CA bundle to verify an HTTPS ClickHouse server with");
  sub->add_flag("!--clickhouse-no-gzip", config.gzip,
                "Send inserts uncompressed (less CPU where the network is not the limit, e.g. the same host)");
  sub->add_option("--clickhouse-insert-quorum", config.insert_quorum,
                  "Acknowledge an insert only once this many replicas of each shard have it (insert_quorum; "
                  "needs --clickhouse-cluster)")
      ->check(CLI::Range(0, 16));
  sub->add_option("--clickhouse-insert-threads", config.insert_threads,
                  "Inserts a load sends at once (run --clickhouse; each of --clickhouse-insert-bytes)")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  sub->add_option(
         "--clickhouse-insert-bytes", config.insert_bytes,
         "Rows gathered into one insert (run --clickhouse), e.g. 8M, 512K; whole batches of the input, so "
         "at least one batch's rows (512 KiB of input, 4 MiB when the run also stores into DuckDB). ClickHouse "
         "wants few big inserts")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::size_t{4} << 10, std::size_t{1} << 30))
      ->default_str("8M");
  sub->add_option("--clickhouse-retries", config.max_retries,
                  "Retries of a request a retry can fix (connection, read-only replica, too many parts), with "
                  "exponential backoff")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
}

ClickHouseConfig ClickHouseOptions::client_config() const {
  if (config.insert_quorum > 1 && schema.cluster.empty()) {
    throw Error(ErrorCode::kUsage, "--clickhouse-insert-quorum counts replicas: it needs --clickhouse-cluster");
  }
  ClickHouseConfig c = config;
  c.database = schema.database;
  c.cluster = schema.cluster;
  return c;
}

std::int64_t parse_time_option(const std::string& text, std::string_view option) {
  std::string iso = text;
  if (iso.size() == 10) iso += "T00:00:00Z";  // a bare date: midnight UTC
  if (auto ms = parse_iso8601_ms(iso)) return *ms;
  if (auto age = parse_age_ms(text)) return unix_now_ms() - *age;
  throw Error(
      ErrorCode::kUsage,
      fmt::format("{} '{}' is neither a time (2024-05-01T10:00:00Z or 2024-05-01) nor an age (24h)", option, text));
}

void give_firewall_name_signals(Enrichers& enrich) {
  if (enrich.firewall == nullptr || enrich.dga != nullptr || !enrich.firewall->current()->reads_name_signals()) return;
  enrich.dga = &default_dga_model();
  enrich.benign_noise = &BenignNoise::builtin();  // as with the detectors on, so the verdicts agree
}

void refuse_without_name_signals(const FirewallEvaluator& next, const Enrichers& enrich) {
  if (enrich.dga != nullptr || !next.reads_name_signals()) return;
  throw Error(ErrorCode::kConfig,
              "the reloaded DNS Firewall policy has Advanced rules, which read name signals this run started "
              "without: restart dnslens to simulate them");
}

std::unique_ptr<MatchNotifier> notifier_from_options(const NotifierConfig& n, bool something_to_announce) {
  if (!n.enabled()) return nullptr;
  if (!something_to_announce) {
    throw Error(ErrorCode::kUsage,
                "notifications need --interesting FILE, --intel FEED or the detectors (not --no-detect)");
  }
  return make_notifier(n);
}

void OutputOptions::add(CLI::App* sub, const std::string& default_output, const std::string& what) {
  output = default_output;
  sub->add_option("-o,--output", output,
                  what + " as JSON lines: a file (.gz/.zst compress), - for stdout, none to discard")
      ->capture_default_str();
  sub->add_option("--output-dir", output_dir,
                  "Write partitions in the S3 layout: DIR/AWSLogs/<account>/vpcdnsquerylogs/<vpc>/YYYY/MM/DD/HH/");
  std::string help = "Schema of the output lines:";
  std::vector<std::string> names;
  for (const RecordFormat& f : record_formats()) {
    help += fmt::format(" {} ({});", f.name, f.description);
    names.emplace_back(f.name);
  }
  help.back() = '.';
  sub->add_option("--output-format", format, help)->check(CLI::IsMember(names))->capture_default_str();
  sub->add_option("--compress", compress,
                  "Output compression: auto (by extension; gzip for --output-dir), none, gzip, zstd")
      ->check(CLI::IsMember({"auto", "none", "gzip", "zstd"}));
}

std::optional<JsonLinesConfig> OutputOptions::config() const {
  if (!output_dir.empty() && output != "-" && output != "none") {
    throw Error(ErrorCode::kUsage, "--output and --output-dir are exclusive");
  }
  if (output_dir.empty() && output == "none") return std::nullopt;
  Compression compression = Compression::kNone;
  if (compress == "auto") {
    compression = output_dir.empty() ? compression_for_path(output) : Compression::kGzip;
  } else {
    compression = compress == "gzip"   ? Compression::kGzip
                  : compress == "zstd" ? Compression::kZstd
                                       : Compression::kNone;
  }
  return JsonLinesConfig{.path = output_dir.empty() ? output : "",
                         .dir = output_dir,
                         .compression = compression,
                         .run_id = {},
                         .format = &record_format(format)};
}

void add_notify_options(CLI::App* sub, NotifierConfig& n) {
  sub->add_flag("--notify-stdout", n.to_stdout, "Print each match and new finding as a JSON line on stdout");
  sub->add_option("--notify-file", n.file, "Append each match and new finding as a JSON line to this file");
  sub->add_option("--webhook", n.webhook_url, "POST batches of matches and new findings as JSON to this URL");
  sub->add_flag("--webhook-slack", n.slack, "Send Slack-compatible {\"text\": ...} bodies");
  sub->add_option("--notify-batch", n.batch_max_events, "Most events in one webhook batch")->capture_default_str();
  sub->add_option("--notify-wait-ms", n.batch_wait_ms, "Longest a batch waits before it is sent")
      ->capture_default_str();
  sub->add_option("--notify-rate", n.max_batches_per_minute, "Most webhook batches per minute (excess is summarised)")
      ->capture_default_str();
  sub->add_option("--notify-retries", n.max_retries, "Retries per batch on 429/5xx/connection errors")
      ->capture_default_str();
  sub->add_option("--notify-backoff-ms", n.backoff_initial_ms, "First retry delay, doubled each retry")
      ->capture_default_str();
  sub->add_option("--notify-min-severity", n.min_finding_severity,
                  "Announce findings from this severity on (low, medium, high); a finding whose severity rises to it "
                  "is announced then. Matches are always announced")
      ->check(CLI::IsMember({"low", "medium", "high"}))
      ->capture_default_str();
}

}  // namespace dnslens::cli
