#pragma once
// Detection settings as data: each detector's config lists its keys (YAML parsing, `detect
// defaults` and validation all walk the list) and checks its own values.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dnslens {

using ConfigValue = std::variant<bool*, std::int64_t*, std::uint32_t*, std::uint64_t*, double*, std::string*>;

struct ConfigField {
  std::string_view section;  // empty: top level
  std::string_view key;
  ConfigValue value;
};

// A section's keys, in the order `detect defaults` prints them.
class ConfigFields {
 public:
  ConfigFields(std::vector<ConfigField>& out, std::string_view section) : out_(out), section_(section) {}
  template <class T>
  void add(std::string_view key, T* value) {
    out_.push_back({section_, key, value});
  }

 private:
  std::vector<ConfigField>& out_;
  std::string_view section_;
};

// Checks of one section's values; a failure throws Error(kConfig) "detection config: <section>.<key> <why>".
class ConfigCheck {
 public:
  explicit ConfigCheck(std::string_view section) : section_(section) {}
  [[noreturn]] void fail(std::string_view key, std::string_view why) const;
  // Durations become milliseconds in int64 arithmetic: at most 366 days.
  void seconds(std::string_view key, std::int64_t v, bool allow_zero = false) const;
  void share(std::string_view key, double v) const;  // 0 to 1
  void between(std::string_view key, std::uint64_t v, std::uint64_t lo, std::uint64_t hi) const;
  // A cap on per-key state or findings.
  void cap(std::string_view key, std::uint64_t v) const { between(key, v, 16, 100000000); }

 private:
  std::string_view section_;
};

}  // namespace dnslens
