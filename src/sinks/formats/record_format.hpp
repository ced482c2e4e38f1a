#pragma once
// An output format of enriched records: how one record becomes one JSON line. The JSON-lines sink
// writes whichever format the run asks for (to a file, stdout or the S3 layout); each format lives in
// its own folder under src/sinks/ and is known by one line in record_formats.cpp.
#include <string>
#include <string_view>
#include <vector>

#include "sinks/formats/output_buffer.hpp"
#include "sinks/record_sink.hpp"

namespace dnslens {

struct RecordFormat {
  std::string_view name;         // as --output-format spells it
  std::string_view description;  // one line, for --help and the docs
  // Appends the record's line and a newline, in place. Runs on the worker thread; allocates nothing
  // once out has grown to a batch's size.
  void (*encode)(const SinkRecord& record, OutputBuffer& out) = nullptr;
  // Output bytes per input byte, about: what a batch's buffer reserves.
  double expansion = 1.5;
};

// Every format, route53 (the enriched Route 53 lines) first.
[[nodiscard]] const std::vector<RecordFormat>& record_formats();
// The format of that name; throws Error(kUsage) naming the known ones when there is none.
[[nodiscard]] const RecordFormat& record_format(std::string_view name);
// "route53, ocsf-1.1, ..." for help texts and errors.
[[nodiscard]] std::string record_format_names();

}  // namespace dnslens
