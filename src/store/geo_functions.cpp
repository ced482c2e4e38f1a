#include "store/geo_functions.hpp"

#include <string>

#include "core/error.hpp"

namespace dnslens {

namespace {

enum class GeoField { kCountry, kAsn, kOrganization };

template <GeoField kField>
void geo_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const auto* lazy = static_cast<const LazyGeoDb*>(duckdb_scalar_function_get_extra_info(info));
  const GeoDb* geo = nullptr;
  try {
    geo = lazy ? lazy->get() : nullptr;
  } catch (const Error& e) {
    duckdb_scalar_function_set_error(info, e.what());
    return;
  }
  const idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector in = duckdb_data_chunk_get_vector(input, 0);
  auto* texts = static_cast<duckdb_string_t*>(duckdb_vector_get_data(in));
  const uint64_t* in_validity = duckdb_vector_get_validity(in);
  duckdb_vector_ensure_validity_writable(output);
  uint64_t* out_validity = duckdb_vector_get_validity(output);
  auto* numbers = static_cast<uint32_t*>(duckdb_vector_get_data(output));
  for (idx_t row = 0; row < rows; ++row) {
    GeoInfo found;
    if (geo && duckdb_validity_row_is_valid(const_cast<uint64_t*>(in_validity), row)) {
      const std::string_view text(duckdb_string_t_data(&texts[row]), duckdb_string_t_length(texts[row]));
      if (auto ip = parse_geo_address(text))
        found = geo->lookup(*ip, kField == GeoField::kCountry ? kGeoCountry : kGeoAsn);
    }
    if constexpr (kField == GeoField::kCountry) {
      const std::string_view code = found.country_code();
      if (code.empty()) {
        duckdb_validity_set_row_invalid(out_validity, row);
      } else {
        duckdb_vector_assign_string_element_len(output, row, code.data(), code.size());
      }
    } else if constexpr (kField == GeoField::kAsn) {
      if (found.asn == 0) {
        duckdb_validity_set_row_invalid(out_validity, row);
      } else {
        numbers[row] = found.asn;
      }
    } else {
      if (found.asn == 0) {
        duckdb_validity_set_row_invalid(out_validity, row);
      } else {
        duckdb_vector_assign_string_element_len(output, row, found.organization.data(), found.organization.size());
      }
    }
  }
}

}  // namespace

void register_geo_functions(DuckConnection& conn, const LazyGeoDb* geo) {
  auto* extra = const_cast<LazyGeoDb*>(geo);
  register_scalar_function(conn, "dnslens_country", {{DUCKDB_TYPE_VARCHAR}}, DUCKDB_TYPE_VARCHAR,
                           geo_function<GeoField::kCountry>, extra);
  register_scalar_function(conn, "dnslens_asn", {{DUCKDB_TYPE_VARCHAR}}, DUCKDB_TYPE_UINTEGER,
                           geo_function<GeoField::kAsn>, extra);
  register_scalar_function(conn, "dnslens_as_org", {{DUCKDB_TYPE_VARCHAR}}, DUCKDB_TYPE_VARCHAR,
                           geo_function<GeoField::kOrganization>, extra);
}

}  // namespace dnslens
