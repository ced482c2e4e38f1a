#pragma once
// Geo lookups as SQL functions, so the dashboards' panels and `dnslens sql` stay plain SQL over the
// store (the store keeps addresses; country and AS are looked up when asked, against whatever geo data
// is loaded now, so replacing the mmdb files never requires re-loading records):
//   dnslens_country(ip VARCHAR) -> VARCHAR    two-letter country code
//   dnslens_asn(ip VARCHAR)     -> UINTEGER   AS number
//   dnslens_as_org(ip VARCHAR)  -> VARCHAR    AS organization
// Each gives NULL for NULL, for text that is not an address, for unknown addresses, and for every
// address when no geo data is loaded.
#include "enrich/geoip/geo_db.hpp"
#include "store/duckdb_api.hpp"

namespace dnslens {

// `geo` may be null (no geo data) and must outlive every use of the functions on the connection's
// database. Geo data that fails to load fails the statement that asked, with the reason.
void register_geo_functions(DuckConnection& conn, const LazyGeoDb* geo);

}  // namespace dnslens
