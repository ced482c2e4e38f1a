#pragma once
// A pipeline run that also replays every record against a DNS Firewall policy: one
// FirewallSimulation per worker thread, merged into one report after the run.
#include "enrich/dns_firewall/firewall_simulation.hpp"
#include "pipeline/pipeline.hpp"

namespace dnslens {

struct SimulatedRun {
  RunSummary summary;
  FirewallSimulation simulation;
};

// config.enrich.firewall must be set; it is the evaluator the report describes. The run's own
// observers are replaced by the simulation's.
[[nodiscard]] SimulatedRun run_with_firewall_simulation(PipelineConfig config);

}  // namespace dnslens
