#pragma once
// --intel, --intel-config and --intel-srcaddr, shared by run and serve; SIGHUP reloads the feeds.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "enrich/registered_domain/public_suffix_list.hpp"
#include "enrich/threat_intel/intel_handle.hpp"
#include "enrich/threat_intel/threat_intel.hpp"

namespace dnslens::cli {

struct IntelOptions {
  std::vector<std::string> feeds;  // [NAME=]PATH
  std::string config;
  bool srcaddr = false;
  bool quiet = false;

  void add(CLI::App* sub);
  // Loads every feed named on the command line or in the config (null when none); prints what each
  // loaded and the first problems unless quiet. Throws on a feed that cannot be read at all.
  [[nodiscard]] std::unique_ptr<ThreatIntel> load(const PublicSuffixList& psl) const;
};

// Reloads every feed when SIGHUP arrives. A reload that fails (a feed gone, a config error) keeps
// the intel in force and says why.
class IntelReloader {
 public:
  // also: reloads something else on the same signal (serve's DNS Firewall policy); it reports its own
  // outcome, and an exception it throws is reported as a failed reload.
  IntelReloader(const IntelOptions& o, const PublicSuffixList& psl, IntelHandle* handle,
                std::function<void()> also = {});
  ~IntelReloader() { stop(); }
  IntelReloader(const IntelReloader&) = delete;
  IntelReloader& operator=(const IntelReloader&) = delete;
  void stop();

 private:
  void loop();

  const IntelOptions& o_;
  const PublicSuffixList& psl_;
  IntelHandle* handle_;
  std::function<void()> also_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace dnslens::cli
