#pragma once
// A pipeline run that also replays every record against a DNS Firewall policy: one
// FirewallSimulation per worker thread, merged into one report after the run.
#include "enrich/dns_firewall/firewall_simulation.hpp"
#include "pipeline/pipeline.hpp"

namespace dnslens {

class StoreWriter;  // store/store_writer.hpp

struct SimulatedRun {
  RunSummary summary;
  FirewallSimulation simulation;
};

// enrichers.firewall must be set; it is the evaluator the report describes.
[[nodiscard]] SimulatedRun run_with_firewall_simulation(const RunConfig& config, const Enrichers& enrichers,
                                                        MatchNotifier* notifier, DetectorSet* detectors = nullptr,
                                                        const FindingStore* findings = nullptr,
                                                        StoreWriter* store = nullptr);

}  // namespace dnslens
