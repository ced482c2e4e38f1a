// Athena's SQL in `dnslens sql`: the queries of the AWS blog and of the Athena user guide's Route 53
// Resolver examples run as written on the store, one test per form, each with answers that can be checked
// from the records loaded.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli_harness.hpp"

namespace dnslens {
namespace {

using testing::record;
using testing::run_dnslens;
using testing::Workdir;

std::string with_answer(const std::string& name, const std::string& ts, const std::string& rdata) {
  std::string line = record(name, ts);
  line.replace(line.find("\"answers\":[]"), 12, R"("answers":[{"Rdata":")" + rdata + R"(","Type":"A","Class":"IN"}])");
  return line;
}

class AthenaSql : public ::testing::Test {
 protected:
  void SetUp() override {
    w_.write("day.jsonl", with_answer("a.example.com.", "2020-09-24T00:05:00Z", "203.0.113.16") + "\n" +
                              record("b.watched.org.", "2020-09-24T07:59:59Z") + "\n" +
                              with_answer("c.example.com.", "2020-09-24T09:00:00Z", "198.51.100.1") + "\n");
    w_.write("interesting.txt", "watched.org\n");
    const auto run = run_dnslens(w_, "run day.jsonl -o none --store s.duckdb --interesting interesting.txt -q");
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  // The statement's rows as CSV; a failure shows DuckDB's message.
  std::string csv(const std::string& sql) {
    w_.write("q.sql", sql + ";\n");
    const auto r = run_dnslens(w_, "sql --db s.duckdb --format csv", w_.file("q.sql"));
    EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
    EXPECT_EQ(r.err, "") << sql;
    return r.out;
  }
  Workdir w_;
};

TEST_F(AthenaSql, TheBlogsQueryOnTheDefaultDatabase) {
  EXPECT_EQ(
      csv("SELECT query_name,srcaddr,srcids,vpc_id\nFROM \"default\".\"route53query\"\nWHERE isMatchedDomain = 'Y'"),
      "query_name,srcaddr,srcids,vpc_id\n"
      R"(b.watched.org.,10.0.0.5,"{""instance"":""i-0abc"",""resolver_endpoint"":null,""resolver_network_interface"":null}",vpc-7example)"
      "\n");
  EXPECT_EQ(csv("SELECT count(*) AS n FROM route53query"), "n\n3\n");  // unqualified too
}

TEST_F(AthenaSql, TheUserGuidesTableNameAndOrder) {
  EXPECT_EQ(csv("SELECT query_name FROM \"r53_rlogs\" ORDER BY query_timestamp DESC"),
            "query_name\nc.example.com.\nb.watched.org.\na.example.com.\n");
}

TEST_F(AthenaSql, ParseDatetimeWithTheUserGuidesJodaPatterns) {
  // Example 2 of the Athena user guide, its patterns as written (the first ends in an open quote).
  EXPECT_EQ(csv("SELECT query_timestamp, srcids.instance, srcaddr, srcport, query_name, rcode\nFROM \"r53_rlogs\"\n"
                "WHERE (parse_datetime(query_timestamp,'yyyy-MM-dd''T''HH:mm:ss''Z')\n"
                "     BETWEEN parse_datetime('2020-09-24-00:00:00','yyyy-MM-dd-HH:mm:ss') \n"
                "     AND parse_datetime('2020-09-24-08:00:00','yyyy-MM-dd-HH:mm:ss'))\n"
                "ORDER BY query_timestamp DESC"),
            "query_timestamp,instance,srcaddr,srcport,query_name,rcode\n"
            "2020-09-24T07:59:59Z,i-0abc,10.0.0.5,5353,b.watched.org.,NOERROR\n"
            "2020-09-24T00:05:00Z,i-0abc,10.0.0.5,5353,a.example.com.,NOERROR\n");
  // Every record's text parses to its query_ts.
  EXPECT_EQ(csv("SELECT count(*) AS n FROM r53_rlogs WHERE parse_datetime(query_timestamp, "
                "'yyyy-MM-dd''T''HH:mm:ss''Z') = query_ts"),
            "n\n3\n");
}

TEST_F(AthenaSql, CardinalityOfAnswers) {
  EXPECT_EQ(csv("SELECT query_name FROM \"r53_rlogs\" WHERE cardinality(answers) = 0"), "query_name\nb.watched.org.\n");
}

TEST_F(AthenaSql, CrossJoinUnnestOfAnswers) {
  EXPECT_EQ(csv("SELECT query_name, answer.Rdata FROM \"r53_rlogs\" CROSS JOIN UNNEST(r53_rlogs.answers) as "
                "st(answer) WHERE answer.Rdata='203.0.113.16'"),
            "query_name,Rdata\na.example.com.,203.0.113.16\n");
}

TEST_F(AthenaSql, LikeOnTheQueryName) {
  EXPECT_EQ(csv("SELECT query_name FROM \"r53_rlogs\" WHERE query_name LIKE '%example.com%' ORDER BY 1"),
            "query_name\na.example.com.\nc.example.com.\n");
}

TEST_F(AthenaSql, Iso8601AndUnixTimes) {
  EXPECT_EQ(csv("SELECT count(*) AS n FROM route53query WHERE from_iso8601_timestamp(query_timestamp) >= "
                "from_iso8601_timestamp('2020-09-24T08:00:00Z')"),
            "n\n1\n");
  EXPECT_EQ(csv("SELECT to_unixtime(query_ts) AS t, from_unixtime(1600905900) = "
                "from_iso8601_timestamp('2020-09-24T00:05:00Z') AS same FROM route53query ORDER BY query_ts LIMIT 1"),
            "t,same\n1600905900.0,true\n");
}

TEST_F(AthenaSql, DateParseAndDateFormatWithMySqlSpecifiers) {
  EXPECT_EQ(csv("SELECT date_format(query_ts, '%Y-%m-%d %H:%i:%s %W %c/%e %r') AS f FROM route53query "
                "WHERE query_ts = date_parse('2020-09-24 07:59:59', '%Y-%m-%d %H:%i:%s')"),
            "f\n2020-09-24 07:59:59 Thursday 9/24 07:59:59 AM\n");
}

TEST_F(AthenaSql, JsonExtractScalarRegexpLikeAndApproxDistinct) {
  EXPECT_EQ(csv("SELECT json_extract_scalar('{\"a\":{\"b\":\"x\"}}', '$.a.b') AS s, "
                "json_extract_scalar('{\"a\":{\"b\":\"x\"}}', '$.a') AS o, "
                "regexp_like('b.watched.org.', 'watched\\.org\\.$') AS r, "
                "(SELECT approx_distinct(registered_domain) FROM route53query) AS d"),
            "s,o,r,d\nx,,true,2\n");
}

// from_iso8601_timestamp and from_unixtime are times WITH TIME ZONE: they compare with query_ts in UTC and
// format with date_format, whatever the machine's zone.
TEST_F(AthenaSql, TimesWithAZoneAreUtcWhateverTheMachinesZone) {
  ::setenv("TZ", "Asia/Tokyo", 1);
  EXPECT_EQ(csv("SELECT count(*) AS n FROM route53query WHERE query_ts >= "
                "from_iso8601_timestamp('2020-09-24T07:59:59Z')"),
            "n\n2\n");
  EXPECT_EQ(csv("SELECT date_format(from_unixtime(1600905900), '%Y-%m-%d %H:%i') AS f, "
                "parse_datetime('1970-01-01 00:00:00', 'yyyy-MM-dd HH:mm:ss') < from_unixtime(3600) AS before"),
            "f,before\n2020-09-24 00:05,true\n");
  ::unsetenv("TZ");
}

// A store path that is not UTF-8 cannot go into SQL text as it is: a clear error, no file of another name.
TEST_F(AthenaSql, AStorePathThatIsNotUtf8IsRefused) {
  const auto r = run_dnslens(w_, "sql --write --db 'x\xe9.duckdb' \"SELECT 1\"");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is not valid UTF-8"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(w_.file("x\\xe9.duckdb")));
}

TEST_F(AthenaSql, APatternTrinoRejectsIsAnErrorNamingIt) {
  w_.write("q.sql", "SELECT parse_datetime('2020', 'yyyy GG');\n");
  const auto r = run_dnslens(w_, "sql --db s.duckdb", w_.file("q.sql"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Joda-Time pattern 'yyyy GG': the letter 'G' is not supported"), std::string::npos) << r.err;
  w_.write("q.sql", "SELECT parse_datetime('2020-13-01', 'yyyy-MM-dd');\n");
  const auto bad = run_dnslens(w_, "sql --db s.duckdb", w_.file("q.sql"));
  EXPECT_NE(bad.err.find("'2020-13-01' is not a date"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace dnslens
