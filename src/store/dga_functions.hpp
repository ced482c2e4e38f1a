#pragma once
// The DGA scorer as an SQL function, for the dashboards' panels and `dnslens sql`:
//   dnslens_subdomain_dga(subdomain VARCHAR) -> FLOAT
// the DGA score of the subdomain's longest label, as detection computes it (subdomain_dga_score): what a
// tunnel's or an exfiltration's names vary in, where the stored dga_score scores the registered label.
// 0 when that label is shorter than 12 characters; NULL for NULL.
#include "detect/dga/dga_model.hpp"
#include "store/duckdb_api.hpp"

namespace dnslens {

// `model` must outlive every use of the function on the connection's database.
void register_dga_functions(DuckConnection& conn, const DgaModel& model);

}  // namespace dnslens
