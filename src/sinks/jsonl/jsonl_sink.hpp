#pragma once
// Enriched records as JSON lines: one file (plain, gzip or zstd; stdout with "-"), or the S3 export
// layout under a directory (see partitioned_writer.hpp). With one worker writing one plain file,
// each batch's lines start at an address that lets the file's direct writer take them in place
// (FileWriter::write_in_place): the worker alone knows the running output length, so this stays
// private to the sink and off with several workers.
#include <memory>
#include <optional>
#include <string>

#include "io/decoders.hpp"
#include "sinks/formats/record_format.hpp"
#include "sinks/jsonl/partitioned_writer.hpp"
#include "io/output_sink.hpp"
#include "sinks/record_sink.hpp"

namespace dnslens {

struct JsonLinesConfig {
  std::string path;  // a file, or "-" for stdout; unused with dir
  std::string dir;   // when set: the S3 export layout under it
  Compression compression = Compression::kNone;
  std::string run_id;                    // names the partition files
  const RecordFormat* format = nullptr;  // null: route53 (the enriched Route 53 lines)
};

class JsonLinesSink final : public RecordSink {
 public:
  [[nodiscard]] std::string_view name() const override { return "output"; }
  // Opens the output; throws Error(kIo) when it cannot.
  explicit JsonLinesSink(JsonLinesConfig config);

  [[nodiscard]] std::unique_ptr<SinkLocal> make_local(unsigned worker, unsigned workers) override;
  [[nodiscard]] std::unique_ptr<SinkBatch> make_batch() const override;
  void write(SinkBatch& batch, const BatchOrigin& origin) override;
  void flush() override;
  void finish() override;
  [[nodiscard]] double seconds_in_writes() const override { return file_ ? file_->seconds_in_writes() : 0; }
  [[nodiscard]] std::size_t partition_files() const { return partitioned_ ? partitioned_->files_written() : 0; }

 private:
  JsonLinesConfig config_;
  std::unique_ptr<OutputSink> file_;
  std::optional<PartitionedWriter> partitioned_;
};

}  // namespace dnslens
