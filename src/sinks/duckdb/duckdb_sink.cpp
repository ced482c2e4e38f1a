#include "sinks/duckdb/duckdb_sink.hpp"

#include <exception>
#include <thread>

#include "store/record_chunks.hpp"

namespace dnslens {

namespace {

// The rows go straight to the worker's appender at the end of each batch, so the job carries nothing.
struct NoBatch final : SinkBatch {
  void clear() override {}
};

class DuckDbLocal final : public SinkLocal {
 public:
  explicit DuckDbLocal(StoreAppender& appender) : appender_(appender) {}

  void begin_batch(SinkBatch& /*batch*/, std::string_view /*input*/) override { rows_.clear(); }
  void add(const SinkRecord& r, SinkBatch& /*batch*/) override { rows_.add(r.record, r.enriched, r.route53_line()); }
  void end_batch(SinkBatch& /*batch*/) override { appender_.append(rows_); }

 private:
  StoreAppender& appender_;
  RecordChunks rows_;  // this batch's records as DuckDB chunks
};

}  // namespace

std::unique_ptr<SinkLocal> DuckDbSink::make_local(unsigned /*worker*/, unsigned /*workers*/) {
  if (shared_ != nullptr) return std::make_unique<DuckDbLocal>(*shared_);
  return std::make_unique<DuckDbLocal>(*appenders_.emplace_back(store_->make_appender()));
}

std::unique_ptr<SinkBatch> DuckDbSink::make_batch() const { return std::make_unique<NoBatch>(); }

void DuckDbSink::finish() {
  if (store_ == nullptr) return;
  std::vector<std::exception_ptr> failures(appenders_.size());
  {
    std::vector<std::jthread> committers;
    for (std::size_t i = 0; i < appenders_.size(); ++i) {
      committers.emplace_back([&, i] {
        try {
          appenders_[i]->commit();
        } catch (...) {  // rethrown below, on the calling thread
          failures[i] = std::current_exception();
        }
      });
    }
  }
  for (const auto& f : failures) {
    if (f) std::rethrow_exception(f);
  }
  for (auto& a : appenders_) store_->absorb(a->stats());
  appenders_.clear();
}

}  // namespace dnslens
