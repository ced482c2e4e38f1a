#include "cli/intel_options.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>

#include "enrich/threat_intel/feed_loader.hpp"

namespace dnslens::cli {

namespace {

volatile std::sig_atomic_t g_reload_requested = 0;
extern "C" void on_sighup(int) { g_reload_requested = 1; }

}  // namespace

void IntelOptions::add(CLI::App* sub) {
  sub->add_option("--intel", feeds,
                  "Threat-intel feed [NAME=]PATH (repeatable): domain/IP list or hosts file, CSV with a header, "
                  "STIX 2.1 bundle, MISP JSON; format detected from the content. SIGHUP reloads every feed");
  sub->add_option("--intel-config", config,
                  "JSON list of feeds: name, path, format, columns (CSV mapping), default_confidence, actor, threat");
  sub->add_flag("--intel-srcaddr", srcaddr, "Also match srcaddr against address indicators");
}

std::unique_ptr<ThreatIntel> IntelOptions::load(const PublicSuffixList& psl) const {
  std::vector<FeedSpec> specs;
  if (!config.empty()) specs = load_feed_config(config);
  for (const auto& f : feeds) specs.push_back(FeedSpec::parse(f));
  if (specs.empty()) return nullptr;
  auto intel = std::make_unique<ThreatIntel>();
  for (const auto& spec : specs) {
    const auto start = std::chrono::steady_clock::now();
    FeedReport r = load_feed(spec, psl, *intel);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!quiet) {
      std::fprintf(stderr, "dnslens: intel feed '%s' (%s, %s): %zu indicators, %zu rejected, %zu skipped, %.2f s\n",
                   r.name.c_str(), r.path.c_str(), std::string(feed_format_name(r.format)).c_str(), r.loaded,
                   r.rejected, r.skipped, secs);
      for (const auto& p : r.problems) std::fprintf(stderr, "dnslens:   %s\n", p.c_str());
      if (r.rejected > r.problems.size()) {
        std::fprintf(stderr, "dnslens:   ... and %zu more\n", r.rejected - r.problems.size());
      }
    }
  }
  return intel;
}

IntelReloader::IntelReloader(const IntelOptions& o, const PublicSuffixList& psl, IntelHandle* handle,
                             std::function<void()> also)
    : o_(o), psl_(psl), handle_(handle), also_(std::move(also)) {
  if (!handle_ && !also_) return;
  struct sigaction sa {};
  sa.sa_handler = on_sighup;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGHUP, &sa, nullptr);
  thread_ = std::thread([this] { loop(); });
}

void IntelReloader::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void IntelReloader::loop() {
  while (!stop_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!g_reload_requested) continue;
    g_reload_requested = 0;
    if (handle_) {
      try {
        std::shared_ptr<const ThreatIntel> next = o_.load(psl_);
        const std::size_t n = next ? next->size() : 0;
        handle_->replace(std::move(next));
        std::fprintf(stderr, "dnslens: intel reloaded: %zu indicators\n", n);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "dnslens: intel reload failed, keeping the previous feeds: %s\n", e.what());
      }
    }
    if (also_) {
      try {
        also_();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "dnslens: reload failed, keeping what was in force: %s\n", e.what());
      }
    }
  }
}

}  // namespace dnslens::cli
