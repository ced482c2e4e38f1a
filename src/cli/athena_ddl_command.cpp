#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "store/store_schema.hpp"

namespace dnslens::cli {

namespace {

// The AWS sample's table (same names, so its queries keep working), with answers and srcids as
// structs rather than JSON strings, plus the DNS Firewall fields and dnslens's enrichment: the store's
// column list, so the local table, the JSON output and the Parquet export all describe one schema.
std::string_view athena_type(StoreType t) {
  switch (t) {
    case StoreType::kVarchar:
      return "string";
    case StoreType::kFloat:
      return "float";
    case StoreType::kDouble:
      return "double";
    case StoreType::kInteger:
      return "int";
    case StoreType::kBigint:
      return "bigint";
    case StoreType::kBoolean:
      return "boolean";
    case StoreType::kTimestamp:
      return "timestamp";
    case StoreType::kAnswers:
      return "array<struct<`Rdata`:string,`Type`:string,`Class`:string>>";
    case StoreType::kSrcids:
      return "struct<`instance`:string,`resolver_endpoint`:string,`resolver_network_interface`:string>";
    case StoreType::kEnum:  // stored-table types only; route53query's columns never have them
    case StoreType::kCodedAnswers:
      break;
  }
  return "string";
}

// JSON lines carry every column but the store's own query_ts, source and unmapped; Parquet carries them all.
// In the JSON lines the version is text as Route 53 writes it ("1.100000"), declared string as Athena's
// own table for Resolver query logs does; the Parquet files hold the store's number.
std::string athena_columns(bool parquet) {
  std::string out;
  for (const StoreColumn& c : kQueryColumns) {
    // The JSON lines carry unknown fields as logged, at the top level: unmapped is the store's.
    if (!parquet && (c.name == "query_ts" || c.name == "source" || c.name == "unmapped")) continue;
    if (!out.empty()) out += ",\n";
    out += fmt::format("  `{}` {}", c.name, !parquet && c.name == "version" ? "string" : athena_type(c.type));
  }
  return out;
}

// dnslens export --parquet writes LOCATION/date=YYYY-MM-DD/hour=HH/*.parquet (Hive layout, so no
// storage template is needed); the first day is given as yyyy/MM/dd like the JSON table's.
std::string parquet_ddl(const std::string& table, const std::string& location, std::string first_day) {
  for (char& c : first_day) c = c == '/' ? '-' : c;
  return fmt::format(
      "CREATE EXTERNAL TABLE IF NOT EXISTS {} (\n{}\n)\n"
      "PARTITIONED BY (`date` string, `hour` string)\n"
      "STORED AS PARQUET\n"
      "LOCATION '{}'\n"
      "TBLPROPERTIES (\n"
      "  'has_encrypted_data' = 'false',\n"
      "  'projection.enabled' = 'true',\n"
      "  'projection.date.type' = 'date',\n"
      "  'projection.date.format' = 'yyyy-MM-dd',\n"
      "  'projection.date.range' = '{},NOW',\n"
      "  'projection.date.interval' = '1',\n"
      "  'projection.date.interval.unit' = 'DAYS',\n"
      "  'projection.hour.type' = 'integer',\n"
      "  'projection.hour.range' = '0,23',\n"
      "  'projection.hour.digits' = '2'\n"
      ");\n",
      table, athena_columns(true), location, first_day);
}

}  // namespace

void register_athena_ddl(CLI::App& app, CommandRegistry& registry) {
  struct Options {
    std::string location = "s3://<YOUR-S3-BUCKET>/dns-query-logs/";
    std::string table = "default.route53query";
    bool partitioned = false;
    std::string first_day = "2024/01/01";
    bool parquet = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub =
      app.add_subcommand("athena-ddl", "Print an Athena CREATE EXTERNAL TABLE for dnslens's enriched output");
  sub->add_option("--location", o->location, "S3 prefix the output was copied to")->capture_default_str();
  sub->add_option("--table", o->table, "Database.table name")->capture_default_str();
  sub->add_flag("--partitioned", o->partitioned,
                "The output came from --output-dir: add partition projection over account, VPC, day and hour");
  sub->add_option("--first-day", o->first_day, "First day for the day projection (yyyy/MM/dd)")->capture_default_str();
  auto* parquet = sub->add_flag("--parquet", o->parquet,
                                "The output came from 'dnslens export --parquet': a Parquet table over its "
                                "route53query/ folder with date/hour partition projection");
  parquet->excludes(sub->get_option("--partitioned"));
  registry.add(sub, [o] {
    std::string location = o->location;
    if (!location.starts_with("s3://")) throw Error(ErrorCode::kUsage, "--location must be an s3:// URI");
    if (!location.ends_with("/")) location += '/';
    if (o->parquet) {
      std::fputs(parquet_ddl(o->table, location, o->first_day).c_str(), stdout);
      return 0;
    }
    std::string ddl = fmt::format("CREATE EXTERNAL TABLE IF NOT EXISTS {} (\n{}\n)\n", o->table, athena_columns(false));
    if (o->partitioned) {
      ddl += "PARTITIONED BY (`account` string, `vpc` string, `day` string, `hour` string)\n";
    }
    ddl +=
        "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
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
