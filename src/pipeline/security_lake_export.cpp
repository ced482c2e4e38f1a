#include "pipeline/security_lake_export.hpp"

#include <unistd.h>

#include <fstream>
#include <system_error>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/error.hpp"
#include "enrich/threat_intel/threat_intel.hpp"
#include "parse/query_log_parser.hpp"
#include "pipeline/record_processor.hpp"
#include "sinks/ocsf/ocsf_encoder.hpp"
#include "store/store_export.hpp"
#include "store/store_schema.hpp"

namespace dnslens {

namespace {

// The OCSF 1.1.0 DNS Activity event as dnslens writes it, as DuckDB types: every file gets these
// columns whatever its events hold. enrichments[].data and unmapped are JSON text (OCSF's json_t).
constexpr std::string_view kEventColumns =
    "{'class_uid': 'INTEGER', 'class_name': 'VARCHAR', 'category_uid': 'INTEGER', 'category_name': 'VARCHAR', "
    "'activity_id': 'INTEGER', 'activity_name': 'VARCHAR', 'type_uid': 'BIGINT', 'type_name': 'VARCHAR', "
    "'severity_id': 'INTEGER', 'severity': 'VARCHAR', 'time': 'BIGINT', 'time_dt': 'TIMESTAMP', "
    "'metadata': 'STRUCT(product STRUCT(feature STRUCT(name VARCHAR), name VARCHAR, vendor_name VARCHAR, "
    "version VARCHAR), profiles VARCHAR[], version VARCHAR)', "
    "'cloud': 'STRUCT(account STRUCT(uid VARCHAR), provider VARCHAR, region VARCHAR)', "
    "'src_endpoint': 'STRUCT(ip VARCHAR, port INTEGER, vpc_uid VARCHAR, instance_uid VARCHAR, name VARCHAR)', "
    "'dst_endpoint': 'STRUCT(instance_uid VARCHAR, interface_uid VARCHAR)', "
    "'connection_info': 'STRUCT(direction VARCHAR, direction_id INTEGER, protocol_name VARCHAR, protocol_num "
    "INTEGER)', "
    "'query': 'STRUCT(hostname VARCHAR, type VARCHAR, class VARCHAR)', "
    "'answers': 'STRUCT(rdata VARCHAR, type VARCHAR, class VARCHAR)[]', "
    "'rcode_id': 'INTEGER', 'rcode': 'VARCHAR', 'action_id': 'INTEGER', 'action': 'VARCHAR', "
    "'disposition_id': 'INTEGER', 'disposition': 'VARCHAR', 'firewall_rule': 'STRUCT(uid VARCHAR)', "
    "'observables': 'STRUCT(name VARCHAR, type VARCHAR, type_id INTEGER, value VARCHAR)[]', "
    "'enrichments': 'STRUCT(name VARCHAR, value VARCHAR, type VARCHAR, provider VARCHAR, data JSON)[]', "
    "'unmapped': 'JSON'}";

// The store's records, each a JSON object: its Route 53 record under "r" (the store keeps the version as
// a number and the port as an integer; a record without srcids gets an empty object, as Route 53 writes
// it), then the enrichment columns the store keeps.
std::string stored_records_sql(std::string_view where) {
  return fmt::format(
      "SELECT {{'version': printf('%.6f', version), 'account_id': account_id, 'region': region, 'vpc_id': vpc_id, "
      "'query_timestamp': query_timestamp, 'query_name': query_name, 'query_type': query_type, 'query_class': "
      "query_class, 'rcode': rcode, 'answers': answers, 'srcaddr': srcaddr, 'srcport': CAST(srcport AS VARCHAR), "
      "'transport': transport, 'srcids': COALESCE(srcids, {{'instance': NULL, 'resolver_endpoint': NULL, "
      "'resolver_network_interface': NULL}}), 'firewall_rule_action': firewall_rule_action, "
      "'firewall_rule_group_id': firewall_rule_group_id, 'firewall_domain_list_id': firewall_domain_list_id}} AS r, "
      "unmapped, \"isMatchedDomain\", threat_indicator, threat_indicator_type, threat_feed, threat_confidence, "
      "threat_confidence_level, "
      "threat_actor, threat_category, threat_source, threat_matched_on, threat_matched_value, threat_match_count, "
      "dga_score, name_entropy, subdomain_entropy, name_length, subdomain_length, longest_label, label_count, "
      "digit_ratio, consonant_ratio, benign_noise, firewall_sim_action, firewall_sim_rule, "
      "firewall_sim_rule_group_id, firewall_sim_domain_list_id, firewall_sim_block_response, "
      "firewall_sim_matched_on, firewall_sim_drift, firewall_sim_matched_name FROM ({}) WHERE {} ORDER BY query_ts",
      query_select_sql("(\"firewall_sim\" ->> 'matched_name') AS firewall_sim_matched_name"), where);
}

// Reads the enrichment columns of one stored record (the members after "r") back into what the
// enrichers said. Text views point into the parser's buffers, valid until its next document.
class StoredEnrichments {
 public:
  // False when a member does not have its column's type (the store wrote it: not expected).
  bool read(simdjson::ondemand::object& row, const QueryRecord& r, EnrichedRecord& e) {
    e.threat = ThreatMatch{};
    e.has_signals = false;
    e.signals = NameSignals{};
    e.firewall = FirewallOutcome{};
    std::string_view matched;
    if (!text(row, "isMatchedDomain", matched)) return false;
    e.matched = matched == "Y";
    std::string_view indicator;
    if (!text(row, "threat_indicator", indicator)) return false;
    if (!indicator.empty()) {
      ThreatMatch& t = e.threat;
      t.indicator = &kStoredIndicator;
      t.value = indicator;
      std::string_view site;
      std::int64_t confidence = -1, count = 0;
      if (!text(row, "threat_indicator_type", t.kind) || !text(row, "threat_feed", t.feed) ||
          !integer(row, "threat_confidence", confidence) || !text(row, "threat_confidence_level", t.confidence_level) ||
          !text(row, "threat_actor", t.actor) || !text(row, "threat_category", t.category) ||
          !text(row, "threat_source", t.source) || !text(row, "threat_matched_on", site) ||
          !text(row, "threat_matched_value", t.matched_value) || !integer(row, "threat_match_count", count)) {
        return false;
      }
      t.confidence = static_cast<int>(confidence);
      t.count = static_cast<std::uint32_t>(count);
      t.site = match_site_from_name(site);
    }
    double dga = -1;
    if (!decimal(row, "dga_score", dga)) return false;
    if (dga >= 0) {
      e.has_signals = true;
      NameSignals& s = e.signals;
      NameFeatures& f = s.features;
      s.dga_score = static_cast<float>(dga);
      double name_entropy = 0, subdomain_entropy = 0, digit_ratio = 0, consonant_ratio = 0;
      std::int64_t name_length = 0, subdomain_length = 0, longest_label = 0, label_count = 0;
      if (!decimal(row, "name_entropy", name_entropy) || !decimal(row, "subdomain_entropy", subdomain_entropy) ||
          !integer(row, "name_length", name_length) || !integer(row, "subdomain_length", subdomain_length) ||
          !integer(row, "longest_label", longest_label) || !integer(row, "label_count", label_count) ||
          !decimal(row, "digit_ratio", digit_ratio) || !decimal(row, "consonant_ratio", consonant_ratio) ||
          !boolean(row, "benign_noise", s.benign_noise)) {
        return false;
      }
      f.name_entropy = static_cast<float>(name_entropy);
      f.subdomain_entropy = static_cast<float>(subdomain_entropy);
      f.name_length = static_cast<std::uint16_t>(name_length);
      f.subdomain_length = static_cast<std::uint16_t>(subdomain_length);
      f.longest_label = static_cast<std::uint8_t>(longest_label);
      f.label_count = static_cast<std::uint8_t>(label_count);
      f.digit_ratio = static_cast<float>(digit_ratio);
      f.consonant_ratio = static_cast<float>(consonant_ratio);
    }
    // A simulated verdict: the drift column is set (false or true) whenever a policy was simulated.
    simdjson::ondemand::value v;
    bool unsimulated = false, drifted = false;
    if (!member(row, "firewall_sim_drift", v, unsimulated)) return false;
    if (!unsimulated) {
      if (v.get_bool().get(drifted) != simdjson::SUCCESS) return false;
      FirewallOutcome& fw = e.firewall;
      fw.simulated = true;
      std::string_view matched_on;
      if (!text(row, "firewall_sim_action", fw.action) || !text(row, "firewall_sim_rule", fw.rule_name) ||
          !text(row, "firewall_sim_rule_group_id", fw.rule_group_id) ||
          !text(row, "firewall_sim_domain_list_id", fw.domain_list_id) ||
          !text(row, "firewall_sim_block_response", fw.block_response) ||
          !text(row, "firewall_sim_matched_on", matched_on)) {
        return false;
      }
      fw.via_redirection = matched_on == "redirection";
      // The name of the chain that decided (the store packs it beside the verdict; a store an older
      // dnslens wrote has none: the query name then, and no target for a redirection).
      if (!text(row, "firewall_sim_matched_name", fw.matched_name)) return false;
      if (fw.decided() && fw.matched_name.empty() && !fw.via_redirection) fw.matched_name = r.query_name;
      // The store keeps whether the verdict drifted, not how: a different outcome from the logged one is
      // action drift, the same outcome is rule drift (another rule group or domain list).
      if (drifted) {
        fw.drift =
            firewall_outcomes_differ(r.firewall_rule_action, fw.action) ? FirewallDrift::kAction : FirewallDrift::kRule;
      }
    }
    return true;
  }

 private:
  // Stands for the feed's indicator entry, which is not at hand when reading the store; a non-null
  // indicator is what marks a threat-intel hit.
  static inline const Indicator kStoredIndicator{};

  static MatchSite match_site_from_name(std::string_view name) {
    for (MatchSite s : {MatchSite::kQueryName, MatchSite::kReverseName, MatchSite::kAnswerIp, MatchSite::kCname,
                        MatchSite::kSrcaddr}) {
      if (match_site_name(s) == name) return s;
    }
    return MatchSite::kQueryName;
  }

  // Finds a member; null: it is JSON null.
  static bool member(simdjson::ondemand::object& row, std::string_view key, simdjson::ondemand::value& v, bool& null) {
    null = false;
    return row.find_field_unordered(key).get(v) == simdjson::SUCCESS && v.is_null().get(null) == simdjson::SUCCESS;
  }
  // Each reads one member; a null leaves out unchanged (text: empty).
  static bool text(simdjson::ondemand::object& row, std::string_view key, std::string_view& out) {
    simdjson::ondemand::value v;
    bool null = false;
    out = {};
    return member(row, key, v, null) && (null || v.get_string().get(out) == simdjson::SUCCESS);
  }
  static bool integer(simdjson::ondemand::object& row, std::string_view key, std::int64_t& out) {
    simdjson::ondemand::value v;
    bool null = false;
    return member(row, key, v, null) && (null || v.get_int64().get(out) == simdjson::SUCCESS);
  }
  static bool decimal(simdjson::ondemand::object& row, std::string_view key, double& out) {
    simdjson::ondemand::value v;
    bool null = false;
    return member(row, key, v, null) && (null || v.get_double().get(out) == simdjson::SUCCESS);
  }
  static bool boolean(simdjson::ondemand::object& row, std::string_view key, bool& out) {
    simdjson::ondemand::value v;
    bool null = false;
    return member(row, key, v, null) && (null || v.get_bool().get(out) == simdjson::SUCCESS);
  }
};

// An AWS Region code: two letters, then dash-separated words, then a number (us-east-1, us-gov-west-1,
// ap-southeast-4, cn-north-1).
bool is_aws_region(std::string_view s) {
  const auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.size() < 6 || s.size() > 32 || !lower(s[0]) || !lower(s[1]) || s[2] != '-') return false;
  const std::size_t dash = s.rfind('-');
  if (dash <= 2 || dash + 1 == s.size()) return false;
  for (std::size_t i = dash + 1; i < s.size(); ++i)
    if (!digit(s[i])) return false;
  for (std::size_t i = 3; i < dash; ++i) {
    if (s[i] == '-' ? s[i - 1] == '-' : !lower(s[i])) return false;
  }
  return s[dash - 1] != '-';
}

bool is_aws_account(std::string_view s) {
  return s.size() == 12 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

void SecurityLakeExportOptions::validate() const {
  if (dir.empty()) throw Error(ErrorCode::kUsage, "the Security Lake export needs a directory");
  const bool name_ok = !source_name.empty() && source_name.size() <= 64 && source_name != "." && source_name != ".." &&
                       source_name.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == std::string::npos;
  if (!name_ok) {
    throw Error(ErrorCode::kUsage,
                fmt::format("custom source name '{}': 1 to 64 letters, digits, '_', '-' or '.'", source_name));
  }
  if (compression != "zstd" && compression != "snappy" && compression != "gzip" && compression != "uncompressed") {
    throw Error(ErrorCode::kUsage,
                fmt::format("unknown Parquet compression '{}' (zstd, snappy, gzip, uncompressed)", compression));
  }
  if (from_ms && to_ms && *from_ms >= *to_ms)
    throw Error(ErrorCode::kUsage, "the export range is empty (--from >= --to)");
}

SecurityLakeExportStats export_security_lake(DuckConnection& conn, const PublicSuffixList& psl,
                                             const SecurityLakeExportOptions& o) {
  o.validate();
  SecurityLakeExportStats stats;
  const std::filesystem::path source_dir = o.dir / "ext" / o.source_name;
  const std::filesystem::path work = o.dir / fmt::format(".dnslens-export-{}", ::getpid());
  std::error_code ec;
  std::filesystem::create_directories(work, ec);
  if (!ec) std::filesystem::create_directories(source_dir, ec);
  if (ec) throw Error(ErrorCode::kIo, fmt::format("cannot create {}: {}", o.dir.string(), ec.message()));
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{work};

  // 1. The records, each its Route 53 record and the enrichment columns, written by DuckDB (bounded memory
  // whatever the store's size).
  std::string where = "query_ts IS NOT NULL";
  if (o.from_ms) where += fmt::format(" AND query_ts >= {}", sql_timestamp_ms(*o.from_ms));
  if (o.to_ms) where += fmt::format(" AND query_ts < {}", sql_timestamp_ms(*o.to_ms));
  const std::filesystem::path stored = work / "records.jsonl";
  conn.exec(fmt::format("COPY ({}) TO {} (FORMAT json)", stored_records_sql(where), sql_quote(stored.string())));

  // 2. Each as an OCSF 1.1.0 event, with its registered domain computed again and the stored enrichments
  // (threat intel, name signals, simulated DNS Firewall verdict).
  const std::filesystem::path events = work / "ocsf.jsonl";
  {
    std::ifstream in(stored);
    std::ofstream out(events, std::ios::binary);
    if (!in || !out) throw Error(ErrorCode::kIo, fmt::format("cannot write {}", events.string()));
    simdjson::ondemand::parser rows;
    QueryLogParser parser;
    QueryRecord record;
    EnrichedRecord enriched;
    StoredEnrichments enrichments;
    const EnricherChain chain = build_enricher_chain(Enrichers{.psl = &psl});
    EnricherChain::Local local = chain.make_local();
    chain.begin_batch(local);
    std::string line, route53;
    OutputBuffer encoded;
    while (std::getline(in, line)) {
      const std::size_t size = line.size();
      line.resize(size + simdjson::SIMDJSON_PADDING);
      simdjson::ondemand::document doc;
      simdjson::ondemand::object row, route53_object;
      std::string_view r;
      if (rows.iterate(line.data(), size, line.size()).get(doc) != simdjson::SUCCESS ||
          doc.get_object().get(row) != simdjson::SUCCESS ||
          row.find_field("r").get_object().get(route53_object) != simdjson::SUCCESS ||
          route53_object.raw_json().get(r) != simdjson::SUCCESS) {
        ++stats.bad_records;
        continue;
      }
      route53.assign(r);
      // The record's unknown fields go back where they were logged, beside the known ones, so the event's
      // unmapped holds them as `run --output-format ocsf-1.1` writes them.
      std::string_view unmapped;
      if (row.find_field("unmapped").get_string().get(unmapped) == simdjson::SUCCESS && unmapped.size() > 2 &&
          route53.size() > 2) {
        route53.back() = ',';
        route53.append(unmapped.substr(1));
      }
      const std::size_t route53_size = route53.size();
      route53.resize(route53_size + simdjson::SIMDJSON_PADDING);
      if (!parser.parse(std::string_view(route53.data(), route53_size), route53.size(), record).ok) {
        ++stats.bad_records;
        continue;
      }
      if (!is_aws_region(record.region) || !is_aws_account(record.account_id)) {
        ++stats.unpartitioned;
        continue;
      }
      chain.enrich(record, enriched, local);
      if (!enrichments.read(row, record, enriched)) {
        ++stats.bad_records;
        continue;
      }
      encoded.clear();
      encode_ocsf_dns_activity(SinkRecord{std::string_view(route53.data(), route53_size), 0, record, enriched}, "1.1.0",
                               encoded);
      out << encoded.view();
      ++stats.records;
    }
    out.close();
    if (!out) throw Error(ErrorCode::kIo, fmt::format("cannot write {}", events.string()));
  }
  if (stats.records == 0) return stats;

  // 3. Parquet in Security Lake's layout; each region/account/day written is replaced whole, so an export
  // repeated leaves no duplicates.
  const std::string events_sql = fmt::format(
      "SELECT *, cloud.region AS region, cloud.account.uid AS \"accountId\", strftime(time_dt, '%Y%m%d') AS "
      "\"eventDay\" FROM read_json({}, format = 'newline_delimited', columns = {}, hive_partitioning = false)",
      sql_quote(events.string()), kEventColumns);
  DuckResult days =
      conn.query(fmt::format("SELECT DISTINCT region, \"accountId\", \"eventDay\" FROM ({})", events_sql));
  for (std::size_t r = 0; r < days.rows(); ++r) {
    const auto partition = source_dir / fmt::format("region={}", days.text(0, r).value_or("NULL")) /
                           fmt::format("accountId={}", days.text(1, r).value_or("NULL")) /
                           fmt::format("eventDay={}", days.text(2, r).value_or("NULL"));
    std::filesystem::remove_all(partition, ec);
    if (ec) throw Error(ErrorCode::kIo, fmt::format("cannot replace {}: {}", partition.string(), ec.message()));
  }
  stats.partitions = days.rows();
  conn.exec(fmt::format(
      "COPY ({}) TO {} (FORMAT parquet, COMPRESSION {}, PARTITION_BY (region, \"accountId\", \"eventDay\"), "
      "OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'dnslens_{{i}}')",
      events_sql, sql_quote(source_dir.string()), o.compression));
  const ParquetFiles files = parquet_files_under(source_dir);
  stats.files = files.files;
  stats.bytes = files.bytes;
  return stats;
}

}  // namespace dnslens
