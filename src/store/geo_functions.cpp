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

void register_one(DuckConnection& conn, const char* name, duckdb_type result, duckdb_scalar_function_t fn,
                  const LazyGeoDb* geo) {
  duckdb_scalar_function f = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(f, name);
  DuckType varchar(duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR));
  DuckType out(duckdb_create_logical_type(result));
  duckdb_scalar_function_add_parameter(f, varchar.get());
  duckdb_scalar_function_set_return_type(f, out.get());
  // NULL in, NULL out is the function's own business (it checks validity).
  duckdb_scalar_function_set_special_handling(f);
  duckdb_scalar_function_set_extra_info(f, const_cast<LazyGeoDb*>(geo), nullptr);
  duckdb_scalar_function_set_function(f, fn);
  const duckdb_state state = duckdb_register_scalar_function(conn.handle(), f);
  duckdb_destroy_scalar_function(&f);
  if (state != DuckDBSuccess) throw Error(ErrorCode::kIo, std::string("cannot register SQL function ") + name);
}

}  // namespace

void register_geo_functions(DuckConnection& conn, const LazyGeoDb* geo) {
  register_one(conn, "dnslens_country", DUCKDB_TYPE_VARCHAR, geo_function<GeoField::kCountry>, geo);
  register_one(conn, "dnslens_asn", DUCKDB_TYPE_UINTEGER, geo_function<GeoField::kAsn>, geo);
  register_one(conn, "dnslens_as_org", DUCKDB_TYPE_VARCHAR, geo_function<GeoField::kOrganization>, geo);
}

}  // namespace dnslens
