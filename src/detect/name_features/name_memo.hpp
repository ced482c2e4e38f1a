#pragma once
// A direct-mapped memo of per-name values for one worker thread. Query logs repeat names heavily
// (service endpoints, update servers: four records in five in a typical day), so values computed
// from the name alone are looked up instead of recomputed. A slot holds the name itself and is
// compared byte for byte: a crafted hash collision can only cost a recomputation, never hand one
// name another's value. Memory is bounded by the slot count times the longest name (255 bytes).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnslens {

template <class Value>
class NameMemo {
 public:
  static constexpr std::size_t kMaxName = 255;

  explicit NameMemo(std::size_t slots = 8192) : slots_(round_up(slots)), mask_(slots_.size() - 1) {}

  // The value stored for name (whose hash the caller computed), or nullptr.
  [[nodiscard]] const Value* find(std::string_view name, std::uint64_t hash) {
    const Slot& s = slots_[hash & mask_];
    if (s.used && s.hash == hash && s.name == name) {
      ++hits_;
      return &s.value;
    }
    ++misses_;
    return nullptr;
  }

  // Stores value for name, replacing whatever the slot held. Names longer than kMaxName are not kept.
  void put(std::string_view name, std::uint64_t hash, const Value& value) {
    if (name.size() > kMaxName) return;
    Slot& s = slots_[hash & mask_];
    s.used = true;
    s.hash = hash;
    s.name.assign(name);  // reuses the slot's capacity: no allocation once the memo is warm
    s.value = value;
  }

  [[nodiscard]] std::uint64_t hits() const { return hits_; }
  [[nodiscard]] std::uint64_t misses() const { return misses_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    bool used = false;
    std::string name;
    Value value{};
  };

  static std::size_t round_up(std::size_t n) {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
  }

  std::vector<Slot> slots_;
  std::size_t mask_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace dnslens
