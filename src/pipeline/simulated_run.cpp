#include "pipeline/simulated_run.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "core/error.hpp"

namespace dnslens {

namespace {

class SimulationObserver final : public RecordObserver {
 public:
  explicit SimulationObserver(const FirewallEvaluator& ev) : sim(ev) {}
  void observe(const QueryRecord& r, const EnrichedRecord& o) override {
    sim.add(r, o.normalized_name(),
            FirewallVerdict{o.firewall.rule, o.firewall.via_redirection, o.firewall.matched_name}, o.firewall.drift);
  }
  FirewallSimulation sim;
};

}  // namespace

SimulatedRun run_with_firewall_simulation(PipelineConfig config) {
  const std::shared_ptr<const FirewallEvaluator> firewall =
      config.enrich.firewall != nullptr ? config.enrich.firewall->current() : nullptr;
  if (firewall == nullptr) throw Error(ErrorCode::kUsage, "a firewall simulation needs a policy");
  std::vector<std::unique_ptr<SimulationObserver>> observers;
  for (unsigned i = 0; i < config.source.workers(); ++i)
    observers.push_back(std::make_unique<SimulationObserver>(*firewall));
  config.observers = [&](unsigned i) { return observers.at(i).get(); };
  SimulatedRun out{run_pipeline(config), FirewallSimulation(*firewall)};
  for (const auto& ob : observers) out.simulation.merge(ob->sim);
  return out;
}

}  // namespace dnslens
