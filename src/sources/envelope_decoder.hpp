#pragma once
// Envelope codecs in front of the one record parser: they turn CloudWatch Logs subscription
// payloads (DATA_MESSAGE logEvents; CONTROL_MESSAGEs skipped), Lambda-style {"awslogs":{"data"}}
// events and Kinesis Data Firehose HTTP endpoint request bodies ({requestId, timestamp,
// records:[{data: base64}]}) into newline-separated query-log records.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/decompress_limits.hpp"

namespace dnslens {

enum class InputFormat { kAuto, kJsonLines, kCloudWatch, kFirehose };

[[nodiscard]] std::string_view input_format_name(InputFormat f);
// The inverse of input_format_name(); anything else is kAuto.
[[nodiscard]] InputFormat parse_input_format(std::string_view name);
// Looks at the first bytes of the decoded stream: an envelope announces itself with its keys.
[[nodiscard]] InputFormat sniff_input_format(std::string_view decoded_head);

struct EnvelopeProblem {
  std::uint64_t index;  // 1-based envelope (top-level JSON object) number
  std::string reason;
  std::string raw;  // first bytes of the offending envelope
};

struct DecodedEnvelopes {
  // Empties it for another decode, keeping the memory of its records and origins.
  void clear();

  std::string records;                // one query-log record per line
  std::vector<std::uint64_t> origin;  // per output line: the envelope it came from
  std::vector<EnvelopeProblem> problems;
  std::uint64_t problems_dropped = 0;  // problems past EnvelopeBudget::max_problems, counted only
  std::uint64_t envelopes = 0;
  std::uint64_t control_messages = 0;
  std::uint64_t log_events = 0;
  std::uint64_t firehose_records = 0;
  std::string request_id;  // the last Firehose requestId seen
};

// What one decode may cost, all envelopes and records together. Every byte a decompression
// produces counts (nested payloads included), and so does every line kept; past max_decoded_bytes
// or max_lines the decode stops with Error(kDecompressionBomb) - for the whole input, not one
// record, because a peer that sends such a thing sends nothing worth keeping half of. 0 = no limit.
struct EnvelopeBudget {
  std::uint64_t max_decoded_bytes = 0;
  std::uint64_t max_lines = 0;
  std::uint64_t max_problems = UINT64_MAX;  // kept with their reason and raw bytes; the rest only counted
};

// Decodes every top-level JSON object in `text` (concatenated or newline-separated). A bad
// envelope becomes a problem entry; the others still decode.
[[nodiscard]] DecodedEnvelopes decode_envelopes(std::string_view text, InputFormat format, const std::string& label,
                                                const DecompressLimits& limits, const EnvelopeBudget& budget = {});

// One Kinesis Data Firehose HTTP endpoint request body ({"requestId", "timestamp", "records":
// [{"data": base64}]}), record by record: a record whose data cannot be decoded is a problem
// (index = its 1-based position) and the others still decode. Each data payload may hold
// query-log lines (direct delivery) or a gzip CloudWatch Logs subscription payload.
struct FirehoseRequest {
  std::string request_id;
  std::int64_t timestamp_ms = 0;
  DecodedEnvelopes decoded;  // origin: the record's 1-based position
};
// Throws Error(kEnvelope) when the body as a whole is not a Firehose request, and
// Error(kDecompressionBomb) when it decodes past the budget.
[[nodiscard]] FirehoseRequest decode_firehose_request(std::string_view body, const std::string& label,
                                                      const DecompressLimits& limits,
                                                      const EnvelopeBudget& budget = {});
// The same into out, whose memory is reused (what it held before is gone).
void decode_firehose_request(std::string_view body, const std::string& label, const DecompressLimits& limits,
                             const EnvelopeBudget& budget, FirehoseRequest& out);

// Splits concatenated JSON values at top level ("{..}{..}", "{..}\n{..}"), honouring strings.
[[nodiscard]] std::vector<std::string_view> split_top_level_json(std::string_view text);

}  // namespace dnslens
