// How route53query is stored: the threat-intel and simulated-firewall columns packed into JSON
// objects, the logged timestamp kept only where it is not derivable, closed sets as ENUMs with an
// overflow for values outside them, source derived; read back through the route53query view exactly
// as the enriched JSON lines of the same run have them; older stores migrated in place when a writer
// opens them.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <simdjson.h>

#include "cli_harness.hpp"
#include "store/duckdb_api.hpp"
#include "store/store_schema.hpp"
#include "store_harness.hpp"

namespace dnslens {
namespace {

using testing::lines_of;
using testing::record;
using testing::run_dnslens;
using testing::scalar;
using testing::text;
using testing::Workdir;

// A JSON line's value the way DuckDB writes it as VARCHAR ("NULL" for null or absent).
std::string json_value(simdjson::dom::element line, std::string_view key) {
  simdjson::dom::element v;
  if (line[key].get(v) != simdjson::SUCCESS || v.is_null()) return "NULL";
  if (v.is_string()) return std::string(std::string_view(v));
  if (v.is_bool()) return bool(v) ? "true" : "false";
  if (v.is_int64()) return std::to_string(int64_t(v));
  return simdjson::minify(v);
}

bool stored_differently(std::string_view column) {
  for (std::string_view c : {"query_timestamp", "region", "query_type", "query_class", "rcode", "transport", "answers",
                             "isMatchedDomain", "source"}) {
    if (column == c) return true;
  }
  return column.starts_with(kThreatPrefix) || column.starts_with(kFirewallSimPrefix);
}

std::string replaced(std::string s, std::string_view from, std::string_view to) {
  const std::size_t at = s.find(from);
  if (at == std::string::npos) throw std::runtime_error("test record lacks " + std::string(from));
  return s.replace(at, from.size(), to);
}

class PackedColumns : public ::testing::Test {
 public:
  void SetUp() override {
    // Quotes, a backslash and a non-UTF-8 byte in feed text; one indicator without a confidence.
    w.write("feed.csv",
            "indicator,confidence,actor,threat\n"
            "evil-c2.com,90,\"Crimson \"\"Kite\"\" \\ crew\",c2\n"
            "phish.example.net,,,phish\xff"
            "ing\n");
    w.write("blocked.txt", "*.evil-c2.com\n*.blocked.example.org\n");
    w.write(
        "policy.yaml",
        "version: 1\ndomain_lists:\n  blocked: {file: blocked.txt}\nrule_groups:\n  g:\n    rules:\n"
        "      - {name: block-listed, priority: 100, action: BLOCK, block_response: NXDOMAIN, domain_list: blocked}\n"
        "associations: [{rule_group: g, vpc: \"*\", priority: 101}]\n");
    const char* const timestamps[] = {"2021-02-04T17:51:55Z",      "2021-02-04T17:51:55.250Z",
                                      "2021-02-04T18:51:55+01:00", "2021-02-04T23:59:60Z",
                                      "2021-02-04 17:51:56Z",      "2021-02-29T08:00:00Z" /* read as March 1st */};
    const char* const names[] = {"a.evil-c2.com.", "LOGIN.phish.example.net.", "x.blocked.example.org.",
                                 "clean.example.com."};
    std::string logs;
    int i = 0;
    for (const char* ts : timestamps) {
      for (const char* n : names) logs += record(std::to_string(++i) + "-" + n, ts) + "\n";
    }
    // Values outside the ENUMs (kept in the overflow object), and sources other than an instance.
    std::string odd = record("odd-1.example.com.");
    odd = replaced(odd, "\"us-east-1\"", "\"xx-future-1\"");
    odd = replaced(odd, "\"query_type\":\"A\"", "\"query_type\":\"TYPE65\"");
    odd = replaced(odd, "\"transport\":\"UDP\"", "\"transport\":\"DoH\"");
    odd = replaced(odd, "\"answers\":[]", R"("answers":[{"Rdata":"1 . alpn=h2","Type":"TYPE65","Class":"IN"}])");
    odd = replaced(odd, "\"instance\":\"i-0abc\"", "\"resolver_endpoint\":\"rslvr-in-0abc\"");
    logs += odd + "\n";
    odd = record("odd-2.example.com.");
    odd = replaced(odd, "\"query_type\":\"A\"", "\"query_type\":\"a\"");
    odd = replaced(odd, "\"query_class\":\"IN\"", "\"query_class\":\"CLASS9\"");
    odd = replaced(odd, "\"rcode\":\"NOERROR\"", "\"rcode\":\"RCODE23\"");
    odd = replaced(odd, "\"transport\":\"UDP\"", "\"transport\":\"QUIC\"");
    odd = replaced(
        odd, "\"answers\":[]",
        R"("answers":[{"Rdata":"192.0.2.1","Type":"A","Class":"IN"},{"Rdata":"t\"x","Type":"TXT","Class":"CLASS9"}])");
    odd = replaced(odd, "\"srcids\":{\"instance\":\"i-0abc\"}", "\"srcids\":{}");
    logs += odd + "\n";
    odd = record("odd-3.example.com.");  // every value in its ENUM, several answers
    odd = replaced(odd, "\"query_class\":\"IN\"", "\"query_class\":\"CH\"");
    odd = replaced(odd, "\"rcode\":\"NOERROR\"", "\"rcode\":\"BADCOOKIE\"");
    odd = replaced(
        odd, "\"answers\":[]",
        R"("answers":[{"Rdata":"a.example.","Type":"CNAME","Class":"IN"},{"Rdata":"2001:db8::1","Type":"AAAA","Class":"CH"}])");
    logs += odd + "\n";
    w.write("logs.jsonl", logs);
    auto r = run_dnslens(w,
                         "run logs.jsonl -j2 -o out.jsonl --no-detect --store s.duckdb --intel vendor=feed.csv "
                         "--firewall-policy policy.yaml");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    lines = lines_of(w.read("out.jsonl"));
    ASSERT_EQ(lines.size(), std::size(timestamps) * std::size(names) + 3);
  }

  // Every value route53query_data stores differently (threat_*, firewall_sim_*, query_timestamp, the
  // ENUM columns, answers, isMatchedDomain, source) read through route53query, against the JSON lines.
  void expect_view_matches_json_lines(DuckConnection& c) {
    simdjson::dom::parser parser;
    int compared = 0;
    for (const std::string& l : lines) {
      simdjson::dom::element line = parser.parse(l);
      const std::string name = json_value(line, "query_name");
      for (const StoreColumn& col : kQueryColumns) {
        if (!stored_differently(col.name)) continue;
        const std::string value =
            col.name == "answers" ? fmt::format("to_json(\"{}\")", col.name) : fmt::format("\"{}\"", col.name);
        const std::string sql =
            fmt::format("SELECT {}::VARCHAR FROM route53query WHERE query_name = {}", value, sql_quote(name));
        std::string expected = json_value(line, col.name);
        if (col.name == "source") {  // not in the JSON lines: the instance, else the Resolver endpoint, else srcaddr
          expected = json_value(line["srcids"], "instance");
          if (expected == "NULL") expected = json_value(line["srcids"], "resolver_endpoint");
          if (expected == "NULL") expected = json_value(line, "srcaddr");
        }
        EXPECT_EQ(text(c, sql), expected) << col.name << " of " << name;
        ++compared;
      }
    }
    EXPECT_EQ(compared, static_cast<int>(lines.size()) * 27);
  }

  Workdir w;
  std::vector<std::string> lines;
};

TEST_F(PackedColumns, ReadBackThroughTheViewAsTheJsonLinesHaveThem) {
  DuckDatabase db(w.file("s.duckdb"), true);
  DuckConnection c = db.connect();
  // Not vacuous: hits, misses, a confidence left out, and timestamps of both kinds.
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query WHERE threat_indicator IS NOT NULL"), 12);
  EXPECT_EQ(
      scalar(c, "SELECT count(*) FROM route53query WHERE threat_confidence IS NULL AND threat_indicator IS NOT NULL"),
      6);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query WHERE firewall_sim_action = 'BLOCK'"), 12);
  EXPECT_EQ(text(c, "SELECT DISTINCT threat_category FROM route53query WHERE threat_indicator = 'phish.example.net'"),
            "phish\\xffing");
  expect_view_matches_json_lines(c);
  // The stored table holds each packed object only on rows with a hit, and only the logged
  // timestamps that query_ts does not give back.
  EXPECT_EQ(scalar(c, "SELECT count(threat) FROM route53query_data"), 12);
  EXPECT_EQ(scalar(c, "SELECT count(firewall_sim) FROM route53query_data"), 12);
  EXPECT_EQ(scalar(c, "SELECT count(query_timestamp) FROM route53query_data"), 20);
  // Only the two records with values outside the ENUMs have an overflow object; a list with one
  // answer outside them is kept whole there.
  EXPECT_EQ(scalar(c, "SELECT count(overflow) FROM route53query_data"), 2);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query_data WHERE answers IS NULL"), 2);
  EXPECT_EQ(
      text(c, "SELECT overflow FROM route53query_data WHERE query_name = 'odd-2.example.com.'"),
      R"({"query_type":"a","query_class":"CLASS9","rcode":"RCODE23",)"
      R"("answers":[{"Rdata":"192.0.2.1","Type":"A","Class":"IN"},{"Rdata":"t\"x","Type":"TXT","Class":"CLASS9"}],)"
      R"("transport":"QUIC"})");
  EXPECT_EQ(text(c, "SELECT source FROM route53query WHERE query_name = 'odd-1.example.com.'"), "rslvr-in-0abc");
  EXPECT_EQ(text(c, "SELECT source FROM route53query WHERE query_name = 'odd-2.example.com.'"), "10.0.0.5");
  EXPECT_EQ(text(c, "SELECT table_type FROM information_schema.tables WHERE table_name = 'route53query'"), "VIEW");
  // Every route53query column is there, in order, with its type.
  DuckResult cols = c.query(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'route53query' "
      "ORDER BY ordinal_position");
  ASSERT_EQ(cols.rows(), kQueryColumns.size());
  for (std::size_t i = 0; i < kQueryColumns.size(); ++i) {
    EXPECT_EQ(cols.text(0, i).value_or(""), kQueryColumns[i].name);
    std::string type = cols.text(1, i).value_or(""), want(store_type_sql(kQueryColumns[i].type));
    std::erase(type, '"');  // DuckDB quotes only the member names that need it
    std::erase(want, '"');
    EXPECT_EQ(type, want) << kQueryColumns[i].name;
  }
}

// A store taken back to the layout of schema from_version by downgrade_sql (a snapshot of its rows
// is kept) is rewritten into the current route53query_data when a writer opens it, and reads back the
// same, row for row and against the JSON lines.
void expect_migrated_row_for_row(PackedColumns& t, int from_version, const std::string& downgrade_sql) {
  auto down = run_dnslens(t.w, fmt::format("sql --db s.duckdb --write \"{} UPDATE dnslens_meta SET value = '{}'; "
                                           "CREATE TABLE snapshot AS SELECT * FROM route53query;\"",
                                           downgrade_sql, from_version));
  ASSERT_EQ(down.exit_code, 0) << down.err;
  auto up = run_dnslens(t.w, "sql --db s.duckdb --write \"SELECT 1\"");
  ASSERT_EQ(up.exit_code, 0) << up.err;
  // A long rewrite is announced.
  EXPECT_NE(up.err.find(fmt::format("converting the store from schema {} to {} ({} records)", from_version,
                                    kStoreSchemaVersion, t.lines.size())),
            std::string::npos)
      << up.err;
  DuckDatabase db(t.w.file("s.duckdb"), true);
  DuckConnection c = db.connect();
  EXPECT_EQ(text(c, "SELECT value FROM dnslens_meta WHERE key = 'schema_version'"),
            std::to_string(kStoreSchemaVersion));
  EXPECT_EQ(text(c, "SELECT table_type FROM information_schema.tables WHERE table_name = 'route53query'"), "VIEW");
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'route53query_data'"),
            static_cast<std::int64_t>(kStoredColumnCount));
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), static_cast<std::int64_t>(t.lines.size()));
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM (SELECT * FROM route53query EXCEPT ALL SELECT * FROM snapshot)"), 0);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM (SELECT * FROM snapshot EXCEPT ALL SELECT * FROM route53query)"), 0);
  EXPECT_EQ(scalar(c, "SELECT count(threat) FROM route53query_data"), 12);
  EXPECT_EQ(scalar(c, "SELECT count(query_timestamp) FROM route53query_data"), 20);
  EXPECT_EQ(scalar(c, "SELECT count(overflow) FROM route53query_data"), 2);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query_data WHERE answers IS NULL"), 2);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'route53query_data_v%'"), 0);
  t.expect_view_matches_json_lines(c);
}

// Schema 2: route53query was a table.
TEST_F(PackedColumns, ASchemaTwoStoreIsMigratedRowForRow) {
  expect_migrated_row_for_row(*this, 2,
                              "CREATE TABLE old AS SELECT * FROM route53query; DROP VIEW route53query; DROP TABLE "
                              "route53query_data; ALTER TABLE old RENAME TO route53query;");
}

// Schema 3: route53query was a view over an older route53query_data; the rows go through that view.
TEST_F(PackedColumns, ASchemaThreeStoreIsMigratedRowForRow) {
  expect_migrated_row_for_row(
      *this, 3,
      "CREATE TABLE old AS SELECT * FROM route53query; DROP VIEW route53query; DROP TABLE "
      "route53query_data; ALTER TABLE old RENAME TO route53query_data; CREATE VIEW route53query "
      "AS SELECT * FROM route53query_data;");
}

TEST(StoreSchema, AVersionOneStoreIsMigratedWhenOpened) {
  Workdir w;
  ASSERT_EQ(run_dnslens(w, "generate --records 3000 --seed 2 -o logs.jsonl").exit_code, 0);
  ASSERT_EQ(run_dnslens(w, "run logs.jsonl -o none --store s.duckdb -q").exit_code, 0);
  // What a schema-1 file looked like: route53query a table, no run_id, no ingest tables.
  auto down =
      run_dnslens(w,
                  "sql --db s.duckdb --write \"CREATE TABLE old AS SELECT * FROM route53query; DROP VIEW "
                  "route53query; DROP TABLE route53query_data; ALTER TABLE old RENAME TO route53query; "
                  "ALTER TABLE findings DROP COLUMN run_id; DROP TABLE ingest_requests; DROP TABLE dead_letters; "
                  "UPDATE dnslens_meta SET value = '1'\"");
  ASSERT_EQ(down.exit_code, 0) << down.err;
  std::int64_t findings_before = 0;
  std::int64_t records_before = 0;
  {
    DuckDatabase db(w.file("s.duckdb"), true);
    DuckConnection c = db.connect();
    findings_before = scalar(c, "SELECT count(*) FROM findings");
    records_before = scalar(c, "SELECT count(*) FROM route53query");
    ASSERT_GT(findings_before, 0);
  }
  auto r = run_dnslens(w, "run logs.jsonl -o none --store s.duckdb -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  DuckDatabase db(w.file("s.duckdb"), true);
  DuckConnection c = db.connect();
  EXPECT_EQ(text(c, "SELECT value FROM dnslens_meta WHERE key = 'schema_version'"),
            std::to_string(kStoreSchemaVersion));
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM findings WHERE run_id IS NULL"), findings_before);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM findings WHERE run_id IS NOT NULL"), findings_before);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM ingest_requests"), 0);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), 2 * records_before);
}

}  // namespace
}  // namespace dnslens
