#include "detect/engine/detection_config.hpp"

#include <cmath>
#include <limits>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/error.hpp"
#include "detect/detectors.hpp"
#include "io/read_file.hpp"

namespace dnslens {

namespace {

// The top-level keys; each detector's section follows from its registration.
void general_fields(DetectionConfig& c, ConfigFields& f) {
  f.add("enabled", &c.enabled);
  f.add("benign_noise", &c.benign_noise);
  f.add("dga_model", &c.dga_model);
  f.add("lateness_seconds", &c.lateness_seconds);
  f.add("max_findings", &c.max_findings);
  f.add("evidence_per_finding", &c.evidence_per_finding);
}

using Field = ConfigField;

std::string field_name(const Field& f) {
  return f.section.empty() ? std::string(f.key) : fmt::format("{}.{}", f.section, f.key);
}

std::string place(std::string_view origin, const YAML::Mark& m) {
  return fmt::format("{}: line {}, column {}", origin, m.line + 1, m.column + 1);
}

// A key has to be a plain value: `? [a, b] : 1` is valid YAML but names no setting.
std::string key_text(const YAML::Node& key, std::string_view origin) {
  if (!key.IsScalar()) {
    throw Error(ErrorCode::kConfig, place(origin, key.Mark()) + ": a key must be a plain value, not a list or map");
  }
  return key.Scalar();
}

void assign(const Field& f, const YAML::Node& node, std::string_view origin) {
  try {
    if (!node.IsScalar()) throw YAML::Exception(node.Mark(), "expected a single value");
    std::visit(
        [&](auto* p) {
          using T = std::remove_pointer_t<decltype(p)>;
          if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint32_t> ||
                        std::is_same_v<T, std::uint64_t>) {
            const std::string& s = node.Scalar();
            if (!s.empty() && s.front() == '-') throw YAML::Exception(node.Mark(), "must not be negative");
            // yaml-cpp refuses what does not fit the type (4294967296 for a 32-bit count).
            T v{};
            if (!YAML::convert<T>::decode(node, v)) {
              throw YAML::Exception(node.Mark(), fmt::format("'{}' is not a whole number from 0 to {}", s,
                                                             std::numeric_limits<T>::max()));
            }
            *p = v;
          } else if constexpr (std::is_same_v<T, double>) {
            double v = 0;
            if (!YAML::convert<double>::decode(node, v) || !std::isfinite(v)) {
              throw YAML::Exception(node.Mark(), fmt::format("'{}' is not a finite number", node.Scalar()));
            }
            *p = v;
          } else {
            *p = node.as<T>();
          }
        },
        f.value);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::kConfig, fmt::format("{}: {}: {}", place(origin, node.Mark()), field_name(f), e.msg));
  }
}

// A YAML double-quoted scalar: a path may hold quotes or backslashes.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

DetectionConfig parse_unguarded(std::string_view text, std::string_view origin) {
  DetectionConfig c;
  YAML::Node root;
  try {
    check_yaml_limits(text, origin);
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::kConfig, fmt::format("{}: {}", place(origin, e.mark), e.msg));
  }
  if (root.IsNull()) return c;
  if (!root.IsMap()) throw Error(ErrorCode::kConfig, fmt::format("{}: expected a mapping of settings", origin));
  const auto table = c.fields();
  auto find = [&](std::string_view section, std::string_view key) -> const Field* {
    for (const auto& f : table) {
      if (f.section == section && f.key == key) return &f;
    }
    return nullptr;
  };
  auto section_exists = [&](std::string_view s) {
    for (const auto& f : table) {
      if (!f.section.empty() && f.section == s) return true;
    }
    return false;
  };
  for (const auto& kv : root) {
    const std::string key = key_text(kv.first, origin);
    if (section_exists(key)) {
      if (!kv.second.IsMap()) {
        throw Error(ErrorCode::kConfig,
                    fmt::format("{}: '{}' must be a mapping of settings", place(origin, kv.second.Mark()), key));
      }
      for (const auto& inner : kv.second) {
        const std::string k = key_text(inner.first, origin);
        const Field* f = find(key, k);
        if (!f)
          throw Error(ErrorCode::kConfig,
                      fmt::format("{}: unknown key '{}.{}'", place(origin, inner.first.Mark()), key, k));
        assign(*f, inner.second, origin);
      }
    } else {
      const Field* f = find("", key);
      if (!f) throw Error(ErrorCode::kConfig, fmt::format("{}: unknown key '{}'", place(origin, kv.first.Mark()), key));
      assign(*f, kv.second, origin);
    }
  }
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{}: {}", origin, e.what()));
  }
  return c;
}

}  // namespace

DetectionConfig DetectionConfig::parse(std::string_view text, std::string_view origin) {
  try {
    return parse_unguarded(without_bom(text), origin);
  } catch (...) {
    rethrow_as_config_error(origin);
  }
}

DetectionConfig DetectionConfig::load_file(const std::string& path) {
  return parse(read_whole_file(path, "detection config", ErrorCode::kConfig), path);
}

std::vector<ConfigField> DetectionConfig::fields() {
  std::vector<ConfigField> out;
  ConfigFields general(out, "");
  general_fields(*this, general);
  for (const DetectorRegistration* r : registered_detectors()) {
    ConfigFields section(out, r->name);
    r->fields(*this, section);
  }
  return out;
}

void ConfigCheck::fail(std::string_view key, std::string_view why) const {
  throw Error(ErrorCode::kConfig,
              fmt::format("detection config: {}{}{} {}", section_, section_.empty() ? "" : ".", key, why));
}

void ConfigCheck::seconds(std::string_view key, std::int64_t v, bool allow_zero) const {
  if (v < 0 && allow_zero) fail(key, "must not be negative");
  if (v <= 0 && !allow_zero) fail(key, "must be positive");
  // Durations become milliseconds (x 1000) in int64 arithmetic: a year is far beyond any useful
  // window and far from overflow.
  constexpr std::int64_t kMaxSeconds = 366LL * 24 * 3600;
  if (v > kMaxSeconds) fail(key, fmt::format("must be at most {} (366 days)", kMaxSeconds));
}

void ConfigCheck::share(std::string_view key, double v) const {
  if (!(v >= 0 && v <= 1)) fail(key, "must be between 0 and 1");
}

void ConfigCheck::between(std::string_view key, std::uint64_t v, std::uint64_t lo, std::uint64_t hi) const {
  if (v < lo || v > hi) fail(key, fmt::format("must be between {} and {}", lo, hi));
}

void DetectionConfig::validate() const {
  const ConfigCheck general("");
  general.seconds("lateness_seconds", lateness_seconds, /*allow_zero=*/true);
  if (evidence_per_finding > 100) general.fail("evidence_per_finding", "must be at most 100");
  general.cap("max_findings", max_findings);
  for (const DetectorRegistration* r : registered_detectors()) r->validate(*this, ConfigCheck(r->name));
}

std::string DetectionConfig::to_yaml() const {
  DetectionConfig copy = *this;
  std::string out = "# dnslens detection settings (docs/DETECTIONS.md explains each)\n";
  std::string_view section = "";
  for (const auto& f : copy.fields()) {
    if (f.section != section) {
      section = f.section;
      out += fmt::format("{}:\n", section);
    }
    out += section.empty() ? "" : "  ";
    out += f.key;
    out += ": ";
    std::visit(
        [&](auto* p) {
          using T = std::remove_pointer_t<decltype(p)>;
          if constexpr (std::is_same_v<T, bool>)
            out += *p ? "true" : "false";
          else if constexpr (std::is_same_v<T, std::string>)
            out += quoted(*p);
          else
            out += fmt::format("{}", *p);
        },
        f.value);
    out += '\n';
  }
  return out;
}

}  // namespace dnslens
