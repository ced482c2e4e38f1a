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
#include <memory>
#include <string>
#include <string_view>

#include "core/json_escape.hpp"
#include "core/dns_name.hpp"

namespace dnslens::event_writer {

// How a text value becomes JSON string content.
enum class Escaper : std::uint8_t {
  kPlain,  // already valid JSON string content: copied
  kJson,   // valid UTF-8 that may need escapes
  kBytes,  // any bytes: invalid UTF-8 becomes the visible text \xNN
};

// The event being written; start() empties it, view() is what was written.
class Buffer {
 public:
  void start() { p_ = data_.get(); }
  [[nodiscard]] std::string_view view() const { return {data_.get(), static_cast<std::size_t>(p_ - data_.get())}; }

  void append(const char* s, std::size_t n) {
    reserve(n);
    std::memcpy(p_, s, n);
    p_ += n;
  }
  void append(const char* s, const char* end) { append(s, static_cast<std::size_t>(end - s)); }
  Buffer& operator+=(std::string_view s) {
    append(s.data(), s.size());
    return *this;
  }
  Buffer& operator+=(char c) {
    reserve(1);
    *p_++ = c;
    return *this;
  }
  void escaped(std::string_view value, Escaper how) {
    if (how == Escaper::kPlain) {
      append(value.data(), value.size());
      return;
    }
    scratch_.clear();
    if (how == Escaper::kJson)
      append_json_escaped(scratch_, value);
    else
      append_json_escaped_bytes(scratch_, value);
    append(scratch_.data(), scratch_.size());
  }

 private:
  void reserve(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) grow(n);
  }
  void grow(std::size_t n) {
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
  Buffer& key(std::string_view member) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += member;
    return out_;
  }
  void text(std::string_view member_and_quote, std::string_view value) {
    Buffer& out = key(member_and_quote);
    out.escaped(value, escape_);
    out += '"';
  }
  void text_if(std::string_view name, std::string_view value) {
    if (!value.empty()) text(name, value);
  }
  void number(std::string_view name, std::int64_t value) {
    Buffer& out = key(name);
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
  }
  void decimal(std::string_view name, double value) {
    Buffer& out = key(name);
    char buf[32];
    if (!std::isfinite(value)) value = 0;  // JSON has no NaN; the signals are finite for every name
    out.append(buf, std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, 6).ptr);
  }
  void boolean(std::string_view name, bool value) { key(name) += std::string_view(value ? "true" : "false"); }
  void raw(std::string_view name, std::string_view json) { key(name) += json; }
  void close() { out_ += '}'; }

 private:
  Buffer& out_;
  Escaper escape_;
  bool first_ = true;
};

}  // namespace dnslens::event_writer
