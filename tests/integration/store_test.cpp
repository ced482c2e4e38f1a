// The embedded DuckDB store end to end: a real database file written by `dnslens run --store`,
// read back with DuckDB and with `dnslens sql`, compared against the enriched JSON lines of the same
// run; hostile strings; loading twice; read-only SQL.
#include <gtest/gtest.h>

#include <map>

#include <simdjson.h>

#include "cli_harness.hpp"
#include "store/duckdb_api.hpp"
#include "store_harness.hpp"

namespace dnslens {
namespace {

using testing::lines_of;
using testing::record;
using testing::run_dnslens;
using testing::scalar;
using testing::Workdir;

TEST(StoreCli, HoldsEveryRecordAndFindingOfTheRunWithTheSameValues) {
  Workdir w;
  ASSERT_EQ(run_dnslens(w, "generate --records 30000 --seed 5 -o logs.jsonl.gz --interesting-out bad.txt").exit_code,
            0);
  auto r = run_dnslens(
      w, "run logs.jsonl.gz -o out.jsonl -j2 --interesting bad.txt --store s.duckdb --summary-json sum.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = lines_of(w.read("out.jsonl"));
  ASSERT_GT(out.size(), 30000u);
  // Count in the JSON what the SQL below counts.
  simdjson::dom::parser parser;
  std::map<std::string, std::int64_t> by_type;
  std::int64_t matched = 0, nx_with_answers = 0;
  double entropy_sum = 0;
  for (const auto& line : out) {
    simdjson::dom::element e = parser.parse(line);
    ++by_type[std::string(std::string_view(e["query_type"]))];
    matched += std::string_view(e["isMatchedDomain"]) == "Y";
    entropy_sum += double(e["name_entropy"]);
    nx_with_answers += std::string_view(e["rcode"]) == "NXDOMAIN" && simdjson::dom::array(e["answers"]).size() > 0;
  }
  ASSERT_GT(matched, 0);
  DuckDatabase db(w.file("s.duckdb"), true);
  DuckConnection c = db.connect();
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), static_cast<std::int64_t>(out.size()));
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query WHERE isMatchedDomain = 'Y'"), matched);
  for (const auto& [type, n] : by_type) {
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query WHERE query_type = " + sql_quote(type)), n) << type;
  }
  EXPECT_NEAR(c.query("SELECT sum(name_entropy) FROM route53query").real(0, 0), entropy_sum, 0.01 * out.size());
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query WHERE rcode = 'NXDOMAIN' AND len(answers) > 0"),
            nx_with_answers);
  // Typed columns: the timestamp, the answers list and the srcids struct.
  EXPECT_EQ(
      scalar(c,
             "SELECT count(*) FROM route53query WHERE query_ts IS NULL OR strftime(query_ts, '%Y-%m-%dT%H:%M:%SZ') "
             "<> query_timestamp"),
      0);
  EXPECT_EQ(scalar(c,
                   "SELECT count(*) FROM route53query WHERE source IS DISTINCT FROM coalesce(srcids.instance, "
                   "srcids.resolver_endpoint, srcaddr)"),
            0);
  EXPECT_GT(scalar(c, "SELECT count(*) FROM (SELECT unnest(answers) AS a FROM route53query) WHERE a.Type = 'A'"), 0);
  // One record compared field by field with its JSON line.
  simdjson::dom::element first = parser.parse(out[0]);
  const std::string name{std::string_view(first["query_name"])};
  const std::string ts{std::string_view(first["query_timestamp"])};
  DuckResult row = c.query(
      "SELECT registered_domain, subdomain, srcport, dga_score, tld_valid FROM route53query WHERE query_name = " +
      sql_quote(name) + " AND query_timestamp = " + sql_quote(ts) + " LIMIT 1");
  ASSERT_EQ(row.rows(), 1u);
  EXPECT_EQ(row.text(0, 0).value_or(""), std::string_view(first["registered_domain"]));
  if (first["subdomain"].is_null())
    EXPECT_FALSE(row.text(1, 0).has_value());
  else
    EXPECT_EQ(row.text(1, 0).value_or(""), std::string_view(first["subdomain"]));
  EXPECT_EQ(row.int64(2, 0), std::stoll(std::string(std::string_view(first["srcport"]))));
  EXPECT_NEAR(row.real(3, 0), double(first["dga_score"]), 0.0006);
  EXPECT_EQ(row.text(4, 0).value_or(""), bool(first["tld_valid"]) ? "true" : "false");
  // Findings: the same set as the findings file.
  const auto findings = lines_of(w.read("dnslens-findings.jsonl"));
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM findings"), static_cast<std::int64_t>(findings.size()));
  for (const auto& f : findings) {
    simdjson::dom::element e = parser.parse(f);
    const std::string type{std::string_view(e["finding_type"])};
    const std::string source{std::string_view(e["source"])};
    EXPECT_EQ(
        scalar(c, "SELECT count(*) FROM findings WHERE finding_type = " + sql_quote(type) +
                      " AND source = " + sql_quote(source) + " AND events = " + std::to_string(int64_t(e["events"])) +
                      " AND json_array_length(evidence::JSON) = " + std::to_string(e["evidence"].get_array().size())),
        1)
        << f;
  }
  // The summary reports the load.
  simdjson::padded_string summary(w.read("sum.json"));
  simdjson::dom::element s = parser.parse(summary);
  EXPECT_EQ(uint64_t(s["store"]["records"]), out.size());
}

TEST(StoreCli, HostileStringsAreStoredVisiblyAndTheRecordsAroundThemToo) {
  Workdir w;
  // \\255 decodes to a byte that is not UTF-8; \u0000 is a NUL; both must reach the table without
  // breaking it, and the good records on either side must too.
  w.write("in.jsonl", record("good-one.example.com.") + "\n" + record("bad\\\\255name.example.com.") + "\n" +
                          record("nul\\u0000byte.example.com.") + "\n" + record("good-two.example.com.") + "\n");
  auto r = run_dnslens(w, "run in.jsonl -o out.jsonl -j1 --store s.duckdb");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  DuckDatabase db(w.file("s.duckdb"), true);
  DuckConnection c = db.connect();
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), 4);
  EXPECT_EQ(
      scalar(
          c,
          "SELECT count(*) FROM route53query WHERE query_name IN ('good-one.example.com.', 'good-two.example.com.')"),
      2);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query WHERE query_name_normalized = 'bad\\xadname.example.com'"), 1);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query WHERE query_name = 'nul\\x00byte.example.com.'"), 1);
  EXPECT_NE(r.err.find("non-UTF-8 strings kept as \\xNN"), std::string::npos) << r.err;
}

TEST(StoreCli, LoadsAddUpAndSqlIsReadOnlyByDefault) {
  Workdir w;
  w.write("a.jsonl", record("a.example.com.") + "\n" + record("b.example.com.") + "\n");
  ASSERT_EQ(run_dnslens(w, "run a.jsonl -o none --store s.duckdb -q").exit_code, 0);
  ASSERT_EQ(run_dnslens(w, "run a.jsonl -o none --store s.duckdb -q").exit_code, 0);
  auto q = run_dnslens(
      w, "sql --db s.duckdb --format csv \"SELECT query_name, count(*) AS n FROM route53query GROUP BY 1 ORDER BY 1\"");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "query_name,n\na.example.com.,2\nb.example.com.,2\n");
  auto j = run_dnslens(
      w, "sql --db s.duckdb --format json \"SELECT count(*) AS n, NULL AS x, 'a\\\"b' AS s FROM route53query\"");
  EXPECT_EQ(j.out, "{\"n\":4,\"x\":null,\"s\":\"a\\\"b\"}\n");
  auto del = run_dnslens(w, "sql --db s.duckdb \"DELETE FROM route53query_data\"");
  EXPECT_NE(del.exit_code, 0);
  EXPECT_NE(del.err.find("read-only"), std::string::npos) << del.err;
  // A statement DuckDB cannot parse is a query error with DuckDB's own message, not an I/O error.
  auto typo = run_dnslens(w, "sql --db s.duckdb \"SELEC 1\"");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("dnslens: query error: SQL failed: Parser Error"), std::string::npos) << typo.err;
  // Statements from stdin, split by DuckDB's parser (a ';' inside a string is not a split).
  w.write("q.sql", "SELECT 'x;y' AS s;\nSELECT count(*) AS n\n  FROM route53query;\n");
  auto many = run_dnslens(w, "sql --db s.duckdb --format csv", w.file("q.sql"));
  EXPECT_EQ(many.out, "s\nx;y\nn\n4\n");
  auto missing = run_dnslens(w, "sql --db nothing.duckdb \"SELECT 1\"");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no store at nothing.duckdb"), std::string::npos);
  // A store written by a newer dnslens is refused, not misread.
  ASSERT_EQ(
      run_dnslens(w, "sql --db s.duckdb --write \"UPDATE dnslens_meta SET value = '99' WHERE key = 'schema_version'\"")
          .exit_code,
      0);
  auto newer = run_dnslens(w, "run a.jsonl -o none --store s.duckdb -q");
  EXPECT_NE(newer.exit_code, 0);
  EXPECT_NE(newer.err.find("schema version 99"), std::string::npos) << newer.err;
}

// answers and srcids are a list of structs and a struct: dnslens sql prints them as JSON (DuckDB's C
// API has no text for them), in every output format, with the statement's own column names and order.
TEST(StoreCli, SqlPrintsListsAndStructsAsJson) {
  Workdir w;
  std::string line = record("x.example.com.");
  line.replace(
      line.find("\"answers\":[]"), 12,
      R"("answers":[{"Rdata":"192.0.2.7","Type":"A","Class":"IN"},{"Rdata":"x \"q\"","Type":"TXT","Class":"IN"}])");
  w.write("a.jsonl", line + "\n" + record("y.example.com.", "2021-02-04T17:51:56Z") + "\n");
  ASSERT_EQ(run_dnslens(w, "run a.jsonl -o none --store s.duckdb -q").exit_code, 0);
  // A quoted column name and a trailing comment: the rewrite keeps both working.
  w.write("q.sql", "SELECT query_name AS \"n\"\"\", answers, srcids FROM route53query ORDER BY query_ts -- last");
  auto j = run_dnslens(w, "sql --db s.duckdb --format json \"$(cat q.sql)\"");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(
      j.out,
      R"({"n\"":"x.example.com.","answers":[{"Rdata":"192.0.2.7","Type":"A","Class":"IN"},{"Rdata":"x \"q\"","Type":"TXT","Class":"IN"}],)"
      R"("srcids":{"instance":"i-0abc","resolver_endpoint":null,"resolver_network_interface":null}})"
      "\n"
      R"({"n\"":"y.example.com.","answers":[],"srcids":{"instance":"i-0abc","resolver_endpoint":null,"resolver_network_interface":null}})"
      "\n");
  auto csv = run_dnslens(w,
                         "sql --db s.duckdb --format csv \"SELECT answers[2].Rdata AS r, answers FROM route53query "
                         "ORDER BY query_ts LIMIT 1;\"");
  EXPECT_EQ(
      csv.out,
      "r,answers\n"
      R"("x ""q""","[{""Rdata"":""192.0.2.7"",""Type"":""A"",""Class"":""IN""},{""Rdata"":""x \""q\"""",""Type"":""TXT"",""Class"":""IN""}]")"
      "\n");
  // Two statements at once cannot be rewritten: the list column says so instead of passing for NULL.
  auto two =
      run_dnslens(w, "sql --db s.duckdb --format csv \"SELECT 1 AS a; SELECT answers FROM route53query LIMIT 1\"");
  EXPECT_NE(two.err.find("column 'answers' holds lists or structs"), std::string::npos) << two.err;
}

// Types DuckDB's C API gives no text for (TIMESTAMPTZ, UUID, ENUM, ...) print as DuckDB writes them; a UUID
// column once crashed the reading of its whole result.
TEST(StoreCli, SqlPrintsTypesWithoutTextAsText) {
  Workdir w;
  w.write("a.jsonl", record("x.example.com.") + "\n");
  ASSERT_EQ(run_dnslens(w, "run a.jsonl -o none --store s.duckdb -q").exit_code, 0);
  auto r = run_dnslens(w,
                       "sql --db s.duckdb --format csv \"SELECT '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS u, "
                       "TIMESTAMPTZ '2021-02-04 17:51:55+00' AS t, 'b'::ENUM('a', 'b') AS e, '101'::BIT AS b, "
                       "DATE '2021-02-04' AS d, 7 AS n\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "u,t,e,b,d,n\n6ba7b810-9dad-11d1-80b4-00c04fd430c8,2021-02-04 17:51:55+00,b,101,2021-02-04,7\n");
  // Among several statements on one line the rewrite cannot run: the result is left out with the reason, the
  // other statements still print.
  auto two = run_dnslens(w, "sql --db s.duckdb --format csv \"SELECT uuid() AS u, 1 AS x; SELECT 2 AS y\"");
  EXPECT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(two.out, "y\n2\n");
  EXPECT_NE(two.err.find("column(s) 'u'"), std::string::npos) << two.err;
}

// Fields AWS adds to the format later are kept by the store as logged (for serve it is the only copy), in
// route53query's unmapped column, and come back in the Security Lake export's OCSF unmapped.
TEST(StoreCli, KeepsFieldsAwsAddsLaterAsLogged) {
  Workdir w;
  std::string a = record("a.example.com.");
  a.insert(a.size() - 1, R"(,"edns_client_subnet":{"family":1,"prefix":"192.0.2.0/24"},"resolver_flags":["AD","RD"],)"
                         R"("note":"caf\u00e9 \"q\"","zero":0)");
  w.write("a.jsonl", a + "\n" + record("b.example.com.", "2021-02-04T17:51:56Z") + "\n");
  ASSERT_EQ(run_dnslens(w, "run a.jsonl -o none --store s.duckdb -q --no-detect").exit_code, 0);
  auto q =
      run_dnslens(w,
                  "sql --db s.duckdb --format csv \"SELECT query_name, unmapped->>'$.edns_client_subnet.prefix' "
                  "AS p, json_array_length(unmapped->'$.resolver_flags') AS n, unmapped->>'$.note' AS note, "
                  "unmapped->>'$.zero' AS z, json_keys(unmapped::JSON) AS k FROM route53query ORDER BY query_ts\"");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out,
            "query_name,p,n,note,z,k\n"
            "a.example.com.,192.0.2.0/24,2,\"caf\xc3\xa9 \"\"q\"\"\",0,"
            "\"[\"\"edns_client_subnet\"\",\"\"resolver_flags\"\",\"\"note\"\",\"\"zero\"\"]\"\n"
            "b.example.com.,,,,,\n");
  // The export puts them back beside the known fields: the event's unmapped has them, as run's OCSF does.
  auto e = run_dnslens(w, "export --db s.duckdb --security-lake lake");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto events = run_dnslens(w,
                            "sql --db s.duckdb --format csv \"SELECT query.hostname AS h, "
                            "unmapped LIKE '%192.0.2.0/24%' AND unmapped LIKE '%resolver_flags%' AS kept FROM "
                            "read_parquet('lake/ext/*/*/*/*/*.parquet', hive_partitioning = false) ORDER BY h\"");
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_EQ(events.out, "h,kept\na.example.com.,true\nb.example.com.,\n");
}

}  // namespace
}  // namespace dnslens
