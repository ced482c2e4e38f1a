// Feeds, policies, lists and configs that are hostile or merely odd: each is a config error (exit 1)
// naming the file, the place and the problem; never "internal error" (exit 2), never a crash, and
// never memory that grows with what aliases expand to.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>

#include "cli_harness.hpp"
#include "server_process.hpp"

namespace dnslens::testing {
namespace {

// 9 levels of 9 aliases: 361 bytes that expand to 9^9 (387 million) nodes.
std::string alias_bomb() {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  const char* names = "abcdefghi";
  for (int level = 1; level < 9; ++level) {
    const char prev = names[level - 1];
    yaml += std::string(1, names[level]) + ": &" + names[level] + " [";
    for (int i = 0; i < 9; ++i) yaml += std::string(i ? ", " : "") + "*" + prev;
    yaml += "]\n";
  }
  return yaml;
}

struct Case {
  std::string file, content, args, expect;
};

TEST(LoaderHardening, MalformedInputsAreConfigErrorsNamingFileAndPlace) {
  Workdir w;
  w.write("logs.jsonl", record("a.example.com.") + "\n");
  w.write("feed.txt", "evil-domain.com\n");
  std::filesystem::create_directories(w.file("feeddir"));
  const std::vector<Case> cases = {
      {"m1.json", R"({"Event": []})", "--intel m1.json", "m1.json: /Event: a MISP Event must be an object"},
      {"m2.json", R"({"Event": 5})", "--intel m2.json", "m2.json: /Event: a MISP Event must be an object"},
      {"m3.json", R"({"Event": null})", "--intel m3.json", "m3.json: /Event: a MISP Event must be an object"},
      {"detect.yaml", "? [a, b] : 1\n", "--detect-config detect.yaml", "detect.yaml: line 1"},
      {"bomb.yaml", alias_bomb(), "--detect-config bomb.yaml", "bomb.yaml: line"},
      {"ic.json", R"([{"name":"v","path":"feed.txt","default_confidence":4294967346}])", "--intel-config ic.json",
       "'default_confidence' must be an integer 0..100, not 4294967346"},
      {"", "", "--intel feeddir", "feeddir: it is a directory"},
      {"", "", "--interesting feeddir", "feeddir: it is a directory"},
  };
  for (const Case& c : cases) {
    if (!c.file.empty()) w.write(c.file, c.content);
    RunResult r = run_dnslens(w, "run logs.jsonl -o none -q " + c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << ": " << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  }
}

TEST(LoaderHardening, MispEventsWithoutAnOrgcStillLoad) {
  Workdir w;
  w.write("logs.jsonl", record("a.evil-domain.com.") + "\n" + record("b.other-bad.net.") + "\n");
  w.write("misp.json",
          R"([{"Event":{"info":"first","Attribute":[{"type":"domain","value":"evil-domain.com","to_ids":true}]}},
                          {"Event":{"info":"second, no Orgc","Attribute":[{"type":"domain","value":"other-bad.net","to_ids":true}]}}])");
  RunResult r = run_dnslens(w, "run logs.jsonl -o out.jsonl --intel misp.json -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string out = w.read("out.jsonl");
  EXPECT_NE(out.find("\"threat_indicator\":\"evil-domain.com\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"threat_indicator\":\"other-bad.net\""), std::string::npos) << out;
}

TEST(LoaderHardening, AByteOrderMarkIsNotPartOfTheFirstEntry) {
  Workdir w;
  w.write("logs.jsonl", record("a.evil-domain.com.") + "\n" + record("www.watched.org.") + "\n");
  w.write("feed.csv", "\xEF\xBB\xBFindicator,type,confidence\nevil-domain.com,domain,90\n");
  w.write("interesting.txt", "\xEF\xBB\xBFwatched.org\n");
  RunResult r = run_dnslens(w, "run logs.jsonl -o out.jsonl --intel feed.csv --interesting interesting.txt");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string out = w.read("out.jsonl");
  EXPECT_NE(out.find("\"threat_confidence\":90"), std::string::npos) << out;
  EXPECT_NE(out.find("\"isMatchedDomain\":\"Y\""), std::string::npos) << out;
}

TEST(LoaderHardening, AnAliasBombPolicyIsRefusedQuicklyAndInLittleMemory) {
  Workdir w;
  w.write("bomb.yaml", alias_bomb());
  const auto t0 = std::chrono::steady_clock::now();
  // Expanding the aliases took 2.9 GB and minutes before the document was checked as events.
  RunResult r = run_dnslens(w, "firewall lint bomb.yaml");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("bomb.yaml: line"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("aliases"), std::string::npos) << r.err;
  EXPECT_LT(seconds, 10.0);
  RunResult sim = run_dnslens(w, "firewall simulate --policy bomb.yaml -");
  EXPECT_EQ(sim.exit_code, 1) << sim.err;
}

// A SIGHUP reload with such a policy keeps the policy in force, and the server keeps serving.
TEST(LoaderHardening, ReloadingAnAliasBombKeepsTheServerAndItsPolicy) {
  Workdir w;
  w.write("policy.yaml",
          "version: 1\ndomain_lists:\n  blocked: {file: blocked.txt}\nrule_groups:\n  g:\n    rules:\n"
          "      - {name: block-listed, priority: 100, action: BLOCK, block_response: NXDOMAIN, domain_list: blocked}\n"
          "associations: [{rule_group: g, vpc: \"*\", priority: 101}]\n");
  w.write("blocked.txt", "*.evil-domain.com\n");
  ServerProcess server(w, "--db live.duckdb --no-detect --firewall-policy policy.yaml");
  ASSERT_TRUE(server.started()) << server.log();
  w.write("policy.yaml", alias_bomb());
  server.signal(SIGHUP);
  ASSERT_TRUE(server.wait_for_log("reload failed, keeping what was in force")) << server.log();
  EXPECT_NE(server.log().find("aliases"), std::string::npos) << server.log();
  httplib::Client c("127.0.0.1", server.port());
  auto r = c.Get("/healthz");
  ASSERT_TRUE(r) << server.log();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

}  // namespace
}  // namespace dnslens::testing
