#pragma once
// A webhook receiver on 127.0.0.1 for notification tests: answers 503 to the first fail_first
// requests, then keeps every body it is sent.
#include <httplib.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dnslens::testing {

class Receiver {
 public:
  explicit Receiver(int fail_first) : fail_first_(fail_first) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      ++requests_;
      if (requests_ <= fail_first_) {
        res.status = 503;
        return;
      }
      bodies_.push_back(req.body);
      res.set_content("ok", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  int fail_first_;
  std::thread thread_;
  std::mutex mutex_;
  int requests_ = 0;
  std::vector<std::string> bodies_;
};

}  // namespace dnslens::testing
