#include "sinks/jsonl/jsonl_sink.hpp"

#include <cstdint>
#include <vector>

#include "sinks/jsonl/jsonl_encoder.hpp"

namespace dnslens {

namespace {

struct PartitionSlice {
  std::string key;
  std::size_t offset = 0;
  std::size_t length = 0;
};

struct JsonLinesBatch final : SinkBatch {
  OutputBuffer output;
  std::size_t output_start = 0;  // the lines begin here; the bytes before are headroom (block-aligned output)
  std::vector<PartitionSlice> partitions;
  std::size_t partitions_used = 0;

  void clear() override {
    output.clear();
    output_start = 0;
    partitions_used = 0;
  }
};

class JsonLinesLocal final : public SinkLocal {
 public:
  // route53's encoder is called directly (the hot path of a plain run), not through the pointer.
  JsonLinesLocal(const RecordFormat& format, bool partitioned, bool block_aligned)
      : format_(format), route53_(format.name == "route53"), partitioned_(partitioned), block_aligned_(block_aligned) {}

  void begin_batch(SinkBatch& b, std::string_view input) override {
    auto& batch = static_cast<JsonLinesBatch&>(b);
    const std::size_t input_size = input.size();
    if (block_aligned_)
      begin_block_aligned(batch, input_size);  // reserves more, and aligns
    else
      batch.output.reserve(static_cast<std::size_t>(static_cast<double>(input_size) * format_.expansion));
    current_key_ = {};
  }

  void add(const SinkRecord& r, SinkBatch& b) override {
    auto& batch = static_cast<JsonLinesBatch&>(b);
    const std::size_t start = batch.output.size();
    if (route53_)
      encode_enriched_line(r.route53_line(), r.enriched, batch.output);
    else
      format_.encode(r, batch.output);
    if (!partitioned_) return;
    const std::size_t n = partition_key(r.record.account_id, r.record.vpc_id, r.record.timestamp_ms, key_buf_);
    const std::string_view key(key_buf_, n);
    if (batch.partitions_used == 0 || key != current_key_) {
      if (batch.partitions.size() == batch.partitions_used) batch.partitions.emplace_back();
      PartitionSlice& slice = batch.partitions[batch.partitions_used++];
      slice.key.assign(key);
      slice.offset = start;
      slice.length = 0;
      current_key_ = slice.key;
    }
    batch.partitions[batch.partitions_used - 1].length += batch.output.size() - start;
  }

  void end_batch(SinkBatch& b) override {
    auto& batch = static_cast<JsonLinesBatch&>(b);
    output_total_ += batch.output.size() - batch.output_start;
  }

 private:
  // The output file holds output_total_ bytes, so its partial last block has output_total_ % kBlock
  // of them. The batch's first line goes right after that many bytes of headroom that begin on a
  // block boundary; the reservation is generous so appending lines does not move the buffer (if it
  // does, the writer notices the lost alignment and copies instead).
  void begin_block_aligned(JsonLinesBatch& batch, std::size_t input_size) const {
    constexpr std::size_t kBlock = 4096;
    batch.output.reserve(static_cast<std::size_t>(static_cast<double>(input_size) * (format_.expansion + 0.5)) +
                         2 * kBlock);
    const std::size_t carry = output_total_ % kBlock;
    const auto address = reinterpret_cast<std::uintptr_t>(batch.output.data());
    const std::size_t to_boundary = (kBlock - address % kBlock) % kBlock;
    batch.output.resize(to_boundary + carry);
    batch.output_start = batch.output.size();
  }

  const RecordFormat& format_;
  bool route53_;
  bool partitioned_;
  bool block_aligned_;
  std::uint64_t output_total_ = 0;  // enriched bytes of all batches so far
  char key_buf_[256];
  std::string_view current_key_;
};

}  // namespace

JsonLinesSink::JsonLinesSink(JsonLinesConfig config) : config_(std::move(config)) {
  if (!config_.dir.empty()) {
    partitioned_.emplace(config_.dir, config_.run_id, config_.compression);
  } else {
    file_ = make_file_sink(config_.path, config_.compression, OpenMode::kTruncate, WriteHint::kBulk);
  }
}

std::unique_ptr<SinkLocal> JsonLinesSink::make_local(unsigned /*worker*/, unsigned workers) {
  const bool block_aligned =
      workers == 1 && !partitioned_ && config_.path != "-" && config_.compression == Compression::kNone;
  const RecordFormat& format = config_.format != nullptr ? *config_.format : record_format("route53");
  return std::make_unique<JsonLinesLocal>(format, partitioned_.has_value(), block_aligned);
}

std::unique_ptr<SinkBatch> JsonLinesSink::make_batch() const { return std::make_unique<JsonLinesBatch>(); }

void JsonLinesSink::write(SinkBatch& b, const BatchOrigin& /*origin*/) {
  auto& batch = static_cast<JsonLinesBatch&>(b);
  if (partitioned_) {
    for (std::size_t i = 0; i < batch.partitions_used; ++i) {
      const PartitionSlice& s = batch.partitions[i];
      partitioned_->write(s.key, batch.output.view().substr(s.offset, s.length));
    }
  } else if (batch.output.size() > batch.output_start) {
    file_->write_with_headroom(batch.output.data() + batch.output_start, batch.output.size() - batch.output_start,
                               batch.output_start);
  }
}

void JsonLinesSink::flush() {
  if (file_) file_->flush();
  if (partitioned_) partitioned_->flush();
}

void JsonLinesSink::finish() {
  if (file_) file_->finish();
  if (partitioned_) partitioned_->finish();
}

}  // namespace dnslens
