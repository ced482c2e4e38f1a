#include <fmt/format.h>

#include "core/error.hpp"
#include "sinks/ecs/ecs_encoder.hpp"
#include "sinks/formats/record_format.hpp"
#include "sinks/jsonl/jsonl_encoder.hpp"
#include "sinks/ocsf/ocsf_encoder.hpp"

namespace dnslens {

// One line per output format; the format's folder under src/sinks/ holds its encoder.
const std::vector<RecordFormat>& record_formats() {
  static const std::vector<RecordFormat> formats = {
      route53_format(),
      ocsf_1_1_format(),
      ocsf_1_5_format(),
      ecs_format(),
  };
  return formats;
}

const RecordFormat& record_format(std::string_view name) {
  for (const RecordFormat& f : record_formats())
    if (f.name == name) return f;
  throw Error(ErrorCode::kUsage, fmt::format("unknown output format '{}' (known: {})", name, record_format_names()));
}

std::string record_format_names() {
  std::string names;
  for (const RecordFormat& f : record_formats()) {
    if (!names.empty()) names += ", ";
    names += f.name;
  }
  return names;
}

}  // namespace dnslens
