#include "sources/envelope_decoder.hpp"

#include <simdjson.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "io/base64.hpp"
#include "io/decoders.hpp"

namespace dnslens {

namespace {

constexpr std::size_t kProblemRawBytes = 512;
constexpr int kMaxNesting = 4;  // Firehose -> gzip -> CloudWatch payload is as deep as AWS goes

class EnvelopeWalker {
 public:
  EnvelopeWalker(DecodedEnvelopes& out, const std::string& label, const DecompressLimits& limits)
      : out_(out), label_(label), limits_(limits) {}

  void decode_text(std::string_view text, InputFormat format, std::uint64_t origin, int depth) {
    if (depth > kMaxNesting) throw Error(ErrorCode::kEnvelope, "envelopes nested too deeply");
    for (std::string_view doc : split_top_level_json(text)) {
      simdjson::padded_string padded(doc);
      simdjson::dom::element root;
      if (auto e = parser_for(depth).parse(padded).get(root)) {
        throw Error(ErrorCode::kEnvelope, fmt::format("not valid JSON ({})", simdjson::error_message(e)));
      }
      decode_object(root, format, origin, depth);
    }
  }

  // One Firehose record's data; its problems are caught and kept, so the next record still decodes.
  void decode_record_data(std::string_view base64, std::uint64_t origin) {
    const std::size_t records_before = out_.records.size(), origins_before = out_.origin.size();
    try {
      decode_data(base64, InputFormat::kAuto, origin, 0);
    } catch (const Error& e) {
      out_.records.resize(records_before);  // a record is used whole or not at all
      out_.origin.resize(origins_before);
      out_.problems.push_back({origin, e.what(), std::string(base64.substr(0, kProblemRawBytes))});
    }
  }

 private:
  simdjson::dom::parser& parser_for(int depth) { return parsers_[static_cast<std::size_t>(depth)]; }

  void decode_object(simdjson::dom::element root, InputFormat format, std::uint64_t origin, int depth) {
    simdjson::dom::object obj;
    if (root.get_object().get(obj)) throw Error(ErrorCode::kEnvelope, "envelope is not a JSON object");
    simdjson::dom::element value;
    if (format != InputFormat::kCloudWatch && obj["records"].get(value) == simdjson::SUCCESS) {
      decode_firehose(obj, value, origin, depth);
    } else if (obj["awslogs"].get(value) == simdjson::SUCCESS) {
      std::string_view data;
      if (value["data"].get_string().get(data)) throw Error(ErrorCode::kEnvelope, "awslogs.data is not a string");
      decode_data(data, InputFormat::kCloudWatch, origin, depth);
    } else if (obj["messageType"].get(value) == simdjson::SUCCESS) {
      decode_cloudwatch(obj, origin);
    } else {
      throw Error(ErrorCode::kEnvelope, "neither a CloudWatch Logs payload nor a Firehose request");
    }
  }

  void decode_firehose(simdjson::dom::object obj, simdjson::dom::element records, std::uint64_t origin, int depth) {
    std::string_view request_id;
    if (obj["requestId"].get_string().get(request_id) == simdjson::SUCCESS) out_.request_id = std::string(request_id);
    simdjson::dom::array arr;
    if (records.get_array().get(arr)) throw Error(ErrorCode::kEnvelope, "Firehose 'records' is not an array");
    for (simdjson::dom::element record : arr) {
      std::string_view data;
      if (record["data"].get_string().get(data)) throw Error(ErrorCode::kEnvelope, "Firehose record without a 'data' string");
      ++out_.firehose_records;
      decode_data(data, InputFormat::kAuto, origin, depth);
    }
  }

  // A base64 payload: gzip (CloudWatch subscriptions) or plain; an envelope or query-log lines.
  void decode_data(std::string_view base64, InputFormat hint, std::uint64_t origin, int depth) {
    auto bytes = base64_decode(base64);
    if (!bytes) throw Error(ErrorCode::kEnvelope, "record data is not valid base64");
    std::string decoded = sniff_compression(*bytes) == Compression::kNone
                              ? std::move(*bytes)
                              : decompress_buffer(*bytes, label_ + " (record data)", limits_);
    InputFormat format = hint == InputFormat::kAuto ? sniff_input_format(decoded) : hint;
    if (format == InputFormat::kCloudWatch || format == InputFormat::kFirehose) {
      decode_text(decoded, format, origin, depth + 1);
    } else {
      append_lines(decoded, origin);
    }
  }

  void decode_cloudwatch(simdjson::dom::object obj, std::uint64_t origin) {
    std::string_view type;
    if (obj["messageType"].get_string().get(type)) throw Error(ErrorCode::kEnvelope, "messageType is not a string");
    if (type == "CONTROL_MESSAGE") {
      ++out_.control_messages;
      return;
    }
    if (type != "DATA_MESSAGE") throw Error(ErrorCode::kEnvelope, fmt::format("unknown messageType '{}'", type));
    simdjson::dom::array events;
    if (obj["logEvents"].get_array().get(events)) throw Error(ErrorCode::kEnvelope, "logEvents is not an array");
    for (simdjson::dom::element event : events) {
      std::string_view message;
      if (event["message"].get_string().get(message)) throw Error(ErrorCode::kEnvelope, "log event without a message string");
      ++out_.log_events;
      append_line(message, origin);
    }
  }

  void append_lines(std::string_view text, std::uint64_t origin) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t eol = text.find('\n', pos);
      if (eol == std::string_view::npos) eol = text.size();
      std::string_view line = text.substr(pos, eol - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) append_line(line, origin);
      pos = eol + 1;
    }
  }

  void append_line(std::string_view message, std::uint64_t origin) {
    // A record is one line; JSON allows a raw newline only as whitespace, so replacing it is safe.
    std::size_t start = out_.records.size();
    out_.records.append(message);
    for (std::size_t i = start; i < out_.records.size(); ++i) {
      if (out_.records[i] == '\n' || out_.records[i] == '\r') out_.records[i] = ' ';
    }
    out_.records.push_back('\n');
    out_.origin.push_back(origin);
  }

  DecodedEnvelopes& out_;
  const std::string& label_;
  const DecompressLimits& limits_;
  simdjson::dom::parser parsers_[kMaxNesting + 1];
};

}  // namespace

FirehoseRequest decode_firehose_request(std::string_view body, const std::string& label, const DecompressLimits& limits) {
  FirehoseRequest out;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (auto e = parser.parse(padded).get(root)) {
    throw Error(ErrorCode::kEnvelope, fmt::format("the body is not valid JSON ({})", simdjson::error_message(e)));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) throw Error(ErrorCode::kEnvelope, "the body is not a JSON object");
  std::string_view request_id;
  if (obj["requestId"].get_string().get(request_id)) throw Error(ErrorCode::kEnvelope, "the body has no 'requestId' string");
  out.request_id = std::string(request_id);
  std::int64_t ts = 0;
  if (obj["timestamp"].get_int64().get(ts) == simdjson::SUCCESS) out.timestamp_ms = ts;
  simdjson::dom::array records;
  if (obj["records"].get_array().get(records)) throw Error(ErrorCode::kEnvelope, "the body has no 'records' array");
  EnvelopeWalker walker(out.decoded, label, limits);
  std::uint64_t index = 0;
  for (simdjson::dom::element record : records) {
    ++index;
    ++out.decoded.envelopes;
    ++out.decoded.firehose_records;
    std::string_view data;
    if (record["data"].get_string().get(data)) {
      out.decoded.problems.push_back({index, "record without a 'data' string",
                                      std::string(simdjson::minify(record)).substr(0, kProblemRawBytes)});
      continue;
    }
    walker.decode_record_data(data, index);
  }
  out.decoded.request_id = out.request_id;
  return out;
}

std::string_view input_format_name(InputFormat f) {
  switch (f) {
    case InputFormat::kAuto: return "auto";
    case InputFormat::kJsonLines: return "jsonl";
    case InputFormat::kCloudWatch: return "cloudwatch";
    case InputFormat::kFirehose: return "firehose";
  }
  return "auto";
}

InputFormat parse_input_format(std::string_view name) {
  for (InputFormat f : {InputFormat::kJsonLines, InputFormat::kCloudWatch, InputFormat::kFirehose}) {
    if (name == input_format_name(f)) return f;
  }
  return InputFormat::kAuto;
}

InputFormat sniff_input_format(std::string_view head) {
  std::string_view window = head.substr(0, 4096);
  std::size_t first = window.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || window[first] != '{') return InputFormat::kJsonLines;
  // Query-log records never carry these keys; envelopes always start with one of them near the top.
  bool cw = window.find("\"messageType\"") != std::string_view::npos ||
            window.find("\"logEvents\"") != std::string_view::npos ||
            window.find("\"awslogs\"") != std::string_view::npos;
  bool firehose = window.find("\"records\"") != std::string_view::npos &&
                  window.find("\"requestId\"") != std::string_view::npos;
  if (firehose) return InputFormat::kFirehose;
  if (cw) return InputFormat::kCloudWatch;
  return InputFormat::kJsonLines;
}

std::vector<std::string_view> split_top_level_json(std::string_view text) {
  std::vector<std::string_view> docs;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  std::size_t start = std::string_view::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      if (start == std::string_view::npos) start = i;
    } else if (c == '{' || c == '[') {
      if (depth++ == 0 && start == std::string_view::npos) start = i;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        docs.push_back(text.substr(start, i + 1 - start));
        start = std::string_view::npos;
      }
      if (depth < 0) depth = 0;
    } else if (depth == 0 && c != ' ' && c != '\n' && c != '\r' && c != '\t' && start == std::string_view::npos) {
      start = i;
    }
  }
  if (start != std::string_view::npos) docs.push_back(text.substr(start));  // unterminated: reported as bad JSON
  return docs;
}

DecodedEnvelopes decode_envelopes(std::string_view text, InputFormat format, const std::string& label,
                                  const DecompressLimits& limits) {
  DecodedEnvelopes out;
  EnvelopeWalker walker(out, label, limits);
  for (std::string_view doc : split_top_level_json(text)) {
    ++out.envelopes;
    std::size_t records_before = out.records.size();
    std::size_t origin_before = out.origin.size();
    try {
      walker.decode_text(doc, format, out.envelopes, 0);
    } catch (const Error& e) {
      // Keep the envelope all-or-nothing so a half-decoded one is not half-counted.
      out.records.resize(records_before);
      out.origin.resize(origin_before);
      out.problems.push_back({out.envelopes, e.what(), std::string(doc.substr(0, kProblemRawBytes))});
    }
  }
  return out;
}

}  // namespace dnslens
