#pragma once
// One record that could not be used, with where it came from and why, as the writer thread hands it to
// the dead-letter writer and to every record sink.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bad_reason.hpp"

namespace dnslens {

struct DeadLetterEntry {
  std::string_view source;               // the input's name (run); empty for a Firehose request
  std::string_view firehose_request_id;  // serve
  std::uint64_t line = 0;                // 1-based line in its input (file or decoded request); 0: not about one line
  std::uint64_t envelope = 0;            // 1-based envelope (Firehose record) it came from; 0 for plain lines
  BadReason reason = BadReason::kMalformedJson;
  std::string_view detail;
  std::string_view raw;         // the record's bytes, possibly cut short
  std::uint64_t raw_total = 0;  // its full length
};

// Where the record came from, as the stores' dead_letters.origin says it: "firehose <request id> record
// <n>", or the input's name (with " envelope <n>" for a record inside an envelope). Replaces out.
void dead_letter_origin(const DeadLetterEntry& entry, std::string& out);

}  // namespace dnslens
