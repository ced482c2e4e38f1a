#pragma once
// DuckDB's VARCHAR holds UTF-8 without NUL bytes. Names decoded from \DDD escapes and feed text can
// hold any byte: such text is stored with each offending byte written as \xNN.
#include <string>
#include <string_view>

namespace dnslens {

[[nodiscard]] bool storable_text(std::string_view s);
// Writes s into out with every NUL and every byte outside a valid UTF-8 sequence as \xNN.
void repair_text(std::string_view s, std::string& out);

}  // namespace dnslens
