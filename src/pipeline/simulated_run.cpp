#include "pipeline/simulated_run.hpp"

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace dnslens {

namespace {

class SimulationObserver final : public RecordObserver {
 public:
  explicit SimulationObserver(const FirewallEvaluator& ev) : sim(ev) {}
  void observe(const QueryRecord& r, const EnrichedRecord& o) override {
    sim.add(r, o.normalized_name(), FirewallVerdict{o.firewall.rule, o.firewall.via_redirection, o.firewall.matched_name},
            o.firewall.drift);
  }
  FirewallSimulation sim;
};

}  // namespace

SimulatedRun run_with_firewall_simulation(const RunConfig& config, const Enrichers& enrichers, MatchNotifier* notifier,
                                          DetectorSet* detectors, const FindingStore* findings, StoreWriter* store) {
  if (enrichers.firewall == nullptr) throw Error(ErrorCode::kInternal, "a firewall simulation needs a policy");
  const unsigned workers = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<SimulationObserver>> observers;
  for (unsigned i = 0; i < workers; ++i) observers.push_back(std::make_unique<SimulationObserver>(*enrichers.firewall));
  SimulatedRun out{run_pipeline(config, enrichers, notifier, [&](unsigned i) { return observers.at(i).get(); }, detectors, findings, store),
                   FirewallSimulation(*enrichers.firewall)};
  for (const auto& ob : observers) out.simulation.merge(ob->sim);
  return out;
}

}  // namespace dnslens
