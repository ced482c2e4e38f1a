// dnslens export --parquet and dnslens prune against a real store: the Parquet files are read back
// with DuckDB and compared hour by hour with the store; exporting again replaces instead of
// duplicating; retention deletes exactly what is older than the cutoff.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_harness.hpp"
#include "store/duckdb_api.hpp"
#include "store/store_export.hpp"
#include "store_harness.hpp"

namespace dnslens {
namespace {

using testing::run_dnslens;
using testing::scalar;
using testing::text;
using testing::Workdir;

// "date=YYYY-MM-DD/hour=HH" -> record count, from the Parquet files alone.
std::map<std::string, std::int64_t> parquet_hours(DuckConnection& c, const std::string& dir) {
  std::map<std::string, std::int64_t> out;
  DuckResult r =
      c.query("SELECT regexp_extract(filename, 'date=[0-9-]+/hour=[0-9]+') AS p, count(*) FROM read_parquet(" +
              sql_quote(dir + "/route53query/**/*.parquet") + ", filename = true) GROUP BY p");
  for (std::size_t i = 0; i < r.rows(); ++i) out[r.text(0, i).value_or("")] = r.int64(1, i);
  return out;
}

std::map<std::string, std::int64_t> store_hours(DuckConnection& c, const std::string& where = "true") {
  std::map<std::string, std::int64_t> out;
  DuckResult r = c.query("SELECT strftime(query_ts, 'date=%Y-%m-%d/hour=%H') AS p, count(*) FROM route53query WHERE " +
                         where + " GROUP BY p");
  for (std::size_t i = 0; i < r.rows(); ++i) out[r.text(0, i).value_or("")] = r.int64(1, i);
  return out;
}

class StoreExport : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run_dnslens(w, "generate --records 20000 --seed 11 -o logs.jsonl").exit_code, 0);
    auto r = run_dnslens(w, "run logs.jsonl -o none -j2 --store s.duckdb");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  Workdir w;
};

TEST_F(StoreExport, ParquetHoldsEveryRecordInItsHourPartitionWithTheSameValues) {
  auto r = run_dnslens(w, "export --db s.duckdb --parquet pq");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  DuckDatabase db(":memory:");
  DuckConnection c = db.connect();
  c.exec("ATTACH " + sql_quote(w.file("s.duckdb")) + " AS s (READ_ONLY)");
  c.exec("USE s");
  const auto in_store = store_hours(c);
  ASSERT_GT(in_store.size(), 12u);  // a generated day spans many hours
  EXPECT_EQ(parquet_hours(c, w.file("pq")), in_store);
  // Real Parquet with the partition columns in the path only, and the same values as the store:
  // a digest over typed columns (answers and srcids included) agrees.
  const std::string files = sql_quote(w.file("pq") + "/route53query/**/*.parquet");
  const std::string digest =
      "SELECT sum(hash(query_name, query_ts, srcport, answers, srcids, registered_domain, dga_score, "
      "isMatchedDomain)) ";
  EXPECT_EQ(text(c, digest + "FROM read_parquet(" + files + ")"), text(c, digest + "FROM route53query"));
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet(" + files +
                          ", hive_partitioning = false)) WHERE column_name IN ('date', 'hour')"),
            0);
  EXPECT_EQ(text(c, "SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet(" + files +
                        ")) WHERE column_name = 'answers'"),
            "STRUCT(Rdata VARCHAR, \"Type\" VARCHAR, \"Class\" VARCHAR)[]");
  EXPECT_EQ(
      scalar(c, "SELECT count(*) FROM read_parquet(" + sql_quote(w.file("pq") + "/findings/findings.parquet") + ")"),
      scalar(c, "SELECT count(*) FROM findings"));

  // The Athena table for the export names every Parquet column, and partitions as the folders do.
  auto ddl = run_dnslens(w, "athena-ddl --parquet --location s3://bucket/pq/route53query/");
  ASSERT_EQ(ddl.exit_code, 0) << ddl.err;
  EXPECT_NE(ddl.out.find("PARTITIONED BY (`date` string, `hour` string)\nSTORED AS PARQUET"), std::string::npos)
      << ddl.out;
  DuckResult cols = c.query("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(" + files +
                            ", hive_partitioning = false))");
  ASSERT_EQ(cols.rows(), 54u);
  for (std::size_t i = 0; i < cols.rows(); ++i) {
    EXPECT_NE(ddl.out.find("`" + cols.text(0, i).value_or("") + "` "), std::string::npos)
        << cols.text(0, i).value_or("");
  }

  // Exporting again replaces the hours instead of adding to them.
  ASSERT_EQ(run_dnslens(w, "export --db s.duckdb --parquet pq").exit_code, 0);
  EXPECT_EQ(parquet_hours(c, w.file("pq")), in_store);
}

TEST_F(StoreExport, ARangeReplacesOnlyItsHours) {
  ASSERT_EQ(run_dnslens(w, "export --db s.duckdb --parquet pq").exit_code, 0);
  DuckDatabase db(w.file("s.duckdb"), true);
  DuckConnection c = db.connect();
  // Stray data in an hour the range covers is replaced; an hour outside it keeps its files.
  const std::string first_hour = text(c, "SELECT strftime(min(query_ts), '%Y-%m-%dT%H:00:00Z') FROM route53query");
  const std::string third_hour =
      text(c, "SELECT strftime(min(query_ts) + INTERVAL 2 HOUR, '%Y-%m-%dT%H:00:00Z') FROM route53query");
  const std::string first_dir = w.file("pq") + "/route53query/" +
                                text(c, "SELECT strftime(min(query_ts), 'date=%Y-%m-%d/hour=%H') FROM route53query");
  const std::string second_dir =
      w.file("pq") + "/route53query/" +
      text(c, "SELECT strftime(min(query_ts) + INTERVAL 1 HOUR, 'date=%Y-%m-%d/hour=%H') FROM route53query");
  std::filesystem::copy_file(first_dir + "/dnslens_0.parquet", second_dir + "/stray.parquet");
  std::filesystem::copy_file(second_dir + "/dnslens_0.parquet", first_dir + "/kept.parquet");
  // --from inside the first hour rounds down to it; --to is exclusive.
  auto r = run_dnslens(
      w, "export --db s.duckdb --parquet pq --from " + first_hour.substr(0, 14) + "30:00Z --to " + third_hour);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("in 2 hour partitions"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(second_dir + "/stray.parquet"));
  EXPECT_FALSE(std::filesystem::exists(first_dir + "/kept.parquet")) << "the first hour is in the range too";
  EXPECT_EQ(parquet_hours(c, w.file("pq")), store_hours(c));

  EXPECT_EQ(run_dnslens(w, "export --db s.duckdb --parquet pq --from 2024-01-02 --to 2024-01-01").exit_code, 1);
  EXPECT_EQ(run_dnslens(w, "export --db s.duckdb --parquet pq --compression lz9").exit_code, 1);
  EXPECT_EQ(run_dnslens(w, "export --db missing.duckdb --parquet pq").exit_code, 1);
}

TEST_F(StoreExport, PruneDeletesExactlyWhatIsOlderThanTheCutoff) {
  std::string cutoff;
  std::int64_t older = 0, total = 0, findings_older = 0;
  {
    DuckDatabase db(w.file("s.duckdb"), true);
    DuckConnection c = db.connect();
    cutoff = text(c, "SELECT strftime(min(query_ts) + INTERVAL 6 HOUR, '%Y-%m-%dT%H:%M:%SZ') FROM route53query");
    const std::string at = "TIMESTAMP '" + cutoff.substr(0, 19) + "'";
    older = scalar(c, "SELECT count(*) FROM route53query WHERE query_ts < " + at);
    total = scalar(c, "SELECT count(*) FROM route53query");
    findings_older = scalar(c, "SELECT count(*) FROM findings WHERE last_seen < " + at);
  }
  ASSERT_GT(older, 0);
  ASSERT_LT(older, total);
  auto dry = run_dnslens(w, "prune --db s.duckdb --before " + cutoff + " --dry-run");
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.err.find("would delete " + std::to_string(older) + " records and " + std::to_string(findings_older) +
                         " findings"),
            std::string::npos)
      << dry.err;
  auto r = run_dnslens(w, "prune --db s.duckdb --before " + cutoff);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    DuckDatabase db(w.file("s.duckdb"), true);  // closed again before the next prune takes the write lock
    DuckConnection c = db.connect();
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query"), total - older);
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM route53query WHERE query_ts < TIMESTAMP '" + cutoff.substr(0, 19) + "'"),
              0);
  }
  // A 10000-week age keeps everything; malformed ages and a missing cutoff are usage errors.
  EXPECT_EQ(run_dnslens(w, "prune --db s.duckdb --older-than 10000w").exit_code, 0);
  EXPECT_EQ(run_dnslens(w, "prune --db s.duckdb --older-than 30x").exit_code, 1);
  EXPECT_EQ(run_dnslens(w, "prune --db s.duckdb").exit_code, 1);
}

TEST(StoreRetention, AgesParse) {
  EXPECT_EQ(parse_age_ms("30d"), 30LL * 86'400'000);
  EXPECT_EQ(parse_age_ms("12h"), 12LL * 3'600'000);
  EXPECT_EQ(parse_age_ms("90m"), 90LL * 60'000);
  EXPECT_EQ(parse_age_ms("2w"), 14LL * 86'400'000);
  EXPECT_EQ(parse_age_ms("45s"), 45'000);
  for (const char* bad : {"", "d", "0d", "-1d", "1.5d", "10", "1dd", "99999999999w"}) {
    EXPECT_FALSE(parse_age_ms(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace dnslens
