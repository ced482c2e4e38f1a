#pragma once
// Writing one JSON event per record fast, straight into the batch's OutputBuffer (a capacity check and
// a short copy per piece, no std::string bookkeeping): an OCSF or ECS event is some hundred pieces, and
// std::string appends would cost more than the parse of the record. Shared by the OCSF and ECS encoders.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "core/dns_name.hpp"
#include "core/json_escape.hpp"
#include "core/query_record.hpp"
#include "core/timestamp.hpp"
#include "sinks/formats/output_buffer.hpp"

namespace dnslens::event_writer {

using Buffer = OutputBuffer;
using Escaper = dnslens::Escaper;

// A line without a backslash has no escapes, so the record's text fields are its bytes between quotes,
// already valid JSON string content (the parser accepted the line: valid UTF-8, no raw control
// characters); they are copied. Otherwise each is escaped. Feed text is always escaped as bytes.
inline Escaper record_escaper(const QueryRecord& record) {
  return record.line_has_backslash ? Escaper::kBytes : Escaper::kPlain;
}

// The same for the normalised name and its parts (they may hold \DDD-decoded bytes).
inline Escaper name_escaper(const NormalizedName& name) {
  return name.json_plain ? Escaper::kPlain : name.had_escapes ? Escaper::kBytes : Escaper::kJson;
}

// ms's whole seconds as Route 53 writes them ("2026-11-21T10:00:00Z", 20 characters), or null for a
// year outside 0000-9999. A log's records share their seconds a few at a time: the last second's text
// is kept per thread, valid until the next call.
inline const char* seconds_text(std::int64_t ms) {
  thread_local std::int64_t cached_second = std::numeric_limits<std::int64_t>::min();
  thread_local char seconds[20];
  const std::int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  if (second != cached_second) {
    if (!write_iso8601_seconds(ms, seconds)) return nullptr;
    cached_second = second;
  }
  return seconds;
}

// One JSON object being written: each member knows whether it needs a comma. Text is escaped with the
// object's escaper (untrusted bytes by default: invalid UTF-8 becomes visible \xNN).
class Members {
 public:
  explicit Members(Buffer& out, Escaper escape = Escaper::kBytes) : out_(out), escape_(escape) { out_ += '{'; }
  Members(const Members&) = delete;
  Members& operator=(const Members&) = delete;

  // member is the quoted name and colon, a literal ("\"ip\":"); opens the member for a value written by
  // the caller. text() takes the name with the value's opening quote ("\"ip\":\"").
  [[gnu::always_inline]] Buffer& key(std::string_view member) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += member;
    return out_;
  }
  [[gnu::always_inline]] void text(std::string_view member_and_quote, std::string_view value) {
    text(member_and_quote, value, escape_);
  }
  [[gnu::always_inline]] void text(std::string_view member_and_quote, std::string_view value, Escaper escape) {
    Buffer& out = key(member_and_quote);
    out.escaped(value, escape);
    out += '"';
  }
  [[gnu::always_inline]] void text_if(std::string_view name, std::string_view value) {
    if (!value.empty()) text(name, value);
  }
  [[gnu::always_inline]] void number(std::string_view name, std::int64_t value) {
    Buffer& out = key(name);
    if (value >= 0) return out.append_count(static_cast<std::uint64_t>(value));
    char* const start = out.claim(20);  // in place (OutputBuffer::claim)
    out.commit(std::to_chars(start, start + 20, value).ptr);
  }
  void decimal(std::string_view name, double value) {
    Buffer& out = key(name);
    if (!std::isfinite(value)) value = 0;  // JSON has no NaN; the signals are finite for every name
    char* const start = out.claim(32);     // "-1.23457e-308" at most
    out.commit(std::to_chars(start, start + 32, value, std::chars_format::general, 6).ptr);
  }
  void boolean(std::string_view name, bool value) { key(name) += std::string_view(value ? "true" : "false"); }
  void raw(std::string_view name, std::string_view json) { key(name) += json; }
  // RFC 3339 UTC with milliseconds ("2026-11-21T10:00:00.123Z"); nothing for a year outside 0000-9999.
  void timestamp(std::string_view name, std::int64_t ms) {
    const char* seconds = seconds_text(ms);
    if (seconds == nullptr) return;
    Buffer& out = key(name);
    out += '"';
    out.append(seconds, 19);  // without the Z
    const auto milli = static_cast<unsigned>(((ms % 1000) + 1000) % 1000);
    char* const fraction = out.claim(6);  // in place (OutputBuffer::claim)
    fraction[0] = '.';
    fraction[1] = static_cast<char>('0' + milli / 100);
    fraction[2] = static_cast<char>('0' + milli / 10 % 10);
    fraction[3] = static_cast<char>('0' + milli % 10);
    fraction[4] = 'Z';
    fraction[5] = '"';
    out.commit(fraction + 6);
  }
  void close() { out_ += '}'; }

 private:
  Buffer& out_;
  Escaper escape_;
  bool first_ = true;
};

}  // namespace dnslens::event_writer
