// Error paths of the detection config: each is Error(kConfig) naming the file, the line and the
// key; no yaml-cpp exception escapes, aliases cannot expand, and numbers never wrap.
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "detect/engine/detection_config.hpp"

namespace dnslens {
namespace {

std::string config_error(const std::string& text) {
  try {
    (void)DetectionConfig::parse(text, "detect.yaml");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConfig) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << text;
  return {};
}

TEST(DetectionConfigErrors, ANonScalarKeyNamesItsLine) {
  EXPECT_NE(config_error("? [a, b] : 1\n").find("detect.yaml: line 1, column 3: a key must be a plain value"),
            std::string::npos);
  EXPECT_NE(config_error("tunneling:\n  ? {x: 1}\n  : 2\n").find("detect.yaml: line 2, column 5: a key must be"),
            std::string::npos);
}

TEST(DetectionConfigErrors, AnAliasBombIsRefused) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  const char* names = "abcdefghi";
  for (int level = 1; level < 9; ++level) {
    yaml += std::string(1, names[level]) + ": &" + names[level] + " [";
    for (int i = 0; i < 9; ++i) yaml += std::string(i ? ", " : "") + "*" + names[level - 1];
    yaml += "]\n";
  }
  const std::string err = config_error(yaml);
  EXPECT_NE(err.find("detect.yaml: line "), std::string::npos) << err;
  EXPECT_NE(err.find("aliases expand"), std::string::npos) << err;
}

TEST(DetectionConfigErrors, DeepNestingIsRefused) {
  EXPECT_NE(config_error("tunneling: " + std::string(5000, '[') + "\n").find("levels deep"), std::string::npos);
}

TEST(DetectionConfigErrors, NumbersOutOfTheirRangeNameTheKey) {
  const std::string u32 = config_error("tunneling:\n  min_queries: 4294967296\n");
  EXPECT_NE(u32.find("detect.yaml: line 2, column 16: tunneling.min_queries: '4294967296' is not a whole number"),
            std::string::npos)
      << u32;
  EXPECT_NE(config_error("max_findings: 18446744073709551616\n").find("max_findings"), std::string::npos);
  // Seconds become milliseconds in int64 arithmetic.
  EXPECT_NE(config_error("lateness_seconds: 9223372036854775807\n")
                .find("detect.yaml: detection config: lateness_seconds must be at most"),
            std::string::npos);
  EXPECT_NE(config_error("anomaly:\n  min_ratio: .inf\n").find("anomaly.min_ratio: '.inf' is not a finite number"),
            std::string::npos);
}

TEST(DetectionConfigErrors, ASectionMustBeAMapping) {
  EXPECT_NE(config_error("tunneling: 5\n").find("detect.yaml: line 1, column 12: 'tunneling' must be a mapping"),
            std::string::npos);
}

TEST(DetectionConfigErrors, ABomIsSkippedAndPathsPrintBackQuoted) {
  const DetectionConfig c =
      DetectionConfig::parse("\xEF\xBB\xBFtunneling:\n  min_queries: 10\ndga_model: \"a\\\"b\"\n", "d.yaml");
  EXPECT_EQ(c.tunneling.min_queries, 10u);
  EXPECT_EQ(DetectionConfig::parse(c.to_yaml(), "printed.yaml").dga_model, "a\"b");
}

}  // namespace
}  // namespace dnslens
