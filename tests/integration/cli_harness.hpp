#pragma once
// Runs the real dnslens binary in a fresh temporary directory.
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace dnslens::testing {

struct Workdir {
  Workdir() {
    char tmpl[] = "/tmp/dnslens-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~Workdir() { std::filesystem::remove_all(path); }
  [[nodiscard]] std::string file(const std::string& name) const { return path + "/" + name; }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
  }
  [[nodiscard]] std::string read(const std::string& name) const {
    std::ifstream in(file(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string path;
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline RunResult run_dnslens(const Workdir& w, const std::string& args, const std::string& stdin_file = "") {
  std::string cmd =
      "cd " + w.path + " && " DNSLENS_BINARY " " + args + " >" + w.file(".stdout") + " 2>" + w.file(".stderr");
  if (!stdin_file.empty()) cmd += " <" + stdin_file;
  int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = w.read(".stdout");
  r.err = w.read(".stderr");
  return r;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) lines.push_back(line);
  return lines;
}

// Running: the process is there and is not a zombie. An orphan that exited lingers as a zombie until
// PID 1 reaps it, which in a container may take seconds, and kill(pid, 0) still succeeds on one.
inline bool process_running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const std::size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

// Polls until pred() holds, for at most `seconds` (every 50 ms).
template <typename Pred>
bool eventually(Pred pred, int seconds = 15) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

inline std::string record(const std::string& name, const std::string& ts = "2021-02-04T17:51:55Z") {
  return R"({"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-7example","query_timestamp":")" +
         ts + R"(","query_name":")" + name +
         R"(","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.0.0.5","srcport":"5353","transport":"UDP","srcids":{"instance":"i-0abc"}})";
}

}  // namespace dnslens::testing
