#include "store/dga_functions.hpp"

#include <string_view>

#include "detect/name_features/name_signal_enricher.hpp"

namespace dnslens {

namespace {

void subdomain_dga(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const auto* model = static_cast<const DgaModel*>(duckdb_scalar_function_get_extra_info(info));
  const idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector in = duckdb_data_chunk_get_vector(input, 0);
  auto* texts = static_cast<duckdb_string_t*>(duckdb_vector_get_data(in));
  uint64_t* in_validity = duckdb_vector_get_validity(in);
  duckdb_vector_ensure_validity_writable(output);
  uint64_t* out_validity = duckdb_vector_get_validity(output);
  auto* scores = static_cast<float*>(duckdb_vector_get_data(output));
  for (idx_t row = 0; row < rows; ++row) {
    if (!duckdb_validity_row_is_valid(in_validity, row)) {
      duckdb_validity_set_row_invalid(out_validity, row);
      continue;
    }
    const std::string_view text(duckdb_string_t_data(&texts[row]), duckdb_string_t_length(texts[row]));
    scores[row] = subdomain_dga_score(*model, text);
  }
}

}  // namespace

void register_dga_functions(DuckConnection& conn, const DgaModel& model) {
  register_scalar_function(conn, "dnslens_subdomain_dga", {{DUCKDB_TYPE_VARCHAR}}, DUCKDB_TYPE_FLOAT, subdomain_dga,
                           const_cast<DgaModel*>(&model));
}

}  // namespace dnslens
