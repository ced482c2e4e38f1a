#include "sinks/dead_letters/dead_letter_writer.hpp"

#include <iterator>

#include <fmt/format.h>

#include "core/json_escape.hpp"

namespace dnslens {

void DeadLetterFile::write(const DeadLetterEntry& d) {
  if (!file_) file_ = make_file_sink(path_, compression_for_path(path_));
  std::string& o = buf_;
  o.clear();
  o += "{\"file\":\"";
  append_json_escaped_bytes(o, d.source);
  fmt::format_to(std::back_inserter(o), "\",\"line\":{}", d.line);
  if (d.envelope != 0) fmt::format_to(std::back_inserter(o), ",\"envelope\":{}", d.envelope);
  o += ",\"reason\":\"";
  o += bad_reason_name(d.reason);
  o += "\",\"detail\":\"";
  append_json_escaped_bytes(o, d.detail);
  o += '"';
  if (is_valid_utf8(d.raw)) {
    o += ",\"raw\":\"";
    append_json_escaped(o, d.raw);
    o += '"';
  }
  o += ",\"raw_base64\":\"";
  o += base64_encode(d.raw);
  fmt::format_to(std::back_inserter(o), "\",\"raw_bytes\":{},\"raw_truncated\":{}}}\n", d.raw_total,
                 d.raw_total > d.raw.size() ? "true" : "false");
  file_->write(o);
  ++written_;
}

void DeadLetterFile::finish() {
  if (file_) file_->finish();
}

void DeadLetterTable::begin(std::int64_t received_ms) {
  received_ms_ = received_ms;
  kept_ = raw_bytes_ = 0;
  dropped_ = 0;
}

void dead_letter_origin(const DeadLetterEntry& d, std::string& out) {
  out.clear();
  if (!d.firehose_request_id.empty()) {
    fmt::format_to(std::back_inserter(out), "firehose {} record {}", d.firehose_request_id, d.envelope);
  } else {
    out = d.source;
    if (d.envelope != 0) fmt::format_to(std::back_inserter(out), " envelope {}", d.envelope);
  }
}

void DeadLetterTable::write(const DeadLetterEntry& d) {
  if (kept_ >= max_kept_ || raw_bytes_ + d.raw.size() > max_raw_bytes_) {
    ++dropped_;
    return;
  }
  ++kept_;
  raw_bytes_ += d.raw.size();
  dead_letter_origin(d, origin_);
  appender_.append_dead_letter(
      {received_ms_, origin_, d.line, bad_reason_name(d.reason), d.detail, d.raw, d.raw_total});
  ++written_;
}

}  // namespace dnslens
