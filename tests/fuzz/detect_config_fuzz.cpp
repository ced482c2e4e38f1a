// libFuzzer target: the detection config (--detect-config, YAML or JSON). Hostile YAML (alias
// bombs, deep nesting, non-scalar keys, numbers that overflow their field) must end in
// dnslens::Error; anything else escaping crashes the fuzzer, as it should. A config that loads
// prints (to_yaml) as a config that loads to the same settings, as long as its paths are printable
// ASCII (YAML cannot carry other bytes through a quoted scalar unchanged).
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "detect/engine/detection_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  dnslens::DetectionConfig config;
  try {
    config = dnslens::DetectionConfig::parse(text, "fuzz.yaml");
  } catch (const dnslens::Error&) {
    return 0;
  }
  for (const std::string* path : {&config.benign_noise, &config.dga_model}) {
    for (char c : *path) {
      if (c < 0x20 || c > 0x7e) return 0;
    }
  }
  const std::string printed = config.to_yaml();
  // Not caught: a printed config that does not load again is a bug.
  if (dnslens::DetectionConfig::parse(printed, "printed.yaml").to_yaml() != printed) __builtin_trap();
  return 0;
}
