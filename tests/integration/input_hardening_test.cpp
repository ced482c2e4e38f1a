// Inputs that fail early, damaged archives, awkward directories and stop signals: no crash, every
// record that can be read goes through, and whatever cannot is reported as a failed input.
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../unit/compress_helpers.hpp"
#include "cli_harness.hpp"

namespace dnslens::testing {
namespace {

std::string records(int n, const std::string& prefix = "host") {
  std::string text;
  for (int i = 0; i < n; ++i) text += record(prefix + std::to_string(i) + ".example.com.") + "\n";
  return text;
}

std::size_t line_count(const std::string& text) { return lines_of(text).size(); }

// Compressed inputs that fail within their first 4 KiB, the size the format check reads.
std::vector<std::pair<std::string, std::string>> early_failures() {
  const std::string gz = gzip_member(records(200));
  return {{"magic.gz", std::string("\x1f\x8b", 2)},
          {"magic.zst", std::string("\x28\xb5\x2f\xfd", 4)},
          {"cut.gz", gz.substr(0, 500)},
          {"garbage.gz", std::string("\x1f\x8b\x08\x00", 4) + std::string(300, '\xee')}};
}

TEST(InputHardening, CompressedInputsFailingInTheirFirstBytesAreReportedAndTheRestRuns) {
  Workdir w;
  w.write("good.jsonl", records(10, "good"));
  w.write("after.jsonl", records(5, "after"));
  for (const auto& [name, bytes] : early_failures()) {
    w.write(name, bytes);
    RunResult r = run_dnslens(w, "run good.jsonl " + name + " after.jsonl -o out.jsonl --dead-letter dead.jsonl -j 2");
    EXPECT_EQ(r.exit_code, 3) << name << ": " << r.err;
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("2 ok, 1 failed"), std::string::npos) << r.err;
    const std::string out = w.read("out.jsonl");
    EXPECT_NE(out.find("good9.example.com"), std::string::npos) << name;
    EXPECT_NE(out.find("after4.example.com"), std::string::npos) << name;
    if (name == "cut.gz") {
      // What decoded before the cut is kept: 500 compressed bytes hold a few whole records.
      EXPECT_NE(out.find("host0.example.com"), std::string::npos);
      EXPECT_GT(line_count(out), 15u);
    } else {
      EXPECT_EQ(line_count(out), 15u) << name;
    }
  }
}

TEST(InputHardening, TheDecompressedLimitKeepsTheRecordsBeforeIt) {
  Workdir w;
  w.write("big.gz", gzip_member(records(100)));
  w.write("good.jsonl", records(3, "good"));
  RunResult r =
      run_dnslens(w, "run big.gz good.jsonl -o out.jsonl --dead-letter dead.jsonl --max-decompressed-bytes 1000");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("limit of 1000 bytes"), std::string::npos) << r.err;
  const std::string out = w.read("out.jsonl");
  EXPECT_NE(out.find("host0.example.com"), std::string::npos);  // the first record is shorter than 1000 bytes
  EXPECT_NE(out.find("good2.example.com"), std::string::npos);
  // The record cut by the limit is dead-lettered as truncated, not enriched half.
  EXPECT_NE(w.read("dead.jsonl").find("truncated_input"), std::string::npos);
}

TEST(InputHardening, OtherCommandsReadingLogsSurviveTheSameInputs) {
  Workdir w;
  w.write("good.jsonl", records(10, "good"));
  for (const auto& [name, bytes] : early_failures()) {
    w.write(name, bytes);
    RunResult sim = run_dnslens(w, "firewall simulate --policy " + std::string(DNSLENS_TEST_DATA) +
                                       "/firewall/dnslens/policy.yaml good.jsonl " + name);
    EXPECT_EQ(sim.exit_code, 3) << name << ": " << sim.err;
    EXPECT_NE(sim.err.find(name), std::string::npos) << sim.err;
    RunResult sug = run_dnslens(w, "firewall suggest good.jsonl " + name + " --out-dir suggest");
    EXPECT_TRUE(sug.exit_code == 3 || sug.exit_code == 0) << name << ": exit " << sug.exit_code << " " << sug.err;
    EXPECT_NE(sug.err.find(name), std::string::npos) << sug.err;
    RunResult train =
        run_dnslens(w, "dga train --no-defaults --psl-section none --logs good.jsonl --logs " + name + " -o model.txt");
    EXPECT_GE(train.exit_code, 0) << name;
    EXPECT_LE(train.exit_code, 3) << name << ": " << train.err;
    EXPECT_EQ(train.err.find("internal error"), std::string::npos) << train.err;
  }
}

TEST(InputHardening, ADamagedArchiveYieldsEverythingBeforeTheDamage) {
  Workdir w;
  const std::string text = records(986);
  std::string gz = gzip_member(text);
  gz[gz.size() - 6] ^= 0x01;  // the checksum: every record decodes, then the check fails
  w.write("crc.gz", gz);
  RunResult r = run_dnslens(w, "run crc.gz -o out.jsonl --dead-letter dead.jsonl");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(line_count(w.read("out.jsonl")), 986u) << r.err;
  EXPECT_NE(r.err.find("crc.gz"), std::string::npos);
}

TEST(InputHardening, DirectoryEntriesThatCannotBeReadAreFailedInputs) {
  Workdir w;
  const std::string dir = w.file("logs");
  std::filesystem::create_directories(dir + "/sub");
  w.write("logs/a.jsonl", records(2, "a"));
  w.write("logs/sub/b.jsonl", records(3, "b"));
  ASSERT_EQ(::symlink("missing.jsonl", (dir + "/broken.jsonl").c_str()), 0);
  ASSERT_EQ(::symlink("self.jsonl", (dir + "/self.jsonl").c_str()), 0);  // a link to itself
  ASSERT_EQ(::symlink("..", (dir + "/sub/up").c_str()), 0);              // a directory loop
  ASSERT_EQ(::mkfifo((dir + "/pipe").c_str(), 0644), 0);
  RunResult r = run_dnslens(w, "run logs -o out.jsonl --dead-letter dead.jsonl");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(line_count(w.read("out.jsonl")), 5u);
  EXPECT_NE(r.err.find("2 ok, 4 failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken symbolic link to missing.jsonl"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("symbolic link loop"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sub/up: directory already read"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pipe: not a regular file"), std::string::npos) << r.err;
}

TEST(InputHardening, AnUnreadableSubdirectoryIsAFailedInput) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every directory whatever its mode";
  Workdir w;
  std::filesystem::create_directories(w.file("logs/locked"));
  w.write("logs/a.jsonl", records(2, "a"));
  ASSERT_EQ(::chmod(w.file("logs/locked").c_str(), 0), 0);
  RunResult r = run_dnslens(w, "run logs -o out.jsonl");
  ::chmod(w.file("logs/locked").c_str(), 0755);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("locked: cannot list"), std::string::npos) << r.err;
}

TEST(InputHardening, AByteOrderMarkDoesNotSpoilTheFirstRecord) {
  Workdir w;
  w.write("bom.jsonl", "\xEF\xBB\xBF" + records(3));
  w.write("bom.jsonl.gz", gzip_member("\xEF\xBB\xBF" + records(3)));
  for (const char* name : {"bom.jsonl", "bom.jsonl.gz"}) {
    RunResult r = run_dnslens(w, std::string("run ") + name + " -o out.jsonl --dead-letter dead.jsonl --fail-on-bad");
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_EQ(line_count(w.read("out.jsonl")), 3u);
    EXPECT_EQ(w.read("out.jsonl").find("\xEF\xBB\xBF"), std::string::npos);
  }
}

// Starts `dnslens run - ...` reading a pipe that this test writes to and never closes.
struct PipedRun {
  pid_t pid = -1;
  int input = -1;
  PipedRun(const Workdir& w, const std::string& args) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[0], STDIN_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      if (::chdir(w.path.c_str()) != 0) ::_exit(120);
      const std::string err = w.file("stderr.txt");
      std::freopen(err.c_str(), "w", stderr);
      ::execl("/bin/sh", "sh", "-c", ("exec " DNSLENS_BINARY " " + args).c_str(), static_cast<char*>(nullptr));
      ::_exit(121);
    }
    ::close(fds[0]);
    input = fds[1];
  }
  void send(const std::string& text) const {
    ASSERT_EQ(::write(input, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  int wait_exit(int seconds = 30) {
    for (int i = 0; i < seconds * 20; ++i) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status) + 1000;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  ~PipedRun() {
    if (input >= 0) ::close(input);
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

TEST(InputHardening, StopSignalsEndALiveRunWithWholeLinesAndASummary) {
  for (int signo : {SIGTERM, SIGINT}) {
    Workdir w;
    PipedRun run(w, "run - -o out.jsonl --dead-letter dead.jsonl --summary-json summary.json -j 1");
    ASSERT_GT(run.pid, 0);
    run.send(records(40));
    run.send(record("partial.example.com.").substr(0, 60));  // a line still being written
    // The writer shows the 40 records once input pauses; then the signal comes with the pipe open.
    ASSERT_TRUE(eventually([&] { return line_count(w.read("out.jsonl")) == 40; })) << w.read("stderr.txt");
    ASSERT_EQ(::kill(run.pid, signo), 0);
    EXPECT_EQ(run.wait_exit(), 128 + signo) << w.read("stderr.txt");
    const std::string out = w.read("out.jsonl");
    EXPECT_EQ(line_count(out), 40u);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back(), '\n');
    EXPECT_EQ(out.find("partial"), std::string::npos);
    const std::string err = w.read("stderr.txt");
    EXPECT_NE(err.find("40 enriched"), std::string::npos) << err;
    EXPECT_NE(err.find(signo == SIGTERM ? "stopped       by SIGTERM" : "stopped       by SIGINT"), std::string::npos)
        << err;
    EXPECT_NE(w.read("summary.json").find("\"stopped_by_signal\":" + std::to_string(signo)), std::string::npos);
  }
}

// SIGHUP reloads the DNS Firewall policy of a live run: records read after the reload are evaluated
// against the new policy; a policy that no longer loads keeps the one in force and the run goes on.
TEST(InputHardening, SighupReloadsTheFirewallPolicyOfALiveRun) {
  Workdir w;
  const auto policy = [](std::string_view action) {
    return "version: 1\ndomain_lists:\n  bad: [watched.example.com]\nrule_groups:\n  g:\n    rules:\n"
           "      - {name: r, priority: 100, action: " +
           std::string(action) + (action == "BLOCK" ? ", block_response: NXDOMAIN" : "") +
           ", domain_list: bad}\nassociations: [{rule_group: g, vpc: \"*\", priority: 101}]\n";
  };
  w.write("policy.yaml", policy("BLOCK"));
  PipedRun run(w, "run - -o out.jsonl -j 1 --no-detect --firewall-policy policy.yaml");
  ASSERT_GT(run.pid, 0);
  const auto actions = [&] {
    std::vector<std::string> out;
    const std::string text = w.read("out.jsonl");
    for (std::size_t at = 0; (at = text.find("\"firewall_sim_action\":", at)) != std::string::npos; ++at) {
      const std::size_t start = at + 22;
      out.push_back(text.substr(start, text.find_first_of(",}", start) - start));
    }
    return out;
  };
  run.send(record("watched.example.com.") + "\n");
  ASSERT_TRUE(eventually([&] { return actions().size() == 1; })) << w.read("stderr.txt");
  w.write("policy.yaml", policy("ALERT"));
  ASSERT_EQ(::kill(run.pid, SIGHUP), 0);
  ASSERT_TRUE(eventually([&] {
    return w.read("stderr.txt").find("DNS Firewall policy reloaded: 1 rules") != std::string::npos;
  })) << w.read("stderr.txt");
  run.send(record("watched.example.com.") + "\n");
  ASSERT_TRUE(eventually([&] { return actions().size() == 2; })) << w.read("stderr.txt");
  w.write("policy.yaml", "version: 1\nrule_groups: [not, a, map]\n");
  ASSERT_EQ(::kill(run.pid, SIGHUP), 0);
  ASSERT_TRUE(eventually([&] { return w.read("stderr.txt").find("keeping what was in force") != std::string::npos; }))
      << w.read("stderr.txt");
  run.send(record("watched.example.com.") + "\n");
  ASSERT_TRUE(eventually([&] { return actions().size() == 3; })) << w.read("stderr.txt");
  ::close(run.input);
  run.input = -1;
  EXPECT_EQ(run.wait_exit(), 0) << w.read("stderr.txt");
  EXPECT_EQ(actions(), (std::vector<std::string>{"\"BLOCK\"", "\"ALERT\"", "\"ALERT\""}));
}

TEST(InputHardening, AStopSignalDuringABatchRunFlushesWholeLines) {
  Workdir w;
  // Enough input that the run is still going when the signal comes.
  std::string text = records(20000);
  for (int i = 0; i < 4; ++i) text += text;
  w.write("big.jsonl", text);
  const std::string cmd =
      "cd " + w.path + " && exec " DNSLENS_BINARY " run big.jsonl big.jsonl big.jsonl -o out.jsonl -j 1 2>stderr.txt";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(121);
  }
  ASSERT_TRUE(eventually([&] {
    return std::filesystem::exists(w.file("out.jsonl")) && std::filesystem::file_size(w.file("out.jsonl")) > 0;
  }));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  const std::string out = w.read("out.jsonl");
  if (WEXITSTATUS(status) == 0) {
    // The run finished before the signal arrived (a fast machine): then it is complete.
    EXPECT_EQ(line_count(out), 3 * line_count(text));
    return;
  }
  EXPECT_EQ(WEXITSTATUS(status), 130) << w.read("stderr.txt");
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_LT(line_count(out), 3 * line_count(text));
  for (const auto& line : lines_of(out)) ASSERT_EQ(line.back(), '}');
  EXPECT_NE(w.read("stderr.txt").find("stopped       by SIGINT"), std::string::npos);
}

}  // namespace
}  // namespace dnslens::testing
