// dnslens on a real ClickHouse cluster: 2 shards x 2 replicas and a ZooKeeper on loopback, from Debian's
// packages, started by scripts/clickhouse-cluster.sh for this suite and stopped after it. The schema is
// created through one node and seen on all; a run stores the same rows in ClickHouse as in the DuckDB
// store (compared aggregate by aggregate, read through another replica); a dead replica does not stop a
// load; an unreachable server or a missing schema is a clear error.
#include <sys/prctl.h>

#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <atomic>
#include <thread>

#include "cli_harness.hpp"
#include "dashboard_compare.hpp"
#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "core/timestamp.hpp"
#include "server_process.hpp"
#include "store_harness.hpp"
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
  bool alive(int shard, int replica) const { return process_running(pid(shard, replica)); }  // not a zombie
};

const std::string kScript = std::string(DNSLENS_SOURCE_DIR) + "/scripts/clickhouse-cluster.sh";

class ClickHouseCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new Cluster;
    char tmpl[] = "/tmp/dnslens-clickhouse-XXXXXX";
    cluster_->dir = mkdtemp(tmpl);
    // Owned by this process: killed at a ctest timeout, it leaves no server running.
    const std::string cmd = "CLUSTER_OWNER_PID=" + std::to_string(::getpid()) + " " + kScript + " start " +
                            cluster_->dir + " 2 2 > " + cluster_->dir + "/start.log 2>&1";
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
  static bool all_replicas_alive() {
    for (int s = 1; s <= 2; ++s) {
      for (int r = 1; r <= 2; ++r) {
        if (!cluster_->alive(s, r)) return false;
      }
    }
    return true;
  }
  // Starts a replica a test killed again, with its data, and notes its new process. A failure says what
  // the script and the server logged; the caller stops there (ASSERT_NO_FATAL_FAILURE), instead of
  // waiting on a cluster short of a replica until the test's timeout.
  static void restart_replica(int shard, int replica) {
    const std::string where = std::to_string(shard) + " " + std::to_string(replica);
    const int status = std::system(
        (kScript + " restart " + cluster_->dir + " " + where + " >> " + cluster_->dir + "/start.log 2>&1").c_str());
    if (status != 0) {
      const std::string server = cluster_->dir + "/s" + std::to_string(shard) + "r" + std::to_string(replica);
      std::string logs;
      for (const std::string& f : {cluster_->dir + "/start.log", server + "/stdout.log", server + "/server.err.log"}) {
        std::ifstream in(f);
        std::stringstream text;
        text << in.rdbuf();
        const std::string all = text.str();
        logs += "--- " + f + " (last 3000 bytes)\n" + all.substr(all.size() > 3000 ? all.size() - 3000 : 0) + "\n";
      }
      FAIL() << "restarting replica " << where << " failed (status " << status << "):\n" << logs;
    }
    const std::string key = "CLICKHOUSE_" + std::to_string(shard) + "_" + std::to_string(replica) + "_PID=";
    std::ifstream env(cluster_->dir + "/cluster.env");
    for (std::string line; std::getline(env, line);) {
      if (line.starts_with(key)) cluster_->env[key.substr(0, key.size() - 1)] = line.substr(key.size());
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
  // Every live replica has what the others have of these tables (a query through the Distributed
  // tables may read any replica).
  static void sync_replicas(const std::string& db, const std::vector<std::string>& tables) {
    for (int s = 1; s <= 2; ++s) {
      for (int r = 1; r <= 2; ++r) {
        if (!cluster_->alive(s, r)) continue;  // killed by a test
        for (const auto& t : tables) client(s, r, db).query("SYSTEM SYNC REPLICA " + db + "." + t);
      }
    }
  }
  static Cluster* cluster_;
  static bool started_;
};

Cluster* ClickHouseCluster::cluster_ = nullptr;
bool ClickHouseCluster::started_ = false;

TEST_F(ClickHouseCluster, InitCreatesTheSchemaOnEveryNodeAndIsIdempotent) {
  Workdir w;
  const std::string args =
      "clickhouse init --clickhouse " + ch_url(1, 1) + " --clickhouse-cluster dnslens --clickhouse-database init_test";
  RunResult first = run_dnslens(w, args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("schema version 4 (was 0)"), std::string::npos) << first.out;
  RunResult again = run_dnslens(w, args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("schema version 4 (was 4)"), std::string::npos) << again.out;
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
      EXPECT_EQ(clickhouse_schema_version(c, options), 4) << "node " << s << "/" << r;
      EXPECT_EQ(
          c.query("SELECT name, engine FROM system.tables WHERE database = 'init_test' ORDER BY name FORMAT "
                  "TabSeparated"),
          "dead_letters\tDistributed\ndead_letters_local\tReplicatedMergeTree\n"
          "dnslens_rollup_backfill\tReplicatedReplacingMergeTree\n"
          "dnslens_schema\tReplicatedMergeTree\nfindings\tDistributed\n"
          "findings_local\tReplicatedReplacingMergeTree\ningest_requests\tReplicatedReplacingMergeTree\n"
          "passive_dns\tDistributed\npassive_dns_local\tReplicatedAggregatingMergeTree\n"
          "passive_dns_mv\tMaterializedView\n"
          "rdns_hour\tDistributed\nrdns_hour_local\tReplicatedSummingMergeTree\nrdns_hour_mv\tMaterializedView\n"
          "route53query\tDistributed\nroute53query_local\tReplicatedMergeTree\n"
          "source_domain_hour\tDistributed\nsource_domain_hour_local\tReplicatedSummingMergeTree\n"
          "source_domain_hour_mv\tMaterializedView\n"
          "subdomains_hour\tDistributed\nsubdomains_hour_local\tReplicatedAggregatingMergeTree\n"
          "subdomains_hour_mv\tMaterializedView\n"
          "traffic_hour\tDistributed\ntraffic_hour_local\tReplicatedAggregatingMergeTree\n"
          "traffic_hour_mv\tMaterializedView\n"
          "vpc_minute\tDistributed\nvpc_minute_local\tReplicatedSummingMergeTree\nvpc_minute_mv\tMaterializedView\n");
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
  // Records that cannot be used, between good ones: dead letters in ClickHouse as in the file.
  w.write("bad.jsonl",
          record("good.example.com.") + "\n{\"version\":\n" + record("fine.example.org.") + "\nnot json at all\n");
  RunResult run = run_dnslens(w,
                              "run day.jsonl.gz bad.jsonl -j 2 -o /dev/null --intel intel.csv --firewall-policy "
                              "policy.yaml --dead-letter dead.jsonl --store day.duckdb --clickhouse " +
                                  ch_url(2, 1) + " --clickhouse-cluster dnslens --clickhouse-database " + db);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("clickhouse    "), std::string::npos) << run.err;

  ClickHouseClient ch = client(2, 2, db);  // another node than the one loaded through
  // The insert returned once one replica of each shard had the rows: let the others catch up.
  sync_replicas(db, {"route53query_local"});
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
  // The run's findings, as the DuckDB store has them (read back once, FINAL: a finding stored again
  // replaces itself).
  // (ClickHouse's TabSeparated escapes a quote, DuckDB's text does not.)
  const std::string findings = "finding_type, severity, events, occurrences, srcaddr, domain, ";
  const std::string duck_findings =
      duck_tsv(conn, "SELECT " + findings +
                         "replace(explanation, '''', '') FROM findings ORDER BY finding_type, srcaddr, domain, "
                         "explanation");
  EXPECT_GE(std::count(duck_findings.begin(), duck_findings.end(), '\n'), 3) << duck_findings;
  EXPECT_EQ(ch.query("SELECT " + findings +
                         "replaceAll(explanation, '\\'', '') FROM findings FINAL ORDER BY finding_type, srcaddr, "
                         "domain, explanation FORMAT TabSeparated",
                     {{"database", db}}),
            duck_findings);
  EXPECT_EQ(ch.query("SELECT uniqExact(run_id), count() = uniqExact(finding_key) FROM findings", {{"database", db}}),
            "1\t1\n");
  // Dead letters: where each came from and why, as the dead-letter file says.
  const std::string dead = w.read("dead.jsonl");
  EXPECT_EQ(std::count(dead.begin(), dead.end(), '\n'), 2) << dead;
  EXPECT_EQ(ch.query("SELECT origin, line, reason, raw FROM dead_letters ORDER BY line FORMAT TabSeparated",
                     {{"database", db}}),
            "bad.jsonl\t2\tmalformed_json\t{\"version\":\nbad.jsonl\t4\tmalformed_json\tnot json at all\n");
  for (const auto& p : same) {
    const std::string from_duck = duck_tsv(conn, p.duckdb);
    EXPECT_FALSE(from_duck.empty()) << p.duckdb;
    EXPECT_EQ(ch.query(p.clickhouse + " FORMAT TabSeparated", {{"database", db}}), from_duck) << p.clickhouse;
  }

  // The rollups the materialized views kept while the rows went in, against the same aggregates of the
  // rows themselves (and of the DuckDB store).
  sync_replicas(db, {"source_domain_hour_local", "subdomains_hour_local", "passive_dns_local", "vpc_minute_local"});
  EXPECT_EQ(ch.query("SELECT vpc_key, toString(minute), sum(queries), sum(nxdomain), sum(alerted), sum(blocked) FROM "
                     "vpc_minute GROUP BY vpc_key, minute ORDER BY vpc_key, minute FORMAT TabSeparated",
                     {{"database", db}}),
            duck_tsv(conn,
                     "SELECT coalesce(vpc_id, ''), strftime(date_trunc('minute', query_ts), '%Y-%m-%d %H:%M:%S'), "
                     "count(*), count(*) FILTER (WHERE rcode = 'NXDOMAIN'), count(*) FILTER (WHERE "
                     "firewall_rule_action = 'ALERT'), count(*) FILTER (WHERE firewall_rule_action = 'BLOCK') FROM "
                     "route53query GROUP BY 1, 2 ORDER BY 1, 2"));
  EXPECT_EQ(ch.query("SELECT domain_key, source, sum(queries) AS n, sum(nxdomain) FROM source_domain_hour GROUP BY "
                     "domain_key, source ORDER BY n DESC, domain_key, source LIMIT 20 FORMAT TabSeparated",
                     {{"database", db}}),
            duck_tsv(conn,
                     "SELECT coalesce(registered_domain, ''), coalesce(source, ''), count(*) AS n, count(*) FILTER "
                     "(WHERE rcode = 'NXDOMAIN') FROM route53query GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 20"));
  EXPECT_EQ(ch.query("SELECT domain_key, countMerge(queries) AS n, uniqIfMerge(subdomains), sumMerge(subdomain_chars) "
                     "FROM subdomains_hour GROUP BY domain_key ORDER BY n DESC, domain_key LIMIT 10 FORMAT "
                     "TabSeparated",
                     {{"database", db}}),
            ch.query("SELECT ifNull(registered_domain, '') AS d, count() AS n, ifNull(uniq(subdomain), 0), "
                     "sum(length(ifNull(subdomain, ''))) FROM route53query GROUP BY d ORDER BY n DESC, d LIMIT 10 "
                     "FORMAT TabSeparated",
                     {{"database", db}}));
  EXPECT_EQ(ch.query("SELECT count(), sum(n), toString(min(f)), toString(max(l)) FROM (SELECT name, rdata, type, "
                     "countMerge(queries) AS n, minMerge(first_seen) AS f, maxMerge(last_seen) AS l FROM passive_dns "
                     "GROUP BY name, rdata, type) FORMAT TabSeparated",
                     {{"database", db}}),
            duck_tsv(conn,
                     "SELECT count(*), sum(n), strftime(min(f), '%Y-%m-%d %H:%M:%S'), strftime(max(l), "
                     "'%Y-%m-%d %H:%M:%S') FROM (SELECT query_name_normalized, a.Rdata, a.Type, count(*) AS n, "
                     "min(date_trunc('second', query_ts)) AS f, max(date_trunc('second', query_ts)) AS l FROM "
                     "(SELECT query_name_normalized, query_ts, unnest(answers) AS a FROM route53query) GROUP BY 1, "
                     "2, 3)"));

  // dnslens sql: SQL both engines speak prints the same table and CSV from either; JSON lines from
  // ClickHouse; read-only unless --write.
  const std::string on_ch = "sql --clickhouse " + ch_url(2, 2) + " --clickhouse-database " + db;
  const std::string sql =
      "\"SELECT rcode, count(*) AS n, max(query_name) AS last FROM route53query GROUP BY rcode ORDER BY rcode;\"";
  for (const std::string format : {"table", "csv"}) {
    RunResult duck_out = run_dnslens(w, "sql --db day.duckdb --format " + format + " " + sql);
    ASSERT_EQ(duck_out.exit_code, 0) << duck_out.err;
    EXPECT_GE(std::count(duck_out.out.begin(), duck_out.out.end(), '\n'), 3) << duck_out.out;
    RunResult ch_out = run_dnslens(w, on_ch + " --format " + format + " " + sql);
    ASSERT_EQ(ch_out.exit_code, 0) << ch_out.err;
    EXPECT_EQ(ch_out.out, duck_out.out) << format;
  }
  RunResult json = run_dnslens(w, on_ch + " --format json \"SELECT count() AS n FROM route53query\"");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::string records = duck_tsv(conn, "SELECT count(*) FROM route53query");
  records.pop_back();  // its newline
  EXPECT_EQ(json.out, "{\"n\":" + records + "}\n");
  RunResult write = run_dnslens(w, on_ch + " \"INSERT INTO dead_letters SELECT * FROM dead_letters\"");
  EXPECT_NE(write.exit_code, 0);
  EXPECT_NE(write.err.find("readonly"), std::string::npos) << write.err;
  EXPECT_EQ(ch.query("SELECT count() FROM dead_letters", {{"database", db}}), "2\n");
  // A user whose profile is readonly=1 (the cluster's "reader") may set no setting: the same table.
  std::string reader_url = ch_url(2, 2);
  reader_url.insert(reader_url.find("//") + 2, "reader@");
  const std::string as_reader = "sql --clickhouse " + reader_url + " --clickhouse-database " + db;
  RunResult reader_table = run_dnslens(w, as_reader + " --format table " + sql);
  ASSERT_EQ(reader_table.exit_code, 0) << reader_table.err;
  EXPECT_EQ(reader_table.out, run_dnslens(w, "sql --db day.duckdb --format table " + sql).out);
  RunResult reader_write =
      run_dnslens(w, as_reader + " --write \"INSERT INTO dead_letters SELECT * FROM dead_letters\"");
  EXPECT_NE(reader_write.exit_code, 0);
  EXPECT_NE(reader_write.err.find("readonly mode"), std::string::npos) << reader_write.err;
}

// Uncompressed inserts (--clickhouse-no-gzip) store the same rows, into one server's plain MergeTree.
TEST_F(ClickHouseCluster, UncompressedInsertsStoreTheSameRows) {
  Workdir w;
  RunResult gen = run_dnslens(w, "generate --records 40000 --seed 3 -o day.jsonl");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  // One server's own tables (no cluster): an earlier test of this process may have killed a replica.
  const std::string common = " --clickhouse " + ch_url(1, 1) + " --clickhouse-database ";
  for (const std::string db : {"gzip_test", "plain_test"}) {
    RunResult init = run_dnslens(w, "clickhouse init" + common + db);
    ASSERT_EQ(init.exit_code, 0) << init.err;
    // An insert per batch of the input (64K is less than one batch's rows: 40,000 records are some
    // 34 batches) and one sender: the fifth batch's rows gather in the buffer the first insert handed back
    // (the third could be queued only once the sender was done with the first), and one handed back with
    // rows still in it would store them twice.
    RunResult run = run_dnslens(w,
                                "run day.jsonl -j 2 --no-detect -o /dev/null --clickhouse-insert-bytes 64K "
                                "--clickhouse-insert-threads 1" +
                                    common + db + (db == "plain_test" ? " --clickhouse-no-gzip" : ""));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    // The summary's "N records, ... in K inserts".
    const std::size_t in = run.err.find(" in ", run.err.find("clickhouse    "));
    ASSERT_NE(in, std::string::npos) << run.err;
    EXPECT_GE(std::stoi(run.err.substr(in + 4)), 5) << run.err;
  }
  const std::string sql = "SELECT count(), uniqExact(query_name), sum(length(answers.Rdata)), max(query_ts) FROM ";
  ClickHouseClient c = client(1, 1);
  const std::string gzip = c.query(sql + "gzip_test.route53query");
  const std::string day = w.read("day.jsonl");
  EXPECT_EQ(gzip.substr(0, gzip.find('\t')), std::to_string(std::count(day.begin(), day.end(), '\n')));
  EXPECT_EQ(c.query(sql + "plain_test.route53query"), gzip);
}

// A Firehose request body of query-log lines, 50 to a record.
std::string firehose_body(const std::string& id, const std::vector<std::string>& lines) {
  std::string body = "{\"requestId\":\"" + id + "\",\"timestamp\":1700000000000,\"records\":[";
  for (std::size_t i = 0; i < lines.size(); i += 50) {
    std::string payload;
    for (std::size_t j = i; j < std::min(lines.size(), i + 50); ++j) payload += lines[j] + "\n";
    if (i) body += ',';
    body += "{\"data\":\"" + base64_encode(payload) + "\"}";
  }
  return body + "]}";
}

int post(int port, const std::string& id, const std::string& body) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  auto r = c.Post("/firehose", {{"X-Amz-Firehose-Request-Id", id}, {"X-Amz-Firehose-Protocol-Version", "1.0"}}, body,
                  "application/json");
  return r ? r->status : -1;
}

// Two serve instances on two nodes: each request is stored once whichever instance takes it, however
// often Firehose sends it (one after the other, or both instances at once), with its dead letters and
// its ingest_requests row; the findings land too.
TEST_F(ClickHouseCluster, ServeStoresEachFirehoseRequestOnceAcrossInstances) {
  Workdir w;
  RunResult gen = run_dnslens(w, "generate --records 6000 --seed 5 -o day.jsonl");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string db = "serve_test";
  const std::string common = " --clickhouse-cluster dnslens --clickhouse-database " + db;
  RunResult init = run_dnslens(w, "clickhouse init --clickhouse " + ch_url(1, 1) + common);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  Workdir wa, wb;
  testing::ServerProcess a(wa, "--findings-every 1 --clickhouse " + ch_url(1, 1) + common);
  testing::ServerProcess b(wb, "--findings-every 1 --clickhouse " + ch_url(2, 1) + common);
  ASSERT_TRUE(a.started()) << a.log();
  ASSERT_TRUE(b.started()) << b.log();
  EXPECT_NE(a.log().find("into ClickHouse http://127.0.0.1:"), std::string::npos) << a.log();

  const std::vector<std::string> lines = testing::lines_of(w.read("day.jsonl"));
  ASSERT_GE(lines.size(), 6000u);  // the planted threats come on top
  std::vector<std::string> bodies;
  for (std::size_t r = 0; r < 6; ++r) {
    std::vector<std::string> part(lines.begin() + static_cast<long>(r * 1000),
                                  lines.begin() + static_cast<long>((r + 1) * 1000));
    if (r == 2 || r == 5) part.insert(part.begin() + 10, "{\"not\": \"a query\"");  // one bad line
    bodies.push_back(firehose_body("req-" + std::to_string(r), part));
  }
  // Each request once, alternating instances; then every one again through the other instance (a
  // retry whose 200 was lost); then request 5 both at once, twice.
  for (std::size_t r = 0; r < 5; ++r)
    EXPECT_EQ(post(r % 2 ? b.port() : a.port(), "req-" + std::to_string(r), bodies[r]), 200) << r;
  for (std::size_t r = 0; r < 5; ++r)
    EXPECT_EQ(post(r % 2 ? a.port() : b.port(), "req-" + std::to_string(r), bodies[r]), 200) << r;
  for (int round = 0; round < 2; ++round) {
    int sa = 0, sb = 0;
    std::thread ta([&] { sa = post(a.port(), "req-5", bodies[5]); });
    std::thread tb([&] { sb = post(b.port(), "req-5", bodies[5]); });
    ta.join();
    tb.join();
    EXPECT_EQ(sa, 200);
    EXPECT_EQ(sb, 200);
  }
  // Two different requests of one beacon query each, the same source, name and hour: their rollup rows
  // differ only by the records' signature, and both count.
  EXPECT_EQ(
      post(a.port(), "beat-1", firehose_body("beat-1", {record("beat.beacon-test.net.", "2021-02-04T17:10:00Z")})),
      200);
  EXPECT_EQ(
      post(b.port(), "beat-2", firehose_body("beat-2", {record("beat.beacon-test.net.", "2021-02-04T17:11:00Z")})),
      200);
  EXPECT_EQ(a.stop(), 0) << a.log();
  EXPECT_EQ(b.stop(), 0) << b.log();
  EXPECT_NE(a.log().find("duplicates)"), std::string::npos) << a.log();

  ClickHouseClient ch = client(2, 1, db);
  const auto q = [&](const std::string& sql) { return ch.query(sql, {{"database", db}}); };
  sync_replicas(db, {"route53query_local", "dead_letters_local", "findings_local", "vpc_minute_local",
                     "source_domain_hour_local"});
  EXPECT_EQ(q("SELECT count(), uniqExact(query_name, srcaddr, srcport, query_timestamp) FROM route53query"),
            "6002\t" + q("SELECT uniqExact(query_name, srcaddr, srcport, query_timestamp) FROM "
                         "route53query"));
  EXPECT_EQ(q("SELECT origin, line, reason FROM dead_letters ORDER BY origin FORMAT TabSeparated"),
            "firehose req-2 record 1\t11\tmalformed_json\nfirehose req-5 record 1\t11\tmalformed_json\n");
  EXPECT_EQ(q("SELECT request_id, records, bad_records FROM ingest_requests FINAL ORDER BY request_id FORMAT "
              "TabSeparated"),
            "beat-1\t1\t0\nbeat-2\t1\t0\nreq-0\t1000\t0\nreq-1\t1000\t0\nreq-2\t1000\t1\nreq-3\t1000\t0\n"
            "req-4\t1000\t0\nreq-5\t1000\t1\n");
  // The rollups counted each record once, retries and all.
  EXPECT_EQ(q("SELECT sum(queries) FROM vpc_minute"), "6002\n");
  EXPECT_EQ(q("SELECT sum(queries) FROM source_domain_hour WHERE domain_key = 'beacon-test.net'"), "2\n");
  // Both instances wrote their findings (the day's threats are spread over them).
  EXPECT_EQ(q("SELECT uniqExact(run_id) FROM findings"), "2\n");
  EXPECT_EQ(q("SELECT count() = uniqExact(run_id, finding_key) FROM findings FINAL"), "1\n");
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

// Faults during a live load through two serve instances, the sender acting as Firehose does (a request
// not answered 200 is sent again, here to the other instance, until it is): a replica SIGKILLed
// mid-load and started again later, and a serve instance SIGKILLed while a large request is in flight.
// Every request ends acknowledged, and its records are stored exactly once.
TEST_F(ClickHouseCluster, NoAcknowledgedRecordIsLostOrStoredTwiceWhenAReplicaOrAServeInstanceDies) {
  Workdir w;
  RunResult gen = run_dnslens(w, "generate --records 48000 --seed 9 -o day.jsonl");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string db = "fault_test";
  const std::string common = " --clickhouse-cluster dnslens --clickhouse-database " + db;
  RunResult init = run_dnslens(w, "clickhouse init --clickhouse " + ch_url(1, 1) + common);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  Workdir wa, wb;
  testing::ServerProcess a(wa, "--no-detect --clickhouse " + ch_url(1, 1) + common);
  testing::ServerProcess b(wb, "--no-detect --clickhouse " + ch_url(2, 1) + common);
  ASSERT_TRUE(a.started()) << a.log();
  ASSERT_TRUE(b.started()) << b.log();

  const std::vector<std::string> lines = testing::lines_of(w.read("day.jsonl"));
  ASSERT_GE(lines.size(), 48000u);
  // 20 requests: 19 of 2,000 lines and request 10 of 10,000 (long enough to be killed in the middle).
  std::vector<std::string> bodies;
  std::size_t at = 0;
  for (int r = 0; r < 20; ++r) {
    const std::size_t n = r == 10 ? 10000 : 2000;
    bodies.push_back(firehose_body(
        "f-" + std::to_string(r),
        std::vector<std::string>(lines.begin() + static_cast<long>(at), lines.begin() + static_cast<long>(at + n))));
    at += n;
  }
  ASSERT_EQ(at, 48000u);
  bool a_alive = true;
  int resent = 0;  // requests sent again after a failure
  // Firehose's side: the request again until it is acknowledged (bounded: 2 minutes).
  const auto deliver = [&](int r, int first_attempt) {
    for (int attempt = first_attempt; attempt < first_attempt + 240; ++attempt) {
      const bool to_a = a_alive && (r + attempt) % 2 == 0;
      if (post(to_a ? a.port() : b.port(), "f-" + std::to_string(r), bodies[static_cast<std::size_t>(r)]) == 200)
        return true;
      ++resent;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
  };
  for (int r = 0; r < 20; ++r) {
    if (r == 5) {
      ASSERT_EQ(::kill(cluster_->pid(2, 2), SIGKILL), 0);  // a replica of shard 2
    }
    if (r == 10) {
      // Killed once its insert is running on the node it writes through (or, should the insert be
      // over before it is seen, once the answer is in).
      std::atomic<int> status{0};
      std::thread sending([&] { status = post(a.port(), "f-10", bodies[10]); });
      ClickHouseClient watch = client(1, 1, db);
      bool mid_insert = false;
      for (int i = 0; i < 2000 && status == 0 && !mid_insert; ++i) {
        mid_insert =
            watch.query(
                "SELECT count() FROM system.processes WHERE query LIKE 'INSERT INTO `fault_test`.`route53query`%'") !=
            "0\n";
      }
      a.kill_hard();
      std::fprintf(stderr, "serve killed %s\n", mid_insert ? "during its insert" : "after the request");
      a_alive = false;
      sending.join();
      if (status == 200) continue;  // it was acknowledged before the kill
      ++resent;
      EXPECT_TRUE(deliver(r, 1)) << r;
      continue;
    }
    if (r == 15) {
      ASSERT_EQ(
          std::system((kScript + " restart " + cluster_->dir + " 2 2 >> " + cluster_->dir + "/start.log 2>&1").c_str()),
          0);
    }
    EXPECT_TRUE(deliver(r, 0)) << r << "\n" << b.log();
  }
  EXPECT_EQ(b.stop(), 0) << b.log();
  std::fprintf(stderr, "%d requests were sent again\n", resent);

  // Every live replica caught up (an earlier test of this process may have killed 1/2 for good); 2/2 was
  // started again (its new pid is in cluster.env).
  std::ifstream env(cluster_->dir + "/cluster.env");
  for (std::string line; std::getline(env, line);) {
    if (line.starts_with("CLICKHOUSE_2_2_PID=")) cluster_->env["CLICKHOUSE_2_2_PID"] = line.substr(19);
  }
  sync_replicas(db, {"route53query_local", "ingest_requests"});
  for (int r = 1; r <= 2; ++r) {  // through either replica of shard 2: the restarted one caught up
    ClickHouseClient ch = client(2, r, db);
    EXPECT_EQ(ch.query("SELECT count(), uniqExact(query_name, srcaddr, srcport, query_timestamp) FROM route53query",
                       {{"database", db}}),
              "48000\t48000\n")
        << "through 2/" << r << ", " << resent << " requests sent again";
    EXPECT_EQ(ch.query("SELECT count(), sum(records) FROM ingest_requests FINAL", {{"database", db}}), "20\t48000\n");
  }
}

// A day split across three serve instances (each took every third request, no detection of its own):
// detect --clickhouse over the cluster finds what one dnslens run over the whole day finds, and running
// it again replaces its findings instead of adding to them.
TEST_F(ClickHouseCluster, DetectOverTheClusterFindsWhatOneRunOverTheWholeDayFinds) {
  Workdir w;
  RunResult gen = run_dnslens(w, "generate --records 12000 --seed 13 -o day.jsonl");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  RunResult whole = run_dnslens(w, "run day.jsonl -o /dev/null --findings run.jsonl --store day.duckdb");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const std::string db = "detect_test";
  const std::string common = " --clickhouse-cluster dnslens --clickhouse-database " + db;
  RunResult init = run_dnslens(w, "clickhouse init --clickhouse " + ch_url(1, 1) + common);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  {
    Workdir w1, w2, w3;
    testing::ServerProcess s1(w1, "--no-detect --clickhouse " + ch_url(1, 1) + common);
    testing::ServerProcess s2(w2, "--no-detect --clickhouse " + ch_url(2, 1) + common);
    testing::ServerProcess s3(w3, "--no-detect --clickhouse " + ch_url(2, 2) + common);
    ASSERT_TRUE(s1.started() && s2.started() && s3.started()) << s1.log() << s2.log() << s3.log();
    const std::vector<std::string> lines = testing::lines_of(w.read("day.jsonl"));
    const int ports[] = {s1.port(), s2.port(), s3.port()};
    for (std::size_t at = 0, r = 0; at < lines.size(); at += 500, ++r) {
      const std::vector<std::string> part(lines.begin() + static_cast<long>(at),
                                          lines.begin() + static_cast<long>(std::min(lines.size(), at + 500)));
      const std::string id = "d-" + std::to_string(r);
      ASSERT_EQ(post(ports[r % 3], id, firehose_body(id, part)), 200) << r;
    }
  }
  sync_replicas(db, {"route53query_local"});
  ClickHouseClient ch = client(1, 1, db);
  const auto q = [&](const std::string& sql) { return ch.query(sql, {{"database", db}}); };
  const std::string range = q("SELECT toUInt64(min(query_ts)), toUInt64(max(query_ts)) FROM route53query");
  const std::int64_t first = std::atoll(range.c_str()), last = std::atoll(range.c_str() + range.find('\t') + 1);
  const std::string detect = "detect --clickhouse " + ch_url(2, 1) + common + " --lookback 1h --since " +
                             iso8601_seconds(first * 1000) + " --until " + iso8601_seconds((last + 1) * 1000);
  RunResult found = run_dnslens(w, detect);
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.err.find("findings stored under run id detect:"), std::string::npos) << found.err;
  sync_replicas(db, {"findings_local"});

  DuckDatabase duck(w.file("day.duckdb"), /*read_only=*/true);
  DuckConnection conn = duck.connect();
  const std::string expected =
      duck_tsv(conn,
               "SELECT finding_type, severity, coalesce(srcaddr, '') AS a, coalesce(domain, '') AS d, events FROM "
               "findings ORDER BY finding_type, a, d, events");
  EXPECT_GE(std::count(expected.begin(), expected.end(), '\n'), 5) << expected;
  // (Debian's 18.16 reads FINAL through the Distributed table only with every column asked for.)
  const std::string sql =
      "SELECT finding_type, severity, ifNull(srcaddr, '') AS a, ifNull(domain, '') AS d, events FROM (SELECT * FROM "
      "findings FINAL) ORDER BY finding_type, a, d, events FORMAT TabSeparated";
  EXPECT_EQ(q(sql), expected);
  // The same window again: its findings replace themselves.
  RunResult again = run_dnslens(w, detect);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  sync_replicas(db, {"findings_local"});
  EXPECT_EQ(q(sql), expected);
  EXPECT_EQ(q("SELECT uniqExact(run_id) FROM findings"), "1\n");
  // With a domain history, detect over the cluster learns the day's domains as one run over the whole day
  // does (a new history is still learning: nothing is newly observed, the findings stay the same).
  RunResult learned = run_dnslens(w, detect + " --domain-history cluster.tsv");
  ASSERT_EQ(learned.exit_code, 0) << learned.err;
  RunResult local = run_dnslens(w, "run day.jsonl -o /dev/null --findings /dev/null --domain-history local.tsv");
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_GT(testing::lines_of(w.read("local.tsv")).size(), 20u) << w.read("local.tsv");
  EXPECT_EQ(w.read("cluster.tsv"), w.read("local.tsv"));
  sync_replicas(db, {"findings_local"});
  EXPECT_EQ(q(sql), expected);
}

// The dashboards read from the cluster: the same day in the DuckDB store and in ClickHouse (read through
// another node than the one loaded) gives every panel the same rows, over the whole day, with a filter,
// and over a range inside it (the outlier panels then compare against the hours before it); every
// drill-down gives the same records, each finding's too.
TEST_F(ClickHouseCluster, DashboardsFromTheClusterShowWhatTheDuckDbStoreShows) {
  Workdir w;
  RunResult gen = run_dnslens(w, "generate --records 30000 --seed 11 -o day.jsonl.gz");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string db = "dashboard_test";
  const std::string common = " --clickhouse-cluster dnslens --clickhouse-database " + db;
  RunResult init = run_dnslens(w, "clickhouse init --clickhouse " + ch_url(1, 1) + common);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  // Intel naming domains (one that every source queries: more series than a line chart keeps) and one
  // source address, and a policy with an Advanced rule, so the threat and firewall panels have rows.
  w.write("intel.csv",
          "indicator,type,confidence,actor,category\nc2-beacon.xyz,domain,90,Beacon Crew,c2\n"
          "evil-tunnel.net,domain,70,Tunnel Folk,exfiltration\n10.3.4.145,ipv4,60,,scanner\n"
          "github.com,domain,30,,watchlist\n");
  w.write("policy.yaml",
          "version: 1\ndomain_lists:\n  bad: [\"*.c2-beacon.xyz\", c2-beacon.xyz]\nrule_groups:\n  g:\n    rules:\n"
          "      - {name: block-c2, priority: 100, action: BLOCK, block_response: NXDOMAIN, domain_list: bad}\n"
          "      - {name: dga, priority: 200, action: ALERT, threat_protection: DGA, confidence: HIGH}\n");
  RunResult run = run_dnslens(w,
                              "run day.jsonl.gz -j 2 -o /dev/null --intel intel.csv --firewall-policy policy.yaml "
                              "--store day.duckdb --clickhouse " +
                                  ch_url(1, 1) + common);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // vpc_minute keeps the days retention drops from the records: one such minute, a day before the first
  // record, that the panels must not count (the comparisons below start a day before the records).
  client(1, 1, db).query("INSERT INTO " + db +
                             ".vpc_minute (minute, account_key, vpc_key, queries, nxdomain, alerted, blocked, sig) "
                             "SELECT toStartOfMinute(min(query_ts)) - 86400, '', 'vpc-dropped', 7, 0, 3, 0, 1 FROM " +
                             db + ".route53query",
                         {{"insert_distributed_sync", "1"}});
  sync_replicas(db,
                {"route53query_local", "findings_local", "vpc_minute_local", "traffic_hour_local", "rdns_hour_local"});
  EXPECT_EQ(client(2, 2, db).query("SELECT sum(queries) FROM " + db + ".vpc_minute WHERE vpc_key = 'vpc-dropped'"),
            "7\n");

  Workdir wd, wc, wr, wp;
  testing::ServerProcess duck(wd, "--read-only --db " + w.file("day.duckdb"));
  testing::ServerProcess ch(wc, "--read-only --clickhouse " + ch_url(2, 2) + common);
  ASSERT_TRUE(duck.started()) << duck.log();
  ASSERT_TRUE(ch.started()) << ch.log();

  expect_same_dashboards(duck.port(), ch.port(), 32636);  // 30,000 background records and the planted ones

  // Those rows came from the rollups where a panel has one (its SQL, in the answer, names it); a filter
  // on what the rollup does not keep, or a backfill of it still owed, makes the panel read the records.
  const auto sql_of = [](int port, const std::string& path) {
    const std::string body = testing::http_get(port, path);
    simdjson::dom::parser p;
    simdjson::padded_string text(body);
    std::string_view sql;
    if (p.parse(text)["sql"].get(sql) != simdjson::SUCCESS) return "no sql in " + body;
    return std::string(sql);
  };
  simdjson::dom::parser cp;
  const std::string catalog_text = testing::http_get(duck.port(), "/api/catalog");
  simdjson::padded_string catalog_json(catalog_text);
  const simdjson::dom::element catalog = cp.parse(catalog_json);
  const std::string instance(catalog["filters"]["instance"].at(0).get_string().value());
  const std::int64_t first = catalog["range"]["min"].get_int64().value();
  for (const std::string panel :
       {"summary", "top_domains", "least_domains", "by_source", "bytes_source", "bytes_vpc"}) {
    EXPECT_NE(sql_of(ch.port(), "/api/panel/" + panel).find("FROM traffic_hour WHERE hour >="), std::string::npos)
        << panel;
    EXPECT_NE(sql_of(ch.port(), "/api/panel/" + panel + "?instance=" + instance).find("FROM traffic_hour"),
              std::string::npos)
        << panel;
  }
  for (const std::string panel : {"rdns_nx_name", "rdns_nx_source", "rdns_ok_name", "rdns_ok_source", "rdns_both"}) {
    EXPECT_NE(sql_of(ch.port(), "/api/panel/" + panel + "?srcaddr=10.0.0.1").find("FROM rdns_hour WHERE hour >="),
              std::string::npos)
        << panel;
  }
  for (const std::string panel : {"vpc_time", "fw_alert_outlier", "fw_block_outlier"}) {
    EXPECT_NE(sql_of(ch.port(), "/api/panel/" + panel).find("FROM vpc_minute WHERE minute >="), std::string::npos)
        << panel;
    EXPECT_EQ(sql_of(ch.port(), "/api/panel/" + panel + "?instance=" + instance).find("vpc_minute"), std::string::npos)
        << panel;
  }
  // A 3-hour range off the second: its partial hours hold records, and reading them costs about what the
  // records' panel does, so the records answer. Over three days the rollup answers, with the records of
  // the partial hour added.
  const std::string inside =
      sql_of(ch.port(), "/api/panel/summary?from=" + std::to_string(first + 6 * 3'600'000 + 123) +
                            "&to=" + std::to_string(first + 9 * 3'600'000 + 777));
  EXPECT_EQ(inside.find("traffic_hour"), std::string::npos) << inside;
  const std::string days = sql_of(ch.port(), "/api/panel/summary?from=" + std::to_string(first - 2 * 86'400'000) +
                                                 "&to=" + std::to_string(first + 5 * 3'600'000 + 4'321));
  EXPECT_NE(days.find("FROM traffic_hour WHERE hour >="), std::string::npos) << days;
  EXPECT_NE(days.find("UNION ALL SELECT toStartOfHour(query_ts)"), std::string::npos) << days;
  {
    ClickHouseClient c = client(1, 1, db);
    c.query("INSERT INTO " + db +
            ".dnslens_rollup_backfill (`rollup`, since, pending, version) VALUES ('traffic_hour', '', 1, "
            "9000000000000000000)");
    sync_replicas(db, {"dnslens_rollup_backfill"});
    testing::ServerProcess owed(wp, "--read-only --clickhouse " + ch_url(2, 2) + common);
    ASSERT_TRUE(owed.started()) << owed.log();
    for (const std::string panel : {"summary", "top_domains", "vpc_time"}) {
      const std::string path = "/api/panel/" + panel;
      EXPECT_EQ(sql_of(owed.port(), path).find("traffic_hour"), std::string::npos) << panel;
      EXPECT_EQ(testing::answered_rows(testing::http_get(owed.port(), path), path),
                testing::answered_rows(testing::http_get(duck.port(), path), path));
    }
    EXPECT_NE(sql_of(owed.port(), "/api/panel/vpc_time").find("FROM vpc_minute"), std::string::npos);
    c.query("INSERT INTO " + db +
            ".dnslens_rollup_backfill (`rollup`, since, pending, version) VALUES ('traffic_hour', '', 0, "
            "9000000000000000001)");
    sync_replicas(db, {"dnslens_rollup_backfill"});
  }

  // As a user whose profile is readonly=1, which may set no setting: the same dashboards.
  std::string reader_url = ch_url(2, 1);
  reader_url.insert(reader_url.find("//") + 2, "reader@");
  testing::ServerProcess reader(wr, "--read-only --clickhouse " + reader_url +
                                        " --clickhouse-cluster dnslens "
                                        "--clickhouse-database " +
                                        db);
  ASSERT_TRUE(reader.started()) << reader.log();
  expect_same_dashboards(duck.port(), reader.port(), 32636);
}

// Each rollup, aggregated as a reader would, next to the same aggregate of the records themselves.
std::vector<std::pair<std::string, std::string>> rollups_and_records(ClickHouseClient& ch, const std::string& db) {
  const std::map<std::string, std::string> in{{"database", db}};
  return {
      {ch.query("SELECT vpc_key, toString(minute) AS m, sum(queries), sum(nxdomain), sum(alerted), sum(blocked) FROM "
                "vpc_minute GROUP BY vpc_key, m ORDER BY vpc_key, m FORMAT TabSeparated",
                in),
       ch.query(
           "SELECT ifNull(vpc_id, '') AS v, toString(toStartOfMinute(query_ts)) AS m, count(), countIf(ifNull(rcode, "
           "'') = 'NXDOMAIN'), countIf(ifNull(firewall_rule_action, '') = 'ALERT'), "
           "countIf(ifNull(firewall_rule_action, '') = 'BLOCK') FROM route53query GROUP BY v, m ORDER BY v, m FORMAT "
           "TabSeparated",
           in)},
      {ch.query("SELECT toString(hour) AS h, domain_key, source, srcaddr, sum(queries), sum(nxdomain) FROM "
                "source_domain_hour GROUP BY h, domain_key, source, srcaddr ORDER BY h, domain_key, source, srcaddr "
                "FORMAT TabSeparated",
                in),
       ch.query("SELECT toString(toStartOfHour(query_ts)) AS h, ifNull(registered_domain, '') AS d, ifNull(source, "
                "'') AS s, ifNull(srcaddr, '') AS a, count(), countIf(ifNull(rcode, '') = 'NXDOMAIN') FROM "
                "route53query GROUP BY "
                "h, d, s, a ORDER BY h, d, s, a FORMAT TabSeparated",
                in)},
      {ch.query("SELECT toString(hour) AS h, domain_key, countMerge(queries), uniqIfMerge(subdomains), "
                "sumMerge(subdomain_chars) FROM subdomains_hour GROUP BY h, domain_key ORDER BY h, domain_key FORMAT "
                "TabSeparated",
                in),
       ch.query("SELECT toString(toStartOfHour(query_ts)) AS h, ifNull(registered_domain, '') AS d, count(), "
                "uniqIf(ifNull(subdomain, ''), isNotNull(subdomain)), sum(length(ifNull(subdomain, ''))) FROM "
                "route53query GROUP BY h, d ORDER BY h, d FORMAT TabSeparated",
                in)},
      {ch.query("SELECT name, rdata, type, countMerge(queries), toString(minMerge(first_seen)), "
                "toString(maxMerge(last_seen)) FROM passive_dns GROUP BY name, rdata, type ORDER BY name, rdata, type "
                "FORMAT TabSeparated",
                in),
       ch.query("SELECT ifNull(query_name_normalized, '') AS n, rdata, type, count(), toString(min(query_ts)), "
                "toString(max(query_ts)) FROM route53query ARRAY JOIN `answers.Rdata` AS rdata, `answers.Type` AS "
                "type GROUP BY n, rdata, type ORDER BY n, rdata, type FORMAT TabSeparated",
                in)},
      {ch.query(
           "SELECT toString(hour) AS h, account_key, vpc_key, source_key, instance_key, srcaddr_key, domain_key, "
           "registered, toString(minMerge(first_seen)), toString(maxMerge(last_seen)), countMerge(queries), "
           "sumMerge(nxdomain), sumMerge(name_length), sumMerge(threat_hits), sumMerge(alerted), sumMerge(blocked) "
           "FROM traffic_hour GROUP BY h, account_key, vpc_key, source_key, instance_key, srcaddr_key, "
           "domain_key, registered ORDER BY h, account_key, vpc_key, source_key, instance_key, srcaddr_key, "
           "domain_key, registered FORMAT TabSeparated",
           in),
       ch.query(
           "SELECT toString(toStartOfHour(query_ts)) AS h, ifNull(account_id, '') AS a, ifNull(vpc_id, '') AS v, "
           "ifNull(source, '') AS s, ifNull(`srcids.instance`, '') AS i, ifNull(srcaddr, '') AS sa, "
           "ifNull(registered_domain, ifNull(query_name_normalized, '')) AS d, toUInt8(isNotNull(registered_domain)) "
           "AS r, toString(min(query_ts)), toString(max(query_ts)), count(), countIf(ifNull(rcode, '') = "
           "'NXDOMAIN'), sum(lengthUTF8(query_name)), countIf(isNotNull(threat_indicator)), "
           "countIf(ifNull(firewall_rule_action, '') = 'ALERT'), countIf(ifNull(firewall_rule_action, '') = "
           "'BLOCK') FROM route53query GROUP BY h, a, v, s, i, sa, d, r ORDER BY h, a, v, s, i, sa, d, r FORMAT "
           "TabSeparated",
           in)},
      {ch.query("SELECT toString(hour) AS h, account_key, vpc_key, source_key, instance_key, srcaddr_key, name_key, "
                "rcode_key, sum(queries) FROM rdns_hour GROUP BY h, account_key, vpc_key, source_key, instance_key, "
                "srcaddr_key, name_key, rcode_key ORDER BY h, account_key, vpc_key, source_key, instance_key, "
                "srcaddr_key, name_key, rcode_key FORMAT TabSeparated",
                in),
       ch.query("SELECT toString(toStartOfHour(query_ts)) AS h, ifNull(account_id, '') AS a, ifNull(vpc_id, '') AS v, "
                "ifNull(source, '') AS s, ifNull(`srcids.instance`, '') AS i, ifNull(srcaddr, '') AS sa, "
                "ifNull(query_name_normalized, '') AS n, ifNull(rcode, '') AS r, count() FROM route53query WHERE "
                "query_type = 'PTR' GROUP BY h, a, v, s, i, sa, n, r ORDER BY h, a, v, s, i, sa, n, r FORMAT "
                "TabSeparated",
                in)},
  };
}

// Rollups computed again from the records: over what the views already hold they change nothing (not
// doubled, even run twice: the same rows are not dropped as a duplicate block), and rollups that
// migrate creates over records already stored are filled from them.
TEST_F(ClickHouseCluster, RollupsAreRebuiltFromTheRecordsAndMigrateBackfillsNewOnes) {
  if (!all_replicas_alive()) GTEST_SKIP() << "an earlier test of this process killed a replica";
  Workdir w;
  RunResult gen = run_dnslens(w, "generate --records 4000 --seed 6 --start 2026-03-30T00:00:00Z -o day.jsonl");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string db = "rebuild_test";
  const std::string common =
      " --clickhouse " + ch_url(1, 2) + " --clickhouse-cluster dnslens --clickhouse-database " + db;
  const std::vector<std::string> rollup_tables = {"source_domain_hour", "subdomains_hour", "passive_dns",
                                                  "vpc_minute",         "traffic_hour",    "rdns_hour"};
  std::vector<std::string> locals;
  for (const auto& t : rollup_tables) locals.push_back(t + "_local");
  ASSERT_EQ(run_dnslens(w, "clickhouse init" + common).exit_code, 0);
  RunResult run = run_dnslens(w, "run day.jsonl --no-detect -o /dev/null" + common);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ClickHouseClient ch = client(2, 1, db);
  auto expect_rollups_match = [&](const std::string& when) {
    sync_replicas(db, locals);
    for (const auto& [rollup, records] : rollups_and_records(ch, db)) {
      EXPECT_GT(std::count(records.begin(), records.end(), '\n'), 10) << when;
      const auto [r, d] = std::mismatch(rollup.begin(), rollup.end(), records.begin(), records.end());
      const auto line_start = [](const std::string& t, std::string::const_iterator at) {
        return t.substr(t.rfind('\n', static_cast<std::size_t>(at - t.begin()) - (at == t.begin() ? 0 : 1)) + 1, 120);
      };
      EXPECT_TRUE(rollup == records) << when << ": the rollup has\n"
                                     << line_start(rollup, r) << "\nwhere the records give\n"
                                     << line_start(records, d);
    }
  };
  sync_replicas(db, {"route53query_local"});
  expect_rollups_match("as the views kept them");

  for (int i = 0; i < 2; ++i) {
    RunResult rebuilt = run_dnslens(w, "clickhouse rebuild-rollups" + common);
    ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
    EXPECT_NE(rebuilt.out.find("vpc_minute: rebuilt 1 day from route53query (2026-03-30 to 2026-03-30)"),
              std::string::npos)
        << rebuilt.out;
    EXPECT_NE(rebuilt.out.find("passive_dns: rebuilt 1 month"), std::string::npos) << rebuilt.out;
    expect_rollups_match("rebuilt, time " + std::to_string(i + 1));
    // The staging tables (on the node dnslens talks to) are gone.
    EXPECT_EQ(client(1, 2, db).query("SELECT count() FROM system.tables WHERE database = '" + db +
                                     "' AND name LIKE '%\\_rebuild\\_%'"),
              "0\n");
  }
  // A range without records rebuilds nothing and leaves the rollups as they are.
  RunResult none =
      run_dnslens(w, "clickhouse rebuild-rollups --since 2000-01-01 --until 2000-01-02 --rollup vpc_minute" + common);
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "vpc_minute: nothing rebuilt (no records in the range)\n");
  RunResult unknown = run_dnslens(w, "clickhouse rebuild-rollups --rollup vpc_hour" + common);
  EXPECT_EQ(unknown.exit_code, 1) << unknown.err;
  EXPECT_NE(unknown.err.find("there is no rollup named vpc_hour"), std::string::npos) << unknown.err;
  expect_rollups_match("after a rebuild of nothing");

  // A database whose rollups do not exist yet (as before schema version 3): migrate creates them and
  // fills them from the records already stored.
  for (const auto& t : rollup_tables) {
    for (const std::string& name : {t + "_mv", t, t + "_local"})
      ch.query("DROP TABLE " + db + "." + name + " ON CLUSTER dnslens");
  }
  RunResult migrate = run_dnslens(w, "clickhouse migrate" + common);
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_NE(migrate.out.find("backfilled source_domain_hour: rebuilt 1 day"), std::string::npos) << migrate.out;
  EXPECT_NE(migrate.out.find("backfilled passive_dns: rebuilt 1 month"), std::string::npos) << migrate.out;
  expect_rollups_match("backfilled by migrate");
  // The views migrate created take the next day's records (other records: a load of the same ones
  // again would be dropped as duplicate blocks before the views).
  RunResult gen2 = run_dnslens(w, "generate --records 3000 --seed 8 --start 2026-03-31T00:00:00Z -o day2.jsonl");
  ASSERT_EQ(gen2.exit_code, 0) << gen2.err;
  RunResult more = run_dnslens(w, "run day2.jsonl --no-detect -o /dev/null" + common);
  ASSERT_EQ(more.exit_code, 0) << more.err;
  sync_replicas(db, {"route53query_local"});
  expect_rollups_match("after the next day's load");
  // One day of one rollup lost, and rebuilt alone: only that day is.
  ch.query("ALTER TABLE " + db + ".vpc_minute_local ON CLUSTER dnslens DROP PARTITION '2026-03-30'");
  sync_replicas(db, locals);
  EXPECT_NE(ch.query("SELECT sum(queries) FROM vpc_minute", {{"database", db}}),
            ch.query("SELECT count() FROM route53query", {{"database", db}}));
  RunResult one =
      run_dnslens(w, "clickhouse rebuild-rollups --since 2026-03-30 --until 2026-03-31 --rollup vpc_minute" + common);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, "vpc_minute: rebuilt 1 day from route53query (2026-03-30 to 2026-03-30)\n");
  expect_rollups_match("after one day of one rollup was rebuilt");

  // A range that starts inside the month rebuilds the whole month of passive DNS (from all its records).
  RunResult month = run_dnslens(w, "clickhouse rebuild-rollups --since 2026-03-31 --rollup passive_dns" + common);
  ASSERT_EQ(month.exit_code, 0) << month.err;
  EXPECT_EQ(month.out, "passive_dns: rebuilt 1 month from route53query (2026-03-01 to 2026-03-01)\n");
  expect_rollups_match("after the month was rebuilt from a range starting inside it");

  // Retention drops the first day's records: a rebuild keeps that day's rollups (no records to rebuild
  // it from) and the month of passive DNS (its rollup remembers older records), and rebuilds the rest.
  const std::string before = ch.query("SELECT sum(queries) FROM vpc_minute", {{"database", db}});
  ch.query("ALTER TABLE " + db + ".route53query_local ON CLUSTER dnslens DROP PARTITION '2026-03-30'");
  sync_replicas(db, {"route53query_local"});
  RunResult kept = run_dnslens(w, "clickhouse rebuild-rollups" + common);
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_NE(kept.out.find("vpc_minute: rebuilt 1 day from route53query (2026-03-31 to 2026-03-31)\n"),
            std::string::npos)
      << kept.out;
  EXPECT_NE(kept.out.find("passive_dns: nothing rebuilt; kept 1 month whose rollup holds records older than those "
                          "still stored (2026-03-01)\n"),
            std::string::npos)
      << kept.out;
  sync_replicas(db, locals);
  EXPECT_EQ(ch.query("SELECT sum(queries) FROM vpc_minute", {{"database", db}}), before);

  // A rebuild that dropped a day on some nodes and failed on another (here node 2/1 lost its
  // vpc_minute_local) leaves the day incomplete, and says so: the rebuild is recorded as owed from that
  // day, and the next migrate (which recreates the table) finishes it. The view on 2/1 stays, so migrate
  // does not take vpc_minute for a new rollup: only the owed rebuild makes it rebuild the day.
  ClickHouseClient ch12 = client(1, 2, db);
  client(2, 1, db).query("DROP TABLE " + db + ".vpc_minute_local");
  RunResult partial = run_dnslens(w, "clickhouse rebuild-rollups --rollup vpc_minute" + common);
  EXPECT_EQ(partial.exit_code, 2) << partial.out << partial.err;
  EXPECT_NE(partial.err.find("dropping vpc_minute of the day 2026-03-31"), std::string::npos) << partial.err;
  EXPECT_NE(partial.err.find("rebuild-rollups --since 2026-03-31 --rollup vpc_minute again"), std::string::npos)
      << partial.err;
  EXPECT_EQ(partial.err.find("could not be recorded"), std::string::npos) << partial.err;
  EXPECT_EQ(ch12.query("SELECT `rollup`, argMax(since, version), argMax(pending, version) FROM " + db +
                       ".dnslens_rollup_backfill GROUP BY `rollup` ORDER BY `rollup` FORMAT TabSeparated"),
            // the rollups migrate backfilled earlier: done
            "passive_dns\t\t0\nrdns_hour\t\t0\nsource_domain_hour\t\t0\nsubdomains_hour\t\t0\ntraffic_hour\t\t0\nvpc_"
            "minute\t2026-03-"
            "31\t1\n");
  RunResult finish = run_dnslens(w, "clickhouse migrate" + common);
  ASSERT_EQ(finish.exit_code, 0) << finish.err;
  EXPECT_NE(finish.out.find("backfilled vpc_minute: rebuilt 1 day from route53query (2026-03-31 to 2026-03-31); its "
                            "owed rebuild is done"),
            std::string::npos)
      << finish.out;
  sync_replicas(db, locals);
  EXPECT_EQ(ch.query("SELECT sum(queries) FROM vpc_minute", {{"database", db}}), before);
  RunResult nothing_owed = run_dnslens(w, "clickhouse migrate" + common);
  ASSERT_EQ(nothing_owed.exit_code, 0) << nothing_owed.err;
  EXPECT_EQ(nothing_owed.out.find("backfilled"), std::string::npos) << nothing_owed.out;
  // A rebuild owed from the start (as migrate records one) is not settled by a narrower rebuild, even one
  // that succeeds: it starts after the owed period's first moment. The next migrate settles it.
  ch12.query("INSERT INTO " + db +
             ".dnslens_rollup_backfill (`rollup`, since, pending, version) SELECT 'vpc_minute', "
             "'', 1, max(version) + 1 FROM " +
             db + ".dnslens_rollup_backfill");
  RunResult narrower =
      run_dnslens(w, "clickhouse rebuild-rollups --since 2026-03-31T12:00:00Z --rollup vpc_minute" + common);
  ASSERT_EQ(narrower.exit_code, 0) << narrower.err;
  EXPECT_EQ(narrower.out, "vpc_minute: rebuilt 1 day from route53query (2026-03-31 to 2026-03-31)\n");
  RunResult settles = run_dnslens(w, "clickhouse migrate" + common);
  ASSERT_EQ(settles.exit_code, 0) << settles.err;
  EXPECT_NE(settles.out.find("backfilled vpc_minute: rebuilt 1 day from route53query (2026-03-31 to 2026-03-31); "
                             "its owed rebuild is done"),
            std::string::npos)
      << settles.out;
  sync_replicas(db, locals);
  EXPECT_EQ(ch.query("SELECT sum(queries) FROM vpc_minute", {{"database", db}}), before);

  // With a node down a rebuild drops nothing: it says so before the first day.
  ASSERT_EQ(::kill(cluster_->pid(2, 2), SIGKILL), 0);
  RunResult down = run_dnslens(w, "clickhouse rebuild-rollups" + common);
  EXPECT_EQ(down.exit_code, 2) << down.out << down.err;
  EXPECT_NE(down.err.find("not every node of cluster dnslens answers"), std::string::npos) << down.err;
  EXPECT_NE(down.err.find("nothing was dropped"), std::string::npos) << down.err;
  EXPECT_EQ(ch.query("SELECT sum(queries) FROM vpc_minute", {{"database", db}}), before);
  ASSERT_NO_FATAL_FAILURE(restart_replica(2, 2));
}

// --clickhouse-insert-quorum 2: a load that cannot reach two replicas of a shard fails (nothing is
// acknowledged on one replica alone); with both up, the rows are on both replicas when the run ends.
TEST_F(ClickHouseCluster, AQuorumInsertNeedsTwoLiveReplicasOfEachShard) {
  if (!all_replicas_alive()) GTEST_SKIP() << "an earlier test of this process killed a replica";
  Workdir w;
  RunResult gen = run_dnslens(w, "generate --records 5000 --seed 4 -o day.jsonl");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string db = "quorum_test";
  const std::string common =
      " --clickhouse " + ch_url(1, 1) + " --clickhouse-cluster dnslens --clickhouse-database " + db;
  RunResult init = run_dnslens(w, "clickhouse init" + common);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  RunResult alone = run_dnslens(
      w, "run day.jsonl --no-detect -o /dev/null --clickhouse-insert-quorum 2 --clickhouse " + ch_url(1, 1));
  EXPECT_EQ(alone.exit_code, 1);
  EXPECT_NE(alone.err.find("needs --clickhouse-cluster"), std::string::npos) << alone.err;

  ASSERT_EQ(::kill(cluster_->pid(2, 2), SIGKILL), 0);
  RunResult short_of_quorum = run_dnslens(
      w, "run day.jsonl --no-detect -o /dev/null --clickhouse-insert-quorum 2 --clickhouse-retries 1" + common);
  EXPECT_NE(short_of_quorum.exit_code, 0);
  EXPECT_NE(short_of_quorum.err.find("ClickHouse at"), std::string::npos) << short_of_quorum.err;
  ASSERT_NO_FATAL_FAILURE(restart_replica(2, 2));
  // The failed load stored shard 1's blocks (its two replicas were up): loaded again, those blocks are
  // dropped as duplicates and shard 2's go in, so the day is there once.
  RunResult ok;
  for (int attempt = 0; attempt < 30; ++attempt) {  // the restarted replica rejoins within its ZooKeeper session
    ok = run_dnslens(w, "run day.jsonl --no-detect -o /dev/null --clickhouse-insert-quorum 2" + common);
    if (ok.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const std::string day = w.read("day.jsonl");
  const auto records = static_cast<long>(std::count(day.begin(), day.end(), '\n'));
  long total = 0;
  for (int s = 1; s <= 2; ++s) {  // no SYNC REPLICA: the quorum put them on both before the run ended
    const std::string one = client(s, 1, db).query("SELECT count() FROM " + db + ".route53query_local");
    EXPECT_EQ(client(s, 2, db).query("SELECT count() FROM " + db + ".route53query_local"), one) << "shard " << s;
    total += std::atol(one.c_str());
  }
  EXPECT_EQ(total, records);
}

// The cluster script's watcher: a cluster whose owner is gone (a test killed at its ctest timeout) is
// stopped within seconds, and one whose owner lives is left alone.
TEST(ClickHouseClusterScript, AClusterWhoseOwnerIsGoneIsStopped) {
  char tmpl[] = "/tmp/dnslens-clickhouse-owner-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const pid_t parent = ::getpid();
  const pid_t owner = ::fork();
  if (owner == 0) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) _exit(127);
    ::execl("/bin/sleep", "sleep", "600", static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(owner, 0);
  const int started = std::system(("CLUSTER_OWNER_PID=" + std::to_string(owner) + " " + kScript + " start " + dir +
                                   " 1 1 > " + dir + "/start.log 2>&1")
                                      .c_str());
  std::vector<pid_t> pids;
  {
    std::ifstream in(dir + "/pids");
    for (pid_t p; in >> p;) pids.push_back(p);
  }
  auto alive = [&] { return static_cast<std::size_t>(std::count_if(pids.begin(), pids.end(), process_running)); };

  const bool ok = started == 0 && pids.size() == 2;  // ZooKeeper and one server
  if (ok) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    EXPECT_EQ(alive(), 2u) << "stopped while its owner runs";
  }
  ::kill(owner, SIGKILL);
  int status = 0;
  ::waitpid(owner, &status, 0);
  for (int i = 0; i < 300 && alive() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::size_t left = alive();
  (void)std::system((kScript + " stop " + dir).c_str());  // whatever the outcome, nothing stays running
  std::ifstream log(dir + "/start.log");
  std::stringstream text;
  text << log.rdbuf();
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(ok) << "the cluster did not start:\n" << text.str();
  EXPECT_EQ(left, 0u) << "the cluster outlived its owner by 30 s";
}

}  // namespace
}  // namespace dnslens::testing
