#include "sources/envelope_decoder.hpp"

#include <memory>
#include <optional>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/error.hpp"
#include "core/spare_pool.hpp"
#include "io/base64.hpp"
#include "io/byte_source.hpp"
#include "io/decoders.hpp"

namespace dnslens {

namespace {

constexpr std::size_t kProblemRawBytes = 512;
constexpr std::size_t kDecompressSlice = 256 << 10;
constexpr int kMaxNesting = 4;  // Firehose -> gzip -> CloudWatch payload is as deep as AWS goes

// The budget ran out: ends the whole decode. Nothing else is thrown: what is wrong with one envelope
// or record is a Problem its caller records, and the decode goes on with the next.
class BudgetExceeded : public Error {
 public:
  explicit BudgetExceeded(std::string message) : Error(ErrorCode::kDecompressionBomb, std::move(message)) {}
};

// Why an envelope or record cannot be used; empty when it can.
using Problem = std::optional<std::string>;

// The document copied into buffer with the padding simdjson reads past its end, and parsed.
simdjson::error_code parse_padded(simdjson::dom::parser& parser, std::string& buffer, std::string_view doc,
                                  simdjson::dom::element& root) {
  buffer.clear();
  buffer.reserve(doc.size() + simdjson::SIMDJSON_PADDING);
  buffer.append(doc);
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  return parser.parse(buffer.data(), doc.size(), false).get(root);
}

// What a decode works in, kept from one decode to the next: a Firehose request's records come in
// megabytes, and memory mapped afresh for each is a page fault per 4 KiB, which cost the HTTP endpoint
// more than decoding. The body's copy and parser, then one set per level of envelope nesting (a
// payload's text is still being read while what it wraps decodes).
struct LevelScratch {
  std::string base64;    // a record's data, decoded
  std::string inflated;  // ... and decompressed
  std::string padded;    // a document, with the padding simdjson reads past its end
  simdjson::dom::parser parser;
};
struct DecodeScratch {
  std::string padded;
  simdjson::dom::parser parser;
  LevelScratch levels[kMaxNesting + 2];
};

// Kept between decodes: at most kSpareScratch sets (so memory kept does not grow with the threads that
// decode), each text buffer and parser at most kKeptScratchBytes (a parser holds about 14 bytes per byte
// of that), and nothing of the levels past the second (a Firehose body of CloudWatch payloads uses two).
constexpr std::size_t kSpareScratch = 4;
constexpr std::size_t kKeptScratchBytes = 8 << 20;
constexpr std::size_t kKeptLevels = 2;

class ScratchPool {
 public:
  std::unique_ptr<DecodeScratch> take() {
    std::unique_ptr<DecodeScratch> s = spare_.take();
    return s ? std::move(s) : std::make_unique<DecodeScratch>();
  }
  // Never throws: it runs as a decode unwinds.
  void give_back(std::unique_ptr<DecodeScratch> s) noexcept {
    trim(s->padded, s->parser);
    for (std::size_t i = 0; i < std::size(s->levels); ++i) {
      LevelScratch& level = s->levels[i];
      if (i >= kKeptLevels) {
        level = LevelScratch();
        continue;
      }
      trim(level.padded, level.parser);
      trim(level.base64);
      trim(level.inflated);
    }
    spare_.give_back(std::move(s));
  }

 private:
  static void trim(std::string& text) noexcept {
    if (text.capacity() > kKeptScratchBytes) std::string().swap(text);
  }
  static void trim(std::string& text, simdjson::dom::parser& parser) noexcept {
    trim(text);
    if (parser.capacity() > kKeptScratchBytes) parser = simdjson::dom::parser();
  }
  SparePool<std::unique_ptr<DecodeScratch>> spare_{kSpareScratch};
};

ScratchPool& scratch_pool() {
  static ScratchPool pool;
  return pool;
}

// A decode's scratch, taken from the pool and given back however the decode ends.
class ScratchLease {
 public:
  ScratchLease() : scratch_(scratch_pool().take()) {}
  ~ScratchLease() { scratch_pool().give_back(std::move(scratch_)); }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  DecodeScratch& operator*() { return *scratch_; }

 private:
  std::unique_ptr<DecodeScratch> scratch_;
};

class EnvelopeWalker {
 public:
  EnvelopeWalker(DecodedEnvelopes& out, const std::string& label, const DecompressLimits& limits,
                 const EnvelopeBudget& budget, DecodeScratch& scratch)
      : out_(out), label_(label), limits_(limits), budget_(budget), scratch_(scratch) {}

  void add_problem(std::uint64_t index, std::string reason, std::string_view raw) {
    if (out_.problems.size() >= budget_.max_problems) {
      ++out_.problems_dropped;
      return;
    }
    out_.problems.push_back({index, std::move(reason), std::string(raw.substr(0, kProblemRawBytes))});
  }

  // One top-level document of an input (an envelope), used whole or not at all: what a failed one had
  // added is taken back, and the problem is recorded against its number.
  void decode_envelope(std::string_view doc, InputFormat format, std::uint64_t envelope) {
    const Mark before = mark();
    if (Problem p = decode_document(doc, format, envelope, 0)) {
      rewind(before);
      add_problem(envelope, std::move(*p), doc);
    }
  }

  // The records of a Firehose request body, each on its own: a record that cannot be used is taken
  // back and recorded, and the next one still decodes. Record i's lines come from origin_of(i); its
  // problem is recorded against problem_index(i), prefixed with prefix(i).
  template <class OriginOf, class ProblemPrefix>
  void decode_firehose_records(simdjson::dom::array records, int depth, OriginOf origin_of, ProblemPrefix prefix) {
    std::uint64_t i = 0;
    for (simdjson::dom::element record : records) {
      ++i;
      ++out_.firehose_records;
      const Mark before = mark();
      std::string_view data;
      Problem p;
      std::string_view raw;
      if (record["data"].get_string().get(data)) {
        p = "record without a 'data' string";
        raw_record_ = simdjson::minify(record);
        raw = raw_record_;
      } else {
        p = decode_data(data, InputFormat::kAuto, origin_of(i), depth);
        raw = data;
      }
      if (p) {
        rewind(before);
        add_problem(origin_of(i), prefix(i) + *p, raw);
      }
    }
  }

 private:
  // Undoes what a failed envelope or record had added. The lines it kept no longer count against the
  // budget; what it inflated does (that work was done).
  struct Mark {
    std::size_t records, origins;
    std::uint64_t line_bytes;
  };
  [[nodiscard]] Mark mark() const { return {out_.records.size(), out_.origin.size(), line_bytes_}; }
  void rewind(Mark m) {
    out_.records.resize(m.records);
    out_.origin.resize(m.origins);
    line_bytes_ = m.line_bytes;
  }

  Problem decode_document(std::string_view doc, InputFormat format, std::uint64_t origin, int depth) {
    simdjson::dom::element root;
    LevelScratch& level = scratch_.levels[static_cast<std::size_t>(depth)];
    if (auto e = parse_padded(level.parser, level.padded, doc, root)) {
      return fmt::format("not valid JSON ({})", simdjson::error_message(e));
    }
    return decode_object(root, format, origin, depth);
  }

  // Every document of a decoded payload; the first problem fails the payload (and so its record).
  Problem decode_text(std::string_view text, InputFormat format, std::uint64_t origin, int depth) {
    if (depth > kMaxNesting) return "envelopes nested too deeply";
    for (std::string_view doc : split_top_level_json(text)) {
      if (Problem p = decode_document(doc, format, origin, depth)) return p;
    }
    return std::nullopt;
  }

  Problem decode_object(simdjson::dom::element root, InputFormat format, std::uint64_t origin, int depth) {
    simdjson::dom::object obj;
    if (root.get_object().get(obj)) return "envelope is not a JSON object";
    simdjson::dom::element value;
    if (format != InputFormat::kCloudWatch && obj["records"].get(value) == simdjson::SUCCESS) {
      return decode_firehose(obj, value, origin, depth);
    }
    if (obj["awslogs"].get(value) == simdjson::SUCCESS) {
      std::string_view data;
      if (value["data"].get_string().get(data)) return "awslogs.data is not a string";
      return decode_data(data, InputFormat::kCloudWatch, origin, depth);
    }
    if (obj["messageType"].get(value) == simdjson::SUCCESS) return decode_cloudwatch(obj, origin);
    return "neither a CloudWatch Logs payload nor a Firehose request";
  }

  // A Firehose request body inside an input. At the top (a file of request bodies) its records are
  // decoded one by one, as the HTTP endpoint does: a bad record is recorded against the body's
  // envelope number, named by its position, and the others go through. Nested in a record's data, the
  // body is that record's content and fails with it.
  Problem decode_firehose(simdjson::dom::object obj, simdjson::dom::element records, std::uint64_t origin, int depth) {
    std::string_view request_id;
    if (obj["requestId"].get_string().get(request_id) == simdjson::SUCCESS) out_.request_id = std::string(request_id);
    simdjson::dom::array arr;
    if (records.get_array().get(arr)) return "Firehose 'records' is not an array";
    if (depth == 0) {
      decode_firehose_records(
          arr, depth, [origin](std::uint64_t) { return origin; },
          [](std::uint64_t i) { return fmt::format("Firehose record {}: ", i); });
      return std::nullopt;
    }
    for (simdjson::dom::element record : arr) {
      std::string_view data;
      if (record["data"].get_string().get(data)) return "Firehose record without a 'data' string";
      ++out_.firehose_records;
      if (Problem p = decode_data(data, InputFormat::kAuto, origin, depth)) return p;
    }
    return std::nullopt;
  }

  // A base64 payload: gzip (CloudWatch subscriptions) or plain; an envelope or query-log lines.
  Problem decode_data(std::string_view base64, InputFormat hint, std::uint64_t origin, int depth) {
    LevelScratch& level = scratch_.levels[static_cast<std::size_t>(depth)];
    level.base64.clear();
    if (!base64_decode_append(base64, level.base64)) return "record data is not valid base64";
    std::string_view decoded = level.base64;
    if (sniff_compression(decoded) != Compression::kNone) {
      level.inflated.clear();
      if (Problem p = decompress(level.base64, level.inflated)) return p;
      decoded = level.inflated;
    }
    InputFormat format = hint == InputFormat::kAuto ? sniff_input_format(decoded) : hint;
    if (format == InputFormat::kCloudWatch || format == InputFormat::kFirehose) {
      return decode_text(decoded, format, origin, depth + 1);
    }
    append_lines(decoded, origin);
    return std::nullopt;
  }

  Problem decode_cloudwatch(simdjson::dom::object obj, std::uint64_t origin) {
    std::string_view type;
    if (obj["messageType"].get_string().get(type)) return "messageType is not a string";
    if (type == "CONTROL_MESSAGE") {
      ++out_.control_messages;
      return std::nullopt;
    }
    if (type != "DATA_MESSAGE") return fmt::format("unknown messageType '{}'", type);
    simdjson::dom::array events;
    if (obj["logEvents"].get_array().get(events)) return "logEvents is not an array";
    for (simdjson::dom::element event : events) {
      std::string_view message;
      if (event["message"].get_string().get(message)) return "log event without a message string";
      ++out_.log_events;
      append_line(message, origin);
    }
    return std::nullopt;
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

  // Two tallies against the same limit: what decompressions produced (nested payloads included)
  // and the lines kept. Memory stays within the input plus twice the budget.
  void charge(std::uint64_t& spent, std::uint64_t bytes, std::string_view what) {
    if (budget_.max_decoded_bytes != 0 && bytes > budget_.max_decoded_bytes - spent) {
      throw BudgetExceeded(
          fmt::format("{}: the {} come to more than {} bytes", label_, what, budget_.max_decoded_bytes));
    }
    spent += bytes;
  }

  // A compressed payload may inflate no further than what the whole decode has left: it is
  // charged as it streams out, so a bomb stops within one read of the budget. The codecs report
  // damage (a cut or corrupt stream, a size limit) by throwing; here that becomes the payload's problem.
  Problem decompress(std::string_view compressed, std::string& out) {
    std::unique_ptr<ByteSource> source;
    try {
      source =
          wrap_decoded(std::make_unique<MemoryByteSource>(std::string(compressed)), label_ + " (record data)", limits_)
              .source;
    } catch (const Error& e) {
      return std::string(e.what());
    }
    std::size_t pos = 0;
    while (true) {
      out.resize(pos + kDecompressSlice);
      std::size_t n = 0;
      try {
        n = source->read(out.data() + pos, kDecompressSlice);
      } catch (const Error& e) {
        return std::string(e.what());
      }
      if (n == 0) break;
      charge(inflated_, n, "decompressed payloads");
      pos += n;
    }
    out.resize(pos);
    return std::nullopt;
  }

  void append_line(std::string_view message, std::uint64_t origin) {
    if (budget_.max_lines != 0 && out_.origin.size() >= budget_.max_lines) {
      throw BudgetExceeded(fmt::format("{}: the records decode to more than {} lines", label_, budget_.max_lines));
    }
    charge(line_bytes_, message.size() + 1, "decoded records");
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
  const EnvelopeBudget& budget_;
  std::uint64_t inflated_ = 0;
  std::uint64_t line_bytes_ = 0;
  DecodeScratch& scratch_;
  std::string raw_record_;  // a record without data, minified for its problem
};

}  // namespace

void DecodedEnvelopes::clear() {
  records.clear();
  origin.clear();
  problems.clear();
  problems_dropped = 0;
  envelopes = 0;
  control_messages = 0;
  log_events = 0;
  firehose_records = 0;
  request_id.clear();
}

FirehoseRequest decode_firehose_request(std::string_view body, const std::string& label, const DecompressLimits& limits,
                                        const EnvelopeBudget& budget) {
  FirehoseRequest out;
  decode_firehose_request(body, label, limits, budget, out);
  return out;
}

void decode_firehose_request(std::string_view body, const std::string& label, const DecompressLimits& limits,
                             const EnvelopeBudget& budget, FirehoseRequest& out) {
  out.request_id.clear();
  out.timestamp_ms = 0;
  out.decoded.clear();
  ScratchLease scratch;
  simdjson::dom::element root;
  if (auto e = parse_padded((*scratch).parser, (*scratch).padded, body, root)) {
    throw Error(ErrorCode::kEnvelope, fmt::format("the body is not valid JSON ({})", simdjson::error_message(e)));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) throw Error(ErrorCode::kEnvelope, "the body is not a JSON object");
  std::string_view request_id;
  if (obj["requestId"].get_string().get(request_id))
    throw Error(ErrorCode::kEnvelope, "the body has no 'requestId' string");
  out.request_id = std::string(request_id);
  std::int64_t ts = 0;
  if (obj["timestamp"].get_int64().get(ts) == simdjson::SUCCESS) out.timestamp_ms = ts;
  simdjson::dom::array records;
  if (obj["records"].get_array().get(records)) throw Error(ErrorCode::kEnvelope, "the body has no 'records' array");
  EnvelopeWalker walker(out.decoded, label, limits, budget, *scratch);
  // The same record-by-record decode as a request body read from a file, each record its own envelope.
  walker.decode_firehose_records(
      records, 0, [](std::uint64_t i) { return i; }, [](std::uint64_t) { return std::string(); });
  out.decoded.envelopes = out.decoded.firehose_records;
  out.decoded.request_id = out.request_id;
}

std::string_view input_format_name(InputFormat f) {
  switch (f) {
    case InputFormat::kAuto:
      return "auto";
    case InputFormat::kJsonLines:
      return "jsonl";
    case InputFormat::kCloudWatch:
      return "cloudwatch";
    case InputFormat::kFirehose:
      return "firehose";
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
  bool firehose =
      window.find("\"records\"") != std::string_view::npos && window.find("\"requestId\"") != std::string_view::npos;
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
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
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
                                  const DecompressLimits& limits, const EnvelopeBudget& budget) {
  DecodedEnvelopes out;
  ScratchLease scratch;
  EnvelopeWalker walker(out, label, limits, budget, *scratch);
  for (std::string_view doc : split_top_level_json(text)) walker.decode_envelope(doc, format, ++out.envelopes);
  return out;
}

}  // namespace dnslens
