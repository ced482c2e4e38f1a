#include "detect/engine/detector_set.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "detect/detectors.hpp"

namespace dnslens {

DetectorSet::DetectorSet(const DetectionConfig& config, FindingStore& store, unsigned threads)
    : config_(config), store_(store) {
  for (const DetectorRegistration* r : registered_detectors()) {
    if (r->enabled(config)) detectors_.push_back(r->make(config));
  }
  seconds_.assign(detectors_.size(), 0.0);
  const std::size_t helpers = std::min<std::size_t>(std::max(threads, 1u), detectors_.size()) - 1;
  if (helpers > 0 && !detectors_.empty()) {
    held_.resize(detectors_.size());
    for (std::size_t i = 0; i < helpers; ++i) helpers_.emplace_back([this] { help(); });
  }
}

DetectorSet::~DetectorSet() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : helpers_) t.join();
}

void DetectorSet::consume(const DetectionBatch& batch, std::string_view input) {
  // Detector by detector over the whole batch: each one's code and state stay hot. The clocks are
  // read only when sweeping, between batches.
  for (const DetectionEvent& e : batch.events) clocks_.advance(e.vpc_hash, e.ts_ms);
  each_detector([&](Detector& d, FindingSink& sink) { d.observe_batch(batch, input, sink); });
  events_ += batch.events.size();
  since_sweep_ += batch.events.size();
  if (since_sweep_ >= kSweepEvery) {
    since_sweep_ = 0;
    each_detector([&](Detector& d, FindingSink& sink) { d.sweep(clocks_, config_.lateness_seconds * 1000, sink); });
  }
}

void DetectorSet::finish() {
  each_detector([&](Detector& d, FindingSink& sink) { d.sweep(clocks_, config_.lateness_seconds * 1000, sink); });
  each_detector([&](Detector& d, FindingSink& sink) { d.finish(sink); });
}

std::vector<DetectorStats> DetectorSet::stats() const {
  std::vector<DetectorStats> out;
  for (std::size_t i = 0; i < detectors_.size(); ++i) {
    out.push_back(detectors_[i]->stats());
    out.back().seconds = seconds_[i];
  }
  return out;
}

void DetectorSet::each_detector(const std::function<void(Detector&, FindingSink&)>& step) {
  if (helpers_.empty()) {
    for (std::size_t i = 0; i < detectors_.size(); ++i) {
      const auto start = std::chrono::steady_clock::now();
      step(*detectors_[i], store_);
      seconds_[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return;
  }
  {
    std::lock_guard lock(mutex_);
    step_ = &step;
    next_task_.store(0);
    finished_tasks_ = 0;
    ++round_;
  }
  wake_.notify_all();
  take_tasks();  // the calling thread works too
  {
    std::unique_lock lock(mutex_);
    // Every task done, and no helper still looking for one (it would take the next round's first).
    done_.wait(lock, [&] { return finished_tasks_ == detectors_.size() && busy_helpers_ == 0; });
    step_ = nullptr;
  }
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  for (HeldFindings& held : held_) {  // to the store in detector order, as one thread emits them
    for (Finding& f : held.findings) store_.emit(std::move(f));
    held.findings.clear();
  }
}

void DetectorSet::help() {
  std::uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || round_ != seen; });
      if (stopping_) return;
      seen = round_;
      ++busy_helpers_;
    }
    take_tasks();
    {
      std::lock_guard lock(mutex_);
      --busy_helpers_;
    }
    done_.notify_all();
  }
}

void DetectorSet::take_tasks() {
  for (std::size_t i = next_task_.fetch_add(1); i < detectors_.size(); i = next_task_.fetch_add(1)) run_task(i);
}

void DetectorSet::run_task(std::size_t i) {
  const auto start = std::chrono::steady_clock::now();
  try {
    (*step_)(*detectors_[i], held_[i]);
  } catch (...) {
    std::lock_guard lock(mutex_);
    if (!failure_) failure_ = std::current_exception();
  }
  seconds_[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bool last = false;
  {
    std::lock_guard lock(mutex_);
    last = ++finished_tasks_ == detectors_.size();
  }
  if (last) done_.notify_all();
}

}  // namespace dnslens
