// The built-in list, parsed from the text embedded at build time. Built into dnslens_defaults with the
// embedded data (CMakeLists.txt), so the detect library itself refers to nothing above it.
#include "detect/benign_noise/benign_noise.hpp"

namespace dnslens {

const BenignNoise& BenignNoise::builtin() {
  static const BenignNoise list = parse(embedded_benign_noise_text(), "data/benign-noise.txt");
  return list;
}

}  // namespace dnslens
