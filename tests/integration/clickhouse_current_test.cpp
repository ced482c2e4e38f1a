// dnslens's current-dialect ClickHouse (DateTime64, LowCardinality, codecs, TTL, the deduplication token)
// against a current engine: ClickHouse 26 from chdb's libchdb.so (scripts/fetch-chdb.sh), behind the HTTP
// interface tests/chdb/chdb_http.cpp gives it, with the dnslens binary as it is. The schema with retention,
// a run's rows, findings, dead letters and rollups, the dashboards, sql and detect are checked against the
// DuckDB store of the same run, as the cluster tests check them on Debian's 18.16.
#include <sys/prctl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_harness.hpp"
#include "core/timestamp.hpp"
#include "dashboard_compare.hpp"
#include "server_process.hpp"
#include "store_harness.hpp"
#include "store/clickhouse/clickhouse_client.hpp"
#include "store/duckdb_api.hpp"

namespace dnslens::testing {
namespace {

class ClickHouseCurrent : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/dnslens-chdb-XXXXXX";
    dir_ = new std::string(mkdtemp(tmpl));
    const std::string port_file = *dir_ + "/port";
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Gone with the test process, even one killed at its ctest timeout.
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) _exit(127);
      const std::string log = *dir_ + "/chdb.log";
      (void)std::freopen(log.c_str(), "w", stderr);
      ::execl(DNSLENS_CHDB_HTTP, DNSLENS_CHDB_HTTP, DNSLENS_CHDB_LIBRARY, dir_->c_str(), port_file.c_str(),
              static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 1200 && port_ == 0; ++i) {  // up to 60 s: the engine loads first
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::ifstream in(port_file);
      int p = 0;
      if (in >> p) port_ = p;
      int status = 0;
      if (port_ == 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
    }
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 200 && ::waitpid(pid_, &status, WNOHANG) != pid_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ::kill(pid_, SIGKILL);
      (void)::waitpid(pid_, &status, 0);
    }
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    if (port_ == 0) {
      std::ifstream log(*dir_ + "/chdb.log");
      std::stringstream text;
      text << log.rdbuf();
      FAIL() << "chdb's ClickHouse did not start (scripts/install-deps.sh fetches libchdb.so into .deps/):\n"
             << text.str();
    }
  }
  static std::string url() { return "http://127.0.0.1:" + std::to_string(port_); }
  static std::string query(const std::string& sql, const std::string& database) {
    ClickHouseConfig c;
    c.url = url();
    c.max_retries = 0;
    return ClickHouseClient(c).query(sql, {{"database", database}});
  }
  static std::string* dir_;
  static pid_t pid_;
  static int port_;
};

std::string* ClickHouseCurrent::dir_ = nullptr;
pid_t ClickHouseCurrent::pid_ = -1;
int ClickHouseCurrent::port_ = 0;

TEST_F(ClickHouseCurrent, TheCurrentDialectStoresAndShowsWhatTheDuckDbStoreDoes) {
  Workdir w;
  RunResult gen = run_dnslens(w, "generate --records 20000 --seed 17 -o day.jsonl");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string db = "current";
  const std::string on = " --clickhouse " + url() + " --clickhouse-database " + db;
  RunResult init = run_dnslens(w, "clickhouse init --retention-days 400" + on);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_NE((init.out + init.err).find("ClickHouse 26."), std::string::npos) << init.out << init.err;
  // The current types: milliseconds, dictionary-encoded low-variety text, compressed long text, a TTL.
  const std::string types = query(
      "SELECT name, type, compression_codec FROM system.columns WHERE database = 'current' AND table = "
      "'route53query' AND name IN ('query_ts', 'rcode', 'answers.Rdata') ORDER BY name FORMAT TabSeparated",
      db);
  EXPECT_EQ(types,
            "answers.Rdata\tArray(String)\tCODEC(ZSTD(1))\nquery_ts\tDateTime64(3, \\'UTC\\')\t\n"
            "rcode\tLowCardinality(Nullable(String))\t\n");
  EXPECT_NE(
      query("SELECT create_table_query FROM system.tables WHERE database = 'current' AND name = 'route53query'", db)
          .find("TTL toDate(query_ts) + toIntervalDay(400)"),
      std::string::npos);
  // The dashboards' rollup expires with the records of its day; the others are kept.
  EXPECT_NE(
      query("SELECT create_table_query FROM system.tables WHERE database = 'current' AND name = 'traffic_hour'", db)
          .find("TTL toDate(hour) + toIntervalDay(400)"),
      std::string::npos);
  EXPECT_EQ(query("SELECT create_table_query FROM system.tables WHERE database = 'current' AND name = 'vpc_minute'", db)
                .find("TTL"),
            std::string::npos);
  RunResult again = run_dnslens(w, "clickhouse migrate" + on);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  // A dashboards' rollup that migrate creates over an existing route53query takes its TTL, without
  // --retention-days.
  query("DROP TABLE current.traffic_hour_mv", db);
  query("DROP TABLE current.traffic_hour", db);
  RunResult recreated = run_dnslens(w, "clickhouse migrate" + on);
  ASSERT_EQ(recreated.exit_code, 0) << recreated.err;
  EXPECT_NE(
      query("SELECT create_table_query FROM system.tables WHERE database = 'current' AND name = 'traffic_hour'", db)
          .find("TTL toDate(hour) + toIntervalDay(400)"),
      std::string::npos);

  w.write("intel.csv",
          "indicator,type,confidence,actor,category\nc2-beacon.xyz,domain,90,Beacon Crew,c2\n"
          "evil-tunnel.net,domain,70,Tunnel Folk,exfiltration\ngithub.com,domain,30,,watchlist\n");
  w.write("policy.yaml",
          "version: 1\ndomain_lists:\n  bad: [\"*.c2-beacon.xyz\", c2-beacon.xyz]\nrule_groups:\n  g:\n    rules:\n"
          "      - {name: block-c2, priority: 100, action: BLOCK, block_response: NXDOMAIN, domain_list: bad}\n"
          "      - {name: dga, priority: 200, action: ALERT, threat_protection: DGA, confidence: HIGH}\n");
  w.write("bad.jsonl", "{\"version\":\nnot json at all\n");
  RunResult run = run_dnslens(w,
                              "run day.jsonl bad.jsonl -j 2 -o /dev/null --intel intel.csv --firewall-policy "
                              "policy.yaml --dead-letter dead.jsonl --store day.duckdb" +
                                  on);
  ASSERT_EQ(run.exit_code, 0) << run.err;

  DuckDatabase duck(w.file("day.duckdb"), /*read_only=*/true);
  DuckConnection conn = duck.connect();
  // The rows: counts, and timestamps to the millisecond (DateTime64 from RowBinary's Int64).
  EXPECT_EQ(query("SELECT count(), uniqExact(registered_domain), countIf(firewall_rule_action = 'BLOCK'), "
                  "countIf(threat_indicator IS NOT NULL), sum(length(answers.Rdata)) FROM route53query FORMAT "
                  "TabSeparated",
                  db),
            duck_tsv(conn,
                     "SELECT count(*), count(DISTINCT registered_domain), count(*) FILTER (WHERE "
                     "firewall_rule_action = 'BLOCK'), count(threat_indicator), sum(len(answers)) FROM route53query"));
  EXPECT_EQ(query("SELECT toUnixTimestamp64Milli(query_ts), query_name, query_timestamp FROM route53query ORDER BY "
                  "query_ts, query_name, srcaddr, srcport LIMIT 5 FORMAT TabSeparated",
                  db),
            duck_tsv(conn,
                     "SELECT epoch_ms(query_ts), query_name, query_timestamp FROM route53query ORDER BY query_ts, "
                     "query_name, srcaddr, srcport LIMIT 5"));
  EXPECT_EQ(query("SELECT count() FROM findings FINAL FORMAT TabSeparated", db),
            duck_tsv(conn, "SELECT count(*) FROM findings"));
  EXPECT_EQ(query("SELECT origin, line, reason FROM dead_letters ORDER BY line FORMAT TabSeparated", db),
            "bad.jsonl\t1\tmalformed_json\nbad.jsonl\t2\tmalformed_json\n");
  EXPECT_EQ(
      query("SELECT sum(queries), sum(blocked) FROM vpc_minute FORMAT TabSeparated", db),
      duck_tsv(conn, "SELECT count(*), count(*) FILTER (WHERE firewall_rule_action = 'BLOCK') FROM route53query"));
  // The rollups computed again from the records, twice, on this server's own tables: the same again.
  const auto rollup_totals = [&] {
    return query("SELECT sum(queries), sum(blocked) FROM vpc_minute FORMAT TabSeparated", db) +
           query("SELECT sum(queries), sum(nxdomain), uniqExact(srcaddr) FROM source_domain_hour FORMAT TabSeparated",
                 db) +
           query("SELECT countMerge(queries), uniqIfMerge(subdomains) FROM subdomains_hour FORMAT TabSeparated", db) +
           query(
               "SELECT countMerge(queries), toUnixTimestamp64Milli(maxMerge(last_seen)) FROM passive_dns FORMAT "
               "TabSeparated",
               db);
  };
  const std::string totals = rollup_totals();
  EXPECT_EQ(
      totals.substr(0, totals.find('\n') + 1),
      duck_tsv(conn, "SELECT count(*), count(*) FILTER (WHERE firewall_rule_action = 'BLOCK') FROM route53query"));
  for (int i = 0; i < 2; ++i) {
    RunResult rebuilt = run_dnslens(w, "clickhouse rebuild-rollups --since 2000-01-01" + on);
    ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
    EXPECT_NE(rebuilt.out.find("passive_dns: rebuilt 1 month from route53query"), std::string::npos) << rebuilt.out;
    EXPECT_EQ(rollup_totals(), totals);
  }

  // sql --clickhouse prints what sql --db prints.
  const std::string sql =
      "\"SELECT rcode, count(*) AS n, max(query_name) AS last FROM route53query GROUP BY rcode ORDER BY rcode;\"";
  RunResult duck_out = run_dnslens(w, "sql --db day.duckdb " + sql);
  RunResult ch_out = run_dnslens(w, "sql" + on + " " + sql);
  ASSERT_EQ(ch_out.exit_code, 0) << ch_out.err;
  EXPECT_EQ(ch_out.out, duck_out.out);

  // The dashboards, panel for panel, with times in milliseconds.
  {
    Workdir wd, wc;
    testing::ServerProcess duck_server(wd, "--read-only --db " + w.file("day.duckdb"));
    testing::ServerProcess ch_server(wc, "--read-only" + on);
    ASSERT_TRUE(duck_server.started()) << duck_server.log();
    ASSERT_TRUE(ch_server.started()) << ch_server.log();
    const std::string records = duck_tsv(conn, "SELECT count(*) FROM route53query");
    expect_same_dashboards(duck_server.port(), ch_server.port(), std::stoll(records));
  }

  // detect --clickhouse reads the rows back (DateTime64) and finds what the run found (but for the threat
  // intel findings, whatever their category: detect does not apply intel again).
  const std::string range = query(
      "SELECT toUnixTimestamp(min(query_ts)), toUnixTimestamp(max(query_ts)) FROM "
      "route53query FORMAT TabSeparated",
      db);
  const std::int64_t first = std::atoll(range.c_str()), last = std::atoll(range.c_str() + range.find('\t') + 1);
  RunResult detect = run_dnslens(w, "detect" + on + " --since " + iso8601_seconds(first * 1000) + " --until " +
                                        iso8601_seconds((last + 1) * 1000));
  ASSERT_EQ(detect.exit_code, 0) << detect.err;
  const std::string expected =
      duck_tsv(conn,
               "SELECT finding_type, severity, coalesce(srcaddr, ''), coalesce(domain, ''), events FROM findings WHERE "
               "metrics NOT LIKE '%\"indicator_confidence\"%' ORDER BY ALL");
  EXPECT_GE(std::count(expected.begin(), expected.end(), '\n'), 5) << expected;
  EXPECT_EQ(
      query("SELECT finding_type, severity, ifNull(srcaddr, '') AS a, ifNull(domain, '') AS d, events FROM "
            "findings FINAL WHERE startsWith(run_id, 'detect:') AND position(metrics, 'indicator_confidence') = 0 "
            "ORDER BY "
            "finding_type, severity, a, d, events "
            "FORMAT TabSeparated",
            db),
      expected);
}

}  // namespace
}  // namespace dnslens::testing
