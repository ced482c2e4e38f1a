// libFuzzer target: the ASN range-table CSV reader (user-supplied geo data) and the overlap sweep, then
// lookups. Text without a single range throws dnslens::Error; nothing may crash, and every answer must
// come from a range that covers the address.
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "enrich/geoip/asn_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  dnslens::AsnTable table;
  try {
    (void)table.load_csv_text(text, "fuzz");
  } catch (const dnslens::Error&) {
    return 0;
  }
  table.finish();
  for (const char* ip : {"0.0.0.0", "1.2.3.4", "10.0.0.1", "255.255.255.255", "::", "2001:db8::1",
                         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    if (auto a = dnslens::parse_ip(ip)) {
      if (auto hit = table.find(*a); hit && hit->number == 0) __builtin_trap();  // AS0 is never an answer
    }
  }
  return 0;
}
