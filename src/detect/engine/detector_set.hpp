#pragma once
// The detection stage: every enabled detector, fed the per-record events of each job in input
// order, with per-VPC clocks that close windows. Findings go to the FindingStore.
//
// The detectors keep separate state, so with threads > 1 they run side by side, each over the whole
// batch on one thread at a time; each one's findings are held back and handed to the store in detector
// order once all are done, so the store sees the same findings in the same order as with one thread
// (the findings, their merging and the notifications do not depend on the thread count).
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector.hpp"
#include "detect/findings/finding_store.hpp"

namespace dnslens {

class DetectorSet {
 public:
  // threads: how many threads run the detectors (the calling thread is one of them); at most one per
  // detector is used.
  DetectorSet(const DetectionConfig& config, FindingStore& store, unsigned threads = 1);
  ~DetectorSet();
  DetectorSet(const DetectorSet&) = delete;
  DetectorSet& operator=(const DetectorSet&) = delete;

  // input: the job's raw lines (the batch's line references point into it).
  void consume(const DetectionBatch& batch, std::string_view input);
  void finish();
  // Each detector's, with the seconds it has spent observing, sweeping and finishing.
  [[nodiscard]] std::vector<DetectorStats> stats() const;
  [[nodiscard]] std::uint64_t events() const { return events_; }
  [[nodiscard]] unsigned threads() const { return static_cast<unsigned>(helpers_.size()) + 1; }

 private:
  static constexpr std::uint64_t kSweepEvery = 65536;

  // A detector's findings held back while the detectors run side by side.
  struct HeldFindings final : FindingSink {
    std::vector<Finding> findings;
    void emit(Finding finding) override { findings.push_back(std::move(finding)); }
  };

  // Runs step(detector, sink) for every detector, timed into seconds_: in turn with the store as the
  // sink on one thread, else side by side and then the held findings to the store in detector order.
  void each_detector(const std::function<void(Detector&, FindingSink&)>& step);
  void help();                 // a helper thread's loop
  void take_tasks();           // runs tasks of the current round until none is left
  void run_task(std::size_t);  // one detector's step

  DetectionConfig config_;
  FindingStore& store_;
  std::vector<std::unique_ptr<Detector>> detectors_;
  std::vector<double> seconds_;
  Watermarks clocks_;
  std::uint64_t events_ = 0;
  std::uint64_t since_sweep_ = 0;

  // The helper threads and the current round of tasks (one per detector).
  std::vector<HeldFindings> held_;
  std::vector<std::thread> helpers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(Detector&, FindingSink&)>* step_ = nullptr;
  std::uint64_t round_ = 0;
  std::atomic<std::size_t> next_task_{0};
  std::size_t finished_tasks_ = 0;
  unsigned busy_helpers_ = 0;
  bool stopping_ = false;
  std::exception_ptr failure_;
};

}  // namespace dnslens
