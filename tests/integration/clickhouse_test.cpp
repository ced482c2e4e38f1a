// dnslens on a real ClickHouse cluster: 2 shards x 2 replicas and a ZooKeeper on loopback, from Debian's
// packages, started by scripts/clickhouse-cluster.sh for this suite and stopped after it. The schema is
// created through one node and seen on all; a run stores the same rows in ClickHouse as in the DuckDB
// store (compared aggregate by aggregate, read through another replica); a dead replica does not stop a
// load; an unreachable server or a missing schema is a clear error.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "cli_harness.hpp"
#include "core/error.hpp"
#include "store/clickhouse/clickhouse_client.hpp"
#include "store/clickhouse/clickhouse_schema.hpp"
#include "store/duckdb_api.hpp"

namespace dnslens::testing {
namespace {

struct Cluster {
  std::string dir;
  std::map<std::string, std::string> env;  // cluster.env
  std::string url(int shard, int replica) const {
    return env.at("CLICKHOUSE_" + std::to_string(shard) + "_" + std::to_string(replica) + "_URL");
  }
  int pid(int shard, int replica) const {
    return std::atoi(env.at("CLICKHOUSE_" + std::to_string(shard) + "_" + std::to_string(replica) + "_PID").c_str());
  }
};

const std::string kScript = std::string(DNSLENS_SOURCE_DIR) + "/scripts/clickhouse-cluster.sh";

class ClickHouseCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new Cluster;
    char tmpl[] = "/tmp/dnslens-clickhouse-XXXXXX";
    cluster_->dir = mkdtemp(tmpl);
    const std::string cmd = kScript + " start " + cluster_->dir + " 2 2 > " + cluster_->dir + "/start.log 2>&1";
    started_ = std::system(cmd.c_str()) == 0;
    std::ifstream env(cluster_->dir + "/cluster.env");
    std::string line;
    while (std::getline(env, line)) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) cluster_->env[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  static void TearDownTestSuite() {
    (void)std::system((kScript + " stop " + cluster_->dir).c_str());
    std::filesystem::remove_all(cluster_->dir);
    delete cluster_;
  }
  void SetUp() override {
    if (!started_) {
      std::ifstream log(cluster_->dir + "/start.log");
      std::stringstream text;
      text << log.rdbuf();
      FAIL() << "the ClickHouse cluster did not start (scripts/install-deps.sh installs clickhouse-server and "
                "zookeeper):\n"
             << text.str();
    }
  }
  static ClickHouseClient client(int shard, int replica, const std::string& database = "dnslens") {
    ClickHouseConfig c;
    c.url = cluster_->url(shard, replica);
    c.database = database;
    c.max_retries = 1;
    return ClickHouseClient(c);
  }
  static std::string ch_url(int shard = 1, int replica = 1) { return cluster_->url(shard, replica); }
  static Cluster* cluster_;
  static bool started_;
};

Cluster* ClickHouseCluster::cluster_ = nullptr;
bool ClickHouseCluster::started_ = false;

// A DuckDB result as ClickHouse's TabSeparated writes it (NULL as \N).
std::string duck_tsv(DuckConnection& conn, const std::string& sql) {
  DuckResult r = conn.query(sql);
  std::string out;
  for (std::size_t row = 0; row < r.rows(); ++row) {
    for (std::size_t col = 0; col < r.columns(); ++col) {
      if (col) out += '\t';
      out += r.text(col, row).value_or("\\N");
    }
    out += '\n';
  }
  return out;
}

TEST_F(ClickHouseCluster, InitCreatesTheSchemaOnEveryNodeAndIsIdempotent) {
  Workdir w;
  const std::string args =
      "clickhouse init --clickhouse " + ch_url(1, 1) + " --clickhouse-cluster dnslens --clickhouse-database init_test";
  RunResult first = run_dnslens(w, args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("schema version 1 (was 0)"), std::string::npos) << first.out;
  RunResult again = run_dnslens(w, args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("schema version 1 (was 1)"), std::string::npos) << again.out;
  const ClickHouseDialect d = clickhouse_dialect(client(1, 1).version());
  std::string expected;
  for (const auto& c : clickhouse_query_columns(d)) expected += c.name + "\n";
  for (int s = 1; s <= 2; ++s) {
    for (int r = 1; r <= 2; ++r) {
      ClickHouseClient c = client(s, r, "init_test");
      c.query("SYSTEM SYNC REPLICA init_test.dnslens_schema");  // the version row was written through 1/1
      // The Distributed table has exactly the columns RowBinary rows carry, in their order.
      EXPECT_EQ(c.query("SELECT name FROM system.columns WHERE database = 'init_test' AND table = 'route53query' "
                        "FORMAT TabSeparated"),  // in the table's order
                expected)
          << "node " << s << "/" << r;
      ClickHouseSchemaOptions options;
      options.database = "init_test";
      EXPECT_EQ(clickhouse_schema_version(c, options), 1) << "node " << s << "/" << r;
      EXPECT_EQ(c.query("SELECT engine FROM system.tables WHERE database = 'init_test' AND name = "
                        "'route53query_local'"),
                "ReplicatedMergeTree\n");
    }
  }
}

TEST_F(ClickHouseCluster, ARunStoresWhatTheDuckDbStoreHolds) {
  Workdir w;
  RunResult gen = run_dnslens(w, "generate --records 30000 --seed 11 -o day.jsonl.gz");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string db = "run_test";
  RunResult init = run_dnslens(
      w, "clickhouse init --clickhouse " + ch_url(1, 1) + " --clickhouse-cluster dnslens --clickhouse-database " + db);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  // A replica down does not stop the load: its shard's other replica takes the rows.
  ASSERT_EQ(::kill(cluster_->pid(1, 2), SIGKILL), 0);
  // Threat intel and a firewall policy, so the threat_* and firewall_sim_* columns hold values too.
  w.write("intel.csv",
          "indicator,type,confidence,actor,category\nc2-beacon.xyz,domain,90,Beacon Crew,c2\n"
          "evil-tunnel.net,domain,70,Tunnel Folk,exfiltration\n");
  w.write("policy.yaml",
          "version: 1\ndomain_lists:\n  bad: [\"*.c2-beacon.xyz\", c2-beacon.xyz]\nrule_groups:\n  g:\n    rules:\n"
          "      - {name: block-c2, priority: 100, action: BLOCK, block_response: NXDOMAIN, domain_list: bad}\n"
          "      - {name: dga, priority: 200, action: ALERT, threat_protection: DGA, confidence: HIGH}\n");
  RunResult run = run_dnslens(w,
                              "run day.jsonl.gz -j 2 -o /dev/null --intel intel.csv --firewall-policy policy.yaml "
                              "--store day.duckdb --clickhouse " +
                                  ch_url(2, 1) + " --clickhouse-cluster dnslens --clickhouse-database " + db);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("clickhouse    "), std::string::npos) << run.err;

  ClickHouseClient ch = client(2, 2, db);  // another node than the one loaded through
  // The insert returned once one replica of each shard had the rows: let the others catch up.
  for (int s = 1; s <= 2; ++s) client(s, s == 1 ? 1 : 2, db).query("SYSTEM SYNC REPLICA " + db + ".route53query_local");
  DuckDatabase duck(w.file("day.duckdb"), /*read_only=*/true);
  DuckConnection conn = duck.connect();
  struct Pair {
    std::string clickhouse, duckdb;
  };
  const std::vector<Pair> same = {
      {"SELECT count(), uniqExact(registered_domain), uniqExact(query_name), sum(length(answers.Rdata)) FROM "
       "route53query",
       "SELECT count(*), count(DISTINCT registered_domain), count(DISTINCT query_name), sum(len(answers)) FROM "
       "route53query"},
      {"SELECT rcode, count() FROM route53query GROUP BY rcode ORDER BY rcode",
       "SELECT rcode, count(*) FROM route53query GROUP BY rcode ORDER BY rcode"},
      {"SELECT registered_domain, count() AS n FROM route53query GROUP BY registered_domain ORDER BY n DESC, "
       "registered_domain LIMIT 15",
       "SELECT registered_domain, count(*) AS n FROM route53query GROUP BY registered_domain ORDER BY n DESC, "
       "registered_domain LIMIT 15"},
      {"SELECT toString(toStartOfHour(query_ts)) AS h, count() FROM route53query GROUP BY h ORDER BY h",
       "SELECT strftime(date_trunc('hour', query_ts), '%Y-%m-%d %H:%M:%S'), count(*) FROM route53query GROUP BY 1 "
       "ORDER BY 1"},
      {"SELECT srcids.instance AS i, count() AS n FROM route53query GROUP BY i ORDER BY n DESC, i LIMIT 10",
       "SELECT srcids.instance, count(*) FROM route53query GROUP BY srcids.instance ORDER BY 2 DESC, 1 LIMIT 10"},
      {"SELECT countIf(firewall_rule_action = 'BLOCK'), countIf(isMatchedDomain = 'Y'), countIf(threat_indicator IS "
       "NOT NULL), countIf(tld_valid = 1), round(sum(dga_score), 2), sum(name_length) FROM route53query",
       "SELECT count(*) FILTER (WHERE firewall_rule_action = 'BLOCK'), count(*) FILTER (WHERE isMatchedDomain = 'Y'), "
       "count(threat_indicator), count(*) FILTER (WHERE tld_valid), round(sum(dga_score), 2), sum(name_length) FROM "
       "route53query"},
      {"SELECT query_name, answers.Rdata[1], answers.Type[1], srcport, query_timestamp FROM route53query WHERE "
       "length(answers.Rdata) > 0 ORDER BY query_timestamp, query_name, srcaddr, srcport LIMIT 5",
       "SELECT query_name, answers[1].\"Rdata\", answers[1].\"Type\", srcport, query_timestamp FROM route53query "
       "WHERE len(answers) > 0 ORDER BY query_timestamp, query_name, srcaddr, srcport LIMIT 5"},
      {"SELECT countIf(threat_indicator IS NOT NULL), countIf(firewall_sim_action = 'BLOCK'), "
       "countIf(firewall_sim_rule = 'dga') FROM route53query",
       "SELECT count(threat_indicator), count(*) FILTER (WHERE firewall_sim_action = 'BLOCK'), count(*) FILTER "
       "(WHERE firewall_sim_rule = 'dga') FROM route53query"},
  };
  // Whole rows, every column but the floating-point ones (printed differently by the two engines), where
  // intel or the firewall policy said something: a column written in the wrong place shows here.
  std::string columns, duck_columns;  // booleans are 1/0 in ClickHouse, true/false in DuckDB
  for (const auto& c : clickhouse_query_columns(ClickHouseDialect{})) {
    if (c.type.find("Float") != std::string::npos || c.name.starts_with("answers.") || c.name == "query_ts" ||
        c.name.starts_with("srcids."))
      continue;
    const bool boolean = c.type.find("UInt8") != std::string::npos;
    columns += (columns.empty() ? "" : ", ") + c.name;
    duck_columns += (duck_columns.empty() ? "" : ", ") + (boolean ? "CAST(" + c.name + " AS INTEGER)" : c.name);
  }
  const std::string where =
      " FROM route53query WHERE threat_indicator IS NOT NULL OR firewall_sim_action IS NOT NULL ORDER BY "
      "query_timestamp, query_name, srcaddr, srcport LIMIT 12";
  const std::string duck_rows =
      duck_tsv(conn, "SELECT " + duck_columns + ", srcids.instance, srcids.resolver_endpoint, len(answers)" + where);
  EXPECT_NE(duck_rows.find("Beacon Crew"), std::string::npos) << duck_rows;
  EXPECT_NE(duck_rows.find("block-c2"), std::string::npos) << duck_rows;
  EXPECT_EQ(ch.query("SELECT " + columns + ", srcids.instance, srcids.resolver_endpoint, length(answers.Rdata)" +
                         where + " FORMAT TabSeparated",
                     {{"database", db}}),
            duck_rows);
  for (const auto& p : same) {
    const std::string from_duck = duck_tsv(conn, p.duckdb);
    EXPECT_FALSE(from_duck.empty()) << p.duckdb;
    EXPECT_EQ(ch.query(p.clickhouse + " FORMAT TabSeparated", {{"database", db}}), from_duck) << p.clickhouse;
  }
}

// Uncompressed inserts (--clickhouse-no-gzip) store the same rows, into one server's plain MergeTree.
TEST_F(ClickHouseCluster, UncompressedInsertsStoreTheSameRows) {
  Workdir w;
  RunResult gen = run_dnslens(w, "generate --records 5000 --seed 3 -o day.jsonl");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  // One server's own tables (no cluster): an earlier test of this process may have killed a replica.
  const std::string common = " --clickhouse " + ch_url(1, 1) + " --clickhouse-database ";
  for (const std::string db : {"gzip_test", "plain_test"}) {
    RunResult init = run_dnslens(w, "clickhouse init" + common + db);
    ASSERT_EQ(init.exit_code, 0) << init.err;
    RunResult run = run_dnslens(w, "run day.jsonl -j 2 --no-detect -o /dev/null" + common + db +
                                       (db == "plain_test" ? " --clickhouse-no-gzip" : ""));
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  const std::string sql = "SELECT count(), uniqExact(query_name), sum(length(answers.Rdata)), max(query_ts) FROM ";
  ClickHouseClient c = client(1, 1);
  const std::string gzip = c.query(sql + "gzip_test.route53query");
  const std::string day = w.read("day.jsonl");
  EXPECT_EQ(gzip.substr(0, gzip.find('\t')), std::to_string(std::count(day.begin(), day.end(), '\n')));
  EXPECT_EQ(c.query(sql + "plain_test.route53query"), gzip);
}

TEST_F(ClickHouseCluster, AnUnreachableServerOrAMissingSchemaIsAClearError) {
  Workdir w;
  w.write("one.jsonl", record("www.example.com.") + "\n");
  RunResult missing = run_dnslens(w, "run one.jsonl -o /dev/null --no-detect --clickhouse " + ch_url(2, 1) +
                                         " --clickhouse-database never_initialised");
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("has no dnslens tables in database never_initialised: run dnslens clickhouse init first"),
            std::string::npos)
      << missing.err;
  RunResult down = run_dnslens(w, "clickhouse init --clickhouse-retries 1 --clickhouse http://127.0.0.1:1");
  EXPECT_NE(down.exit_code, 0);
  EXPECT_NE(down.err.find("ClickHouse at http://127.0.0.1:1"), std::string::npos) << down.err;
  RunResult bad_url = run_dnslens(w, "clickhouse init --clickhouse ftp://x");
  EXPECT_EQ(bad_url.exit_code, 1);
  EXPECT_NE(bad_url.err.find("--clickhouse takes http(s)://"), std::string::npos) << bad_url.err;
  // The server's own message, without its stack trace.
  try {
    (void)client(2, 1).query("SELECT no_such_column FROM system.one");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("Code: 47"), std::string::npos) << what;
    EXPECT_NE(what.find("no_such_column"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace dnslens::testing
