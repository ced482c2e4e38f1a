#pragma once
// A batch's output: a growable byte buffer that an encoder writes into through a bare cursor. Unlike
// std::string it grows without zero-filling and appends with a capacity check and a short inline copy,
// so an OCSF or ECS event (some hundred pieces) is written in place instead of being assembled apart
// and copied in. Every record format writes into one (RecordFormat::encode).
#include <sys/mman.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <memory>
#include <string>
#include <string_view>

#include "core/json_escape.hpp"

namespace dnslens {

// How a text value becomes JSON string content.
enum class Escaper : std::uint8_t {
  kPlain,  // already valid JSON string content: copied
  kJson,   // valid UTF-8 that may need escapes
  kBytes,  // any bytes: invalid UTF-8 becomes the visible text \xNN
};

// Copies n bytes: a short copy (most of an event's pieces are a few to a few dozen bytes) as two
// overlapping loads and stores instead of a call into the C library.
[[gnu::always_inline]] inline void copy_bytes(char* to, const char* from, std::size_t n) {
  if (n > 256) {
    std::memcpy(to, from, n);
  } else if (n > 32) {
    // 16 bytes at a time and an overlapping last 16: GCC inlines a memcpy of this size as rep movs,
    // which is slow to start for every piece (a tenth of the OCSF encoder's time went to one).
    std::size_t i = 0;
    do {
      char chunk[16];
      std::memcpy(chunk, from + i, 16);
      std::memcpy(to + i, chunk, 16);
      i += 16;
    } while (i + 16 < n);
    char tail[16];
    std::memcpy(tail, from + n - 16, 16);
    std::memcpy(to + n - 16, tail, 16);
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

class OutputBuffer {
 public:
  OutputBuffer() = default;
  OutputBuffer(OutputBuffer&&) = default;
  OutputBuffer& operator=(OutputBuffer&&) = default;

  [[nodiscard]] char* data() { return data_.get(); }
  [[nodiscard]] const char* data() const { return data_.get(); }
  [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(p_ - data_.get()); }
  [[nodiscard]] std::size_t capacity() const { return static_cast<std::size_t>(end_ - data_.get()); }
  [[nodiscard]] bool empty() const { return p_ == data_.get(); }
  [[nodiscard]] std::string_view view() const { return {data_.get(), size()}; }

  // Empties the buffer and keeps its memory.
  void clear() { p_ = data_.get(); }
  // Room for n bytes in all, the content kept (it moves if the buffer grows).
  void reserve(std::size_t n) {
    if (capacity() < n) grow_to(n);
  }
  // n bytes; bytes added are not initialised (headroom the caller fills or skips).
  void resize(std::size_t n) {
    reserve(n);
    p_ = data_.get() + n;
  }

  [[gnu::always_inline]] void append(const char* s, std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) grow_to(size() + n);
    copy_bytes(p_, s, n);
    p_ += n;
  }
  void append(const char* s, const char* end) { append(s, static_cast<std::size_t>(end - s)); }
  // Room for up to n bytes written in place (digits): the caller writes from the returned pointer and
  // hands the end back to commit(). Digits formatted into a local array and then appended would be
  // read back by copy_bytes's wide loads right after their one-byte stores, a store-forwarding stall
  // that cost more than the formatting.
  [[gnu::always_inline]] char* claim(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) grow_to(size() + n);
    return p_;
  }
  [[gnu::always_inline]] void commit(char* end) { p_ = end; }
  // A count in decimal, in place: ids, codes, lengths and label counts are mostly one or two digits.
  [[gnu::always_inline]] void append_count(std::uint64_t v) {
    char* p = claim(20);
    if (v < 10) {
      *p = static_cast<char>('0' + v);
      commit(p + 1);
    } else if (v < 100) {
      p[0] = static_cast<char>('0' + v / 10);
      p[1] = static_cast<char>('0' + v % 10);
      commit(p + 2);
    } else {
      commit(std::to_chars(p, p + 20, v).ptr);
    }
  }
  [[gnu::always_inline]] void append(std::string_view s) { append(s.data(), s.size()); }
  [[gnu::always_inline]] OutputBuffer& operator+=(std::string_view s) {
    append(s.data(), s.size());
    return *this;
  }
  [[gnu::always_inline]] OutputBuffer& operator+=(char c) {
    if (p_ == end_) grow_to(size() + 1);
    *p_++ = c;
    return *this;
  }
  // value as JSON string content (without the quotes).
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
  // A batch's buffer is megabytes (an OCSF event is about 4 times its line) and is first written by the
  // encoder: in 4 KiB pages that is a page fault every 4 KiB, a tenth of an OCSF run's time on this VM. A
  // buffer of 2 MiB or more is allocated on 2 MiB boundaries and asked to be backed by huge pages
  // (transparent huge pages in "madvise" mode, Debian's default), one fault per 2 MiB.
  [[gnu::noinline]] void grow_to(std::size_t needed) {
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    const std::size_t used = size();
    std::size_t capacity = std::max<std::size_t>(2 * this->capacity(), needed + 4096);
    char* bigger = nullptr;
    if (capacity >= kHugePage) {
      capacity = (capacity + kHugePage - 1) / kHugePage * kHugePage;
      bigger = static_cast<char*>(std::aligned_alloc(kHugePage, capacity));
      if (bigger != nullptr) (void)::madvise(bigger, capacity, MADV_HUGEPAGE);
    } else {
      bigger = static_cast<char*>(std::malloc(capacity));
    }
    if (bigger == nullptr) throw std::bad_alloc();
    if (used) std::memcpy(bigger, data_.get(), used);
    data_.reset(bigger);
    p_ = data_.get() + used;
    end_ = data_.get() + capacity;
  }

  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> data_;
  char* p_ = nullptr;
  char* end_ = nullptr;
  std::string scratch_;  // escaped text on its way in
};

}  // namespace dnslens
