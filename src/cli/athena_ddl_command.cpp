#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/error.hpp"

namespace dnslens::cli {

namespace {

// The AWS sample's table (same names, so its queries keep working), with answers and srcids as
// structs rather than JSON strings, plus the DNS Firewall fields and dnslens's enrichment.
constexpr const char* kColumns = R"(  `version` float,
  `account_id` string,
  `region` string,
  `vpc_id` string,
  `query_timestamp` string,
  `query_name` string,
  `query_type` string,
  `query_class` string,
  `rcode` string,
  `answers` array<struct<`Rdata`:string,`Type`:string,`Class`:string>>,
  `srcaddr` string,
  `srcport` int,
  `transport` string,
  `srcids` struct<`instance`:string,`resolver_endpoint`:string,`resolver_network_interface`:string>,
  `firewall_rule_action` string,
  `firewall_rule_group_id` string,
  `firewall_domain_list_id` string,
  `isMatchedDomain` string,
  `query_name_normalized` string,
  `registered_domain` string,
  `public_suffix` string,
  `subdomain` string,
  `threat_indicator` string,
  `threat_indicator_type` string,
  `threat_feed` string,
  `threat_confidence` int,
  `threat_confidence_level` string,
  `threat_actor` string,
  `threat_category` string,
  `threat_source` string,
  `threat_matched_on` string,
  `threat_matched_value` string,
  `threat_match_count` int,
  `name_entropy` double,
  `subdomain_entropy` double,
  `name_length` int,
  `subdomain_length` int,
  `longest_label` int,
  `label_count` int,
  `digit_ratio` double,
  `consonant_ratio` double,
  `dga_score` double,
  `benign_noise` boolean,
  `firewall_sim_action` string,
  `firewall_sim_rule` string,
  `firewall_sim_rule_group_id` string,
  `firewall_sim_domain_list_id` string,
  `firewall_sim_block_response` string,
  `firewall_sim_matched_on` string,
  `firewall_sim_drift` boolean,
  `tld_valid` boolean)";

}  // namespace

void register_athena_ddl(CLI::App& app, CommandRegistry& registry) {
  struct Options {
    std::string location = "s3://<YOUR-S3-BUCKET>/dns-query-logs/";
    std::string table = "default.route53query";
    bool partitioned = false;
    std::string first_day = "2024/01/01";
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("athena-ddl", "Print an Athena CREATE EXTERNAL TABLE for dnslens's enriched output");
  sub->add_option("--location", o->location, "S3 prefix the output was copied to")->capture_default_str();
  sub->add_option("--table", o->table, "Database.table name")->capture_default_str();
  sub->add_flag("--partitioned", o->partitioned,
                "The output came from --output-dir: add partition projection over account, VPC, day and hour");
  sub->add_option("--first-day", o->first_day, "First day for the day projection (yyyy/MM/dd)")->capture_default_str();
  registry.add(sub, [o] {
    std::string location = o->location;
    if (!location.starts_with("s3://")) throw Error(ErrorCode::kUsage, "--location must be an s3:// URI");
    if (!location.ends_with("/")) location += '/';
    std::string ddl = fmt::format("CREATE EXTERNAL TABLE IF NOT EXISTS {} (\n{}\n)\n", o->table, kColumns);
    if (o->partitioned) {
      ddl += "PARTITIONED BY (`account` string, `vpc` string, `day` string, `hour` string)\n";
    }
    ddl += "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
           "WITH SERDEPROPERTIES (\n  'serialization.format' = '1',\n  'ignore.malformed.json' = 'true'\n)\n";
    ddl += fmt::format("LOCATION '{}'\n", location);
    if (o->partitioned) {
      ddl += fmt::format(
          "TBLPROPERTIES (\n"
          "  'has_encrypted_data' = 'false',\n"
          "  'projection.enabled' = 'true',\n"
          "  'projection.account.type' = 'injected',\n"
          "  'projection.vpc.type' = 'injected',\n"
          "  'projection.day.type' = 'date',\n"
          "  'projection.day.format' = 'yyyy/MM/dd',\n"
          "  'projection.day.range' = '{},NOW',\n"
          "  'projection.day.interval' = '1',\n"
          "  'projection.day.interval.unit' = 'DAYS',\n"
          "  'projection.hour.type' = 'integer',\n"
          "  'projection.hour.range' = '0,23',\n"
          "  'projection.hour.digits' = '2',\n"
          "  'storage.location.template' = '{}AWSLogs/${{account}}/vpcdnsquerylogs/${{vpc}}/${{day}}/${{hour}}/'\n"
          ");\n",
          o->first_day, location);
    } else {
      ddl += "TBLPROPERTIES ('has_encrypted_data' = 'false');\n";
    }
    std::fputs(ddl.c_str(), stdout);
    return 0;
  });
}

}  // namespace dnslens::cli
