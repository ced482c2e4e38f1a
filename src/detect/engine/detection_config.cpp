#include "detect/engine/detection_config.hpp"

#include <cmath>
#include <limits>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/error.hpp"
#include "io/read_file.hpp"

namespace dnslens {

namespace {

using FieldRef = std::variant<bool*, std::int64_t*, std::uint32_t*, std::uint64_t*, double*, std::string*>;

struct Field {
  std::string_view section;  // empty: top level
  std::string_view key;
  FieldRef ref;
};

// The one list of keys: parsing, printing and validation all walk it.
std::vector<Field> fields(DetectionConfig& c) {
  return {
      {"", "enabled", &c.enabled},
      {"", "benign_noise", &c.benign_noise},
      {"", "dga_model", &c.dga_model},
      {"", "lateness_seconds", &c.lateness_seconds},
      {"", "max_findings", &c.max_findings},
      {"", "evidence_per_finding", &c.evidence_per_finding},
      {"tunneling", "enabled", &c.tunneling.enabled},
      {"tunneling", "window_seconds", &c.tunneling.window_seconds},
      {"tunneling", "min_subdomain_length", &c.tunneling.min_subdomain_length},
      {"tunneling", "min_queries", &c.tunneling.min_queries},
      {"tunneling", "min_distinct_subdomains", &c.tunneling.min_distinct_subdomains},
      {"tunneling", "min_bytes", &c.tunneling.min_bytes},
      {"tunneling", "min_random_share", &c.tunneling.min_random_share},
      {"tunneling", "min_mean_entropy", &c.tunneling.min_mean_entropy},
      {"tunneling", "random_label_score", &c.tunneling.random_label_score},
      {"tunneling", "max_keys", &c.tunneling.max_keys},
      {"dga", "enabled", &c.dga.enabled},
      {"dga", "window_seconds", &c.dga.window_seconds},
      {"dga", "score_threshold", &c.dga.score_threshold},
      {"dga", "min_distinct_names", &c.dga.min_distinct_names},
      {"dga", "min_nxdomain_share", &c.dga.min_nxdomain_share},
      {"dga", "max_keys", &c.dga.max_keys},
      {"beaconing", "enabled", &c.beaconing.enabled},
      {"beaconing", "min_events", &c.beaconing.min_events},
      {"beaconing", "min_score", &c.beaconing.min_score},
      {"beaconing", "jitter_tolerance", &c.beaconing.jitter_tolerance},
      {"beaconing", "min_interval_seconds", &c.beaconing.min_interval_seconds},
      {"beaconing", "max_interval_seconds", &c.beaconing.max_interval_seconds},
      {"beaconing", "max_timestamps", &c.beaconing.max_timestamps},
      {"beaconing", "max_source_share", &c.beaconing.max_source_share},
      {"beaconing", "min_sources_for_fleet", &c.beaconing.min_sources_for_fleet},
      {"beaconing", "max_keys", &c.beaconing.max_keys},
      {"footprinting", "enabled", &c.footprinting.enabled},
      {"footprinting", "window_seconds", &c.footprinting.window_seconds},
      {"footprinting", "min_addresses", &c.footprinting.min_addresses},
      {"footprinting", "min_density", &c.footprinting.min_density},
      {"footprinting", "min_nxdomain_share", &c.footprinting.min_nxdomain_share},
      {"footprinting", "min_wide_addresses", &c.footprinting.min_wide_addresses},
      {"footprinting", "max_keys", &c.footprinting.max_keys},
      {"anomaly", "enabled", &c.anomaly.enabled},
      {"anomaly", "bucket_seconds", &c.anomaly.bucket_seconds},
      {"anomaly", "baseline_buckets", &c.anomaly.baseline_buckets},
      {"anomaly", "min_baseline_buckets", &c.anomaly.min_baseline_buckets},
      {"anomaly", "min_robust_z", &c.anomaly.min_robust_z},
      {"anomaly", "min_count", &c.anomaly.min_count},
      {"anomaly", "min_ratio", &c.anomaly.min_ratio},
      {"anomaly", "max_entities", &c.anomaly.max_entities},
      {"threat_intel", "enabled", &c.threat_intel.enabled},
  };
}

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
          if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint32_t> || std::is_same_v<T, std::uint64_t>) {
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
        f.ref);
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
  auto table = fields(c);
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
        throw Error(ErrorCode::kConfig, fmt::format("{}: '{}' must be a mapping of settings", place(origin, kv.second.Mark()), key));
      }
      for (const auto& inner : kv.second) {
        const std::string k = key_text(inner.first, origin);
        const Field* f = find(key, k);
        if (!f) throw Error(ErrorCode::kConfig, fmt::format("{}: unknown key '{}.{}'", place(origin, inner.first.Mark()), key, k));
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

void DetectionConfig::validate() const {
  auto fail = [](std::string_view key, std::string_view why) {
    throw Error(ErrorCode::kConfig, fmt::format("detection config: {} {}", key, why));
  };
  auto share = [&](std::string_view key, double v) {
    if (!(v >= 0 && v <= 1)) fail(key, "must be between 0 and 1");
  };
  auto positive = [&](std::string_view key, std::int64_t v) {
    if (v <= 0) fail(key, "must be positive");
  };
  positive("tunneling.window_seconds", tunneling.window_seconds);
  positive("dga.window_seconds", dga.window_seconds);
  positive("footprinting.window_seconds", footprinting.window_seconds);
  positive("anomaly.bucket_seconds", anomaly.bucket_seconds);
  positive("beaconing.min_interval_seconds", beaconing.min_interval_seconds);
  // Durations become milliseconds (x 1000) in int64 arithmetic: a year is far beyond any useful
  // window and far from overflow.
  constexpr std::int64_t kMaxSeconds = 366LL * 24 * 3600;
  for (auto [key, v] : {std::pair{"tunneling.window_seconds", tunneling.window_seconds},
                        std::pair{"dga.window_seconds", dga.window_seconds},
                        std::pair{"footprinting.window_seconds", footprinting.window_seconds},
                        std::pair{"anomaly.bucket_seconds", anomaly.bucket_seconds},
                        std::pair{"beaconing.min_interval_seconds", beaconing.min_interval_seconds},
                        std::pair{"beaconing.max_interval_seconds", beaconing.max_interval_seconds},
                        std::pair{"lateness_seconds", lateness_seconds}}) {
    if (v > kMaxSeconds) fail(key, fmt::format("must be at most {} (366 days)", kMaxSeconds));
  }
  if (beaconing.max_interval_seconds <= beaconing.min_interval_seconds) fail("beaconing.max_interval_seconds", "must exceed min_interval_seconds");
  if (beaconing.min_events < 4) fail("beaconing.min_events", "must be at least 4");
  if (beaconing.max_timestamps < beaconing.min_events || beaconing.max_timestamps > 65536) {
    fail("beaconing.max_timestamps", "must be between min_events and 65536");
  }
  if (anomaly.baseline_buckets < 2 || anomaly.baseline_buckets > 1024) fail("anomaly.baseline_buckets", "must be between 2 and 1024");
  if (anomaly.min_baseline_buckets < 1 || anomaly.min_baseline_buckets > anomaly.baseline_buckets) {
    fail("anomaly.min_baseline_buckets", "must be between 1 and baseline_buckets");
  }
  share("tunneling.min_random_share", tunneling.min_random_share);
  share("tunneling.random_label_score", tunneling.random_label_score);
  share("dga.score_threshold", dga.score_threshold);
  share("dga.min_nxdomain_share", dga.min_nxdomain_share);
  share("beaconing.min_score", beaconing.min_score);
  share("beaconing.max_source_share", beaconing.max_source_share);
  share("footprinting.min_density", footprinting.min_density);
  share("footprinting.min_nxdomain_share", footprinting.min_nxdomain_share);
  if (!(beaconing.jitter_tolerance > 0 && beaconing.jitter_tolerance <= 1)) fail("beaconing.jitter_tolerance", "must be in (0, 1]");
  if (footprinting.min_addresses < 2 || footprinting.min_addresses > 256) fail("footprinting.min_addresses", "must be between 2 and 256");
  if (lateness_seconds < 0) fail("lateness_seconds", "must not be negative");
  if (evidence_per_finding > 100) fail("evidence_per_finding", "must be at most 100");
  for (auto [key, v] : {std::pair{"tunneling.max_keys", tunneling.max_keys}, std::pair{"dga.max_keys", dga.max_keys},
                        std::pair{"beaconing.max_keys", beaconing.max_keys}, std::pair{"footprinting.max_keys", footprinting.max_keys},
                        std::pair{"anomaly.max_entities", anomaly.max_entities}, std::pair{"max_findings", max_findings}}) {
    if (v < 16 || v > 100000000) fail(key, "must be between 16 and 100000000");
  }
}

std::string DetectionConfig::to_yaml() const {
  DetectionConfig copy = *this;
  std::string out = "# dnslens detection settings (docs/DETECTIONS.md explains each)\n";
  std::string_view section = "";
  for (const auto& f : fields(copy)) {
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
          if constexpr (std::is_same_v<T, bool>) out += *p ? "true" : "false";
          else if constexpr (std::is_same_v<T, std::string>) out += quoted(*p);
          else out += fmt::format("{}", *p);
        },
        f.ref);
    out += '\n';
  }
  return out;
}

}  // namespace dnslens
