// The built-in model, parsed from the text embedded at build time. Built into dnslens_defaults with the
// embedded data (CMakeLists.txt), so the detect library itself refers to nothing above it.
#include "detect/dga/default_dga_model.hpp"

namespace dnslens {

const DgaModel& default_dga_model() {
  static const DgaModel model = DgaModel::parse(embedded_dga_model_text());
  return model;
}

}  // namespace dnslens
