#pragma once
#include <simdjson.h>

#include <string>
#include <string_view>

namespace dnslens::testing {

// The parser's input contract: the line is followed by SIMDJSON_PADDING readable bytes.
struct PaddedLine {
  explicit PaddedLine(std::string_view text)
      : storage(std::string(text) + std::string(simdjson::SIMDJSON_PADDING, '\0')) {}
  [[nodiscard]] std::string_view view() const {
    return std::string_view(storage).substr(0, storage.size() - simdjson::SIMDJSON_PADDING);
  }
  [[nodiscard]] std::size_t capacity() const { return storage.size(); }
  std::string storage;
};

}  // namespace dnslens::testing
