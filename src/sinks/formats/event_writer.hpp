#pragma once
// Writing one JSON event per record fast: the event goes into a per-thread buffer through a bare
// cursor (a capacity check and a memcpy per piece, no std::string bookkeeping), then is appended to
// the batch in one copy. An OCSF or ECS event is some hundred pieces, and std::string appends would
// cost more than the parse of the record. Shared by the OCSF and ECS encoders.
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
#include "core/timestamp.hpp"

namespace dnslens::event_writer {

// How a text value becomes JSON string content.
enum class Escaper : std::uint8_t {
  kPlain,  // already valid JSON string content: copied
  kJson,   // valid UTF-8 that may need escapes
  kBytes,  // any bytes: invalid UTF-8 becomes the visible text \xNN
};

// Copies n bytes: a short copy (most of an event's pieces are a few to a few dozen bytes) as two
// overlapping loads and stores instead of a call into the C library.
[[gnu::always_inline]] inline void copy_bytes(char* to, const char* from, std::size_t n) {
  if (n > 32) {
    std::memcpy(to, from, n);
  } else if (n >= 16) {
    char head[16], tail[16];
    std::memcpy(head, from, 16);
    std::memcpy(tail, from + n - 16, 16);
    std::memcpy(to, head, 16);
    std::memcpy(to + n - 16, tail, 16);
  } else if (n >= 8) {
    std::uint64_t head, tail;
    std::memcpy(&head, from, 8);
    std::memcpy(&tail, from + n - 8, 8);
    std::memcpy(to, &head, 8);
    std::memcpy(to + n - 8, &tail, 8);
  } else if (n >= 4) {
    std::uint32_t head, tail;
    std::memcpy(&head, from, 4);
    std::memcpy(&tail, from + n - 4, 4);
    std::memcpy(to, &head, 4);
    std::memcpy(to + n - 4, &tail, 4);
  } else if (n > 0) {
    to[0] = from[0];
    to[n / 2] = from[n / 2];
    to[n - 1] = from[n - 1];
  }
}

// The event being written; start() empties it, view() is what was written. Appends are inlined into
// the encoders, so a literal's length is a constant there.
class Buffer {
 public:
  void start() { p_ = data_.get(); }
  [[nodiscard]] std::string_view view() const { return {data_.get(), static_cast<std::size_t>(p_ - data_.get())}; }

  [[gnu::always_inline]] void append(const char* s, std::size_t n) {
    reserve(n);
    copy_bytes(p_, s, n);
    p_ += n;
  }
  void append(const char* s, const char* end) { append(s, static_cast<std::size_t>(end - s)); }
  [[gnu::always_inline]] Buffer& operator+=(std::string_view s) {
    append(s.data(), s.size());
    return *this;
  }
  [[gnu::always_inline]] Buffer& operator+=(char c) {
    reserve(1);
    *p_++ = c;
    return *this;
  }
  [[gnu::always_inline]] void escaped(std::string_view value, Escaper how) {
    if (how == Escaper::kPlain) {
      append(value.data(), value.size());
      return;
    }
    escaped_slow(value, how);
  }

 private:
  [[gnu::noinline]] void escaped_slow(std::string_view value, Escaper how) {
    scratch_.clear();
    if (how == Escaper::kJson)
      append_json_escaped(scratch_, value);
    else
      append_json_escaped_bytes(scratch_, value);
    append(scratch_.data(), scratch_.size());
  }
  [[gnu::always_inline]] void reserve(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) grow(n);
  }
  [[gnu::noinline]] void grow(std::size_t n) {
    const std::size_t used = static_cast<std::size_t>(p_ - data_.get());
    const std::size_t capacity =
        std::max<std::size_t>(2 * static_cast<std::size_t>(end_ - data_.get()), used + n + 4096);
    auto bigger = std::make_unique<char[]>(capacity);
    if (used) std::memcpy(bigger.get(), data_.get(), used);
    data_ = std::move(bigger);
    p_ = data_.get() + used;
    end_ = data_.get() + capacity;
  }

  std::unique_ptr<char[]> data_;
  char* p_ = nullptr;
  char* end_ = nullptr;
  std::string scratch_;  // escaped text on its way in
};

// Per thread: each worker encodes its own records (a worker's buffer, as its parser is its own).
inline Buffer& event_buffer() {
  thread_local Buffer buffer;
  return buffer;
}

// A line without a backslash has no escapes, so the record's text fields are its bytes between quotes,
// already valid JSON string content (the parser accepted the line: valid UTF-8, no raw control
// characters); they are copied. Otherwise each is escaped. Feed text is always escaped as bytes.
inline Escaper record_escaper(std::string_view line) {
  return line.find('\\') == std::string_view::npos ? Escaper::kPlain : Escaper::kBytes;
}

// The same for the normalised name and its parts (they may hold \DDD-decoded bytes).
inline Escaper name_escaper(const NormalizedName& name) {
  return name.json_plain ? Escaper::kPlain : name.had_escapes ? Escaper::kBytes : Escaper::kJson;
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
  void number(std::string_view name, std::int64_t value) {
    Buffer& out = key(name);
    char buf[64];  // to_chars writes at most 20; 64 keeps gcc's bounds warning quiet about copy_bytes
    out.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
  }
  void decimal(std::string_view name, double value) {
    Buffer& out = key(name);
    char buf[64];
    if (!std::isfinite(value)) value = 0;  // JSON has no NaN; the signals are finite for every name
    out.append(buf, std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, 6).ptr);
  }
  void boolean(std::string_view name, bool value) { key(name) += std::string_view(value ? "true" : "false"); }
  void raw(std::string_view name, std::string_view json) { key(name) += json; }
  // RFC 3339 UTC with milliseconds ("2026-11-21T10:00:00.123Z"); nothing for a year outside 0000-9999.
  void timestamp(std::string_view name, std::int64_t ms) {
    // A log's records share their seconds a few at a time: the last second's text is kept per thread.
    thread_local std::int64_t cached_second = std::numeric_limits<std::int64_t>::min();
    thread_local char seconds[20];
    const std::int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    if (second != cached_second) {
      if (!write_iso8601_seconds(ms, seconds)) return;
      cached_second = second;
    }
    Buffer& out = key(name);
    out += '"';
    out.append(seconds, 19);  // without the Z
    const auto milli = static_cast<unsigned>(((ms % 1000) + 1000) % 1000);
    const char fraction[6] = {'.',
                              static_cast<char>('0' + milli / 100),
                              static_cast<char>('0' + milli / 10 % 10),
                              static_cast<char>('0' + milli % 10),
                              'Z',
                              '"'};
    out.append(fraction, sizeof fraction);
  }
  void close() { out_ += '}'; }

 private:
  Buffer& out_;
  Escaper escape_;
  bool first_ = true;
};

}  // namespace dnslens::event_writer
