#include "core/stop_signal.hpp"

#include <csignal>

namespace dnslens {

namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_batch_stop_signal(int signo) {
  g_stop_signal = signo;
  std::signal(signo, SIG_DFL);
}

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_batch_stop_signal;
  sigemptyset(&sa.sa_mask);
  // SA_RESTART: no other thread's read or write fails with EINTR; the reader polls its pipes instead.
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

int stop_signal() { return g_stop_signal; }

}  // namespace dnslens
