#pragma once
// An enricher adds what it knows to an EnrichedRecord. Enrichers are built once per run and shared
// const by every worker; what a worker needs to keep (name buffers, a memo, the threat-intel
// snapshot of the current batch) lives in the enricher's local state, one per worker, in the
// spirit of DuckDB's local sink state. The chain runs them in order: the name enricher first, as
// the others read the normalised name and its parts.
#include <memory>
#include <vector>

#include "core/enriched_record.hpp"
#include "core/query_record.hpp"

namespace dnslens {

// One worker's state for one enricher.
class EnricherState {
 public:
  virtual ~EnricherState() = default;
};

class Enricher {
 public:
  virtual ~Enricher() = default;
  // The worker's state (null when the enricher keeps none).
  [[nodiscard]] virtual std::unique_ptr<EnricherState> make_state() const { return nullptr; }
  // Called on the worker before each batch of records (a job, or a Firehose request's slice).
  virtual void begin_batch(EnricherState* /*state*/) const {}
  virtual void enrich(const QueryRecord& record, EnrichedRecord& out, EnricherState* state) const = 0;
};

// The enrichers of a run, in order; shared const by the workers.
class EnricherChain {
 public:
  // One worker's states, one per enricher of the chain that made it.
  class Local {
   public:
    Local() = default;
    template <class State>
    [[nodiscard]] State* state(std::size_t index) const {
      return static_cast<State*>(states_[index].get());
    }

   private:
    friend class EnricherChain;
    std::vector<std::unique_ptr<EnricherState>> states_;
  };

  void add(std::shared_ptr<const Enricher> enricher) { enrichers_.push_back(std::move(enricher)); }
  [[nodiscard]] std::size_t size() const { return enrichers_.size(); }

  [[nodiscard]] Local make_local() const {
    Local local;
    for (const auto& e : enrichers_) local.states_.push_back(e->make_state());
    return local;
  }
  void begin_batch(Local& local) const {
    for (std::size_t i = 0; i < enrichers_.size(); ++i) enrichers_[i]->begin_batch(local.states_[i].get());
  }
  // Runs every enricher on the record. out is not reset in between (a record's worth of stores per
  // record): each enricher writes every field it owns, so out holds this record's facts only, as long
  // as out was only ever written by this chain.
  void enrich(const QueryRecord& record, EnrichedRecord& out, Local& local) const {
    for (std::size_t i = 0; i < enrichers_.size(); ++i) enrichers_[i]->enrich(record, out, local.states_[i].get());
  }

 private:
  std::vector<std::shared_ptr<const Enricher>> enrichers_;
};

}  // namespace dnslens
