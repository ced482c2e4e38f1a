#pragma once
// Starts the real `dnslens serve` as a child process on a free loopback port and stops it (SIGTERM
// for a clean stop, SIGKILL for a crash). Every wait is bounded.
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_harness.hpp"

namespace dnslens::testing {

class ServerProcess {
 public:
  // args: what follows `dnslens serve` (--listen 127.0.0.1:0 and --port-file are added).
  ServerProcess(const Workdir& w, const std::string& args, const std::vector<std::string>& env = {}) : w_(w) {
    const std::string port_file = w.file(".port");
    std::remove(port_file.c_str());
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Gone with the test process, even one killed at its ctest timeout.
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) _exit(127);
      if (::chdir(w.path.c_str()) != 0) _exit(127);
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      const std::string cmd = "exec " DNSLENS_BINARY " serve --listen 127.0.0.1:0 --port-file " + port_file + " " +
                              args + " 2>>" + w.file("serve.log");
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 400 && port_ == 0; ++i) {  // up to 20 s (the PSL and DGA model load first)
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
  ~ServerProcess() {
    if (pid_ > 0) kill_hard();
  }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] bool started() const { return port_ > 0; }
  [[nodiscard]] std::string log() const { return w_.read("serve.log"); }

  // SIGTERM and wait (bounded); returns the exit code, or -1 if it had to be killed.
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 400; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill_hard();
    return -1;
  }
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Waits up to `seconds` for the process to exit by itself; its exit code, or -1 when it is still
  // running (or died of a signal).
  int wait_exit(double seconds) {
    if (pid_ <= 0) return -1;
    for (int i = 0; i <= static_cast<int>(seconds * 100); ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  // The server's peak resident memory (VmHWM) in KiB; 0 when it is gone.
  [[nodiscard]] long peak_rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string key;
    while (in >> key) {
      if (key == "VmHWM:") {
        long kib = 0;
        in >> kib;
        return kib;
      }
    }
    return 0;
  }
  // Waits (up to 10 s) until the server's log holds text.
  [[nodiscard]] bool wait_for_log(const std::string& text) const {
    return eventually([&] { return log().find(text) != std::string::npos; }, 10);
  }
  void kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  const Workdir& w_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace dnslens::testing
