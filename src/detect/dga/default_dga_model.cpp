#include "detect/dga/default_dga_model.hpp"

namespace dnslens {

const DgaModel& default_dga_model() {
  static const DgaModel model = DgaModel::parse(embedded_dga_model_text());
  return model;
}

}  // namespace dnslens
