#pragma once
// DNS response codes (IANA's RCODE registry, as OCSF's DNS Activity lists them): Route 53 logs IANA's
// mnemonics in capitals (NOERROR, SERVFAIL), OCSF captions some differently (NoError, ServError).
// Shared by the OCSF encoder (rcode -> rcode_id) and the OCSF reader (rcode_id -> rcode).
#include <array>
#include <string_view>

#include "core/text.hpp"

namespace dnslens {

struct DnsRcode {
  std::string_view iana, ocsf_caption;
  int id;
};

inline constexpr std::array<DnsRcode, 21> kDnsRcodes{{
    {"NOERROR", "NoError", 0},      {"FORMERR", "FormError", 1},   {"SERVFAIL", "ServError", 2},
    {"NXDOMAIN", "NXDomain", 3},    {"NOTIMP", "NotImp", 4},       {"REFUSED", "Refused", 5},
    {"YXDOMAIN", "YXDomain", 6},    {"YXRRSET", "YXRRSet", 7},     {"NXRRSET", "NXRRSet", 8},
    {"NOTAUTH", "NotAuth", 9},      {"NOTZONE", "NotZone", 10},    {"DSOTYPENI", "DSOTYPENI", 11},
    {"BADVERS", "BADSIG_VERS", 16}, {"BADSIG", "BADSIG_VERS", 16}, {"BADKEY", "BADKEY", 17},
    {"BADTIME", "BADTIME", 18},     {"BADMODE", "BADMODE", 19},    {"BADNAME", "BADNAME", 20},
    {"BADALG", "BADALG", 21},       {"BADTRUNC", "BADTRUNC", 22},  {"BADCOOKIE", "BADCOOKIE", 23},
}};

// The code for a text in either spelling, any case; null when it is none of them.
[[nodiscard]] inline const DnsRcode* dns_rcode_by_name(std::string_view text) {
  for (const DnsRcode& r : kDnsRcodes)
    if (ascii_iequals(text, r.iana) || ascii_iequals(text, r.ocsf_caption)) return &r;
  return nullptr;
}

// The code for a numeric id (16 reads as BADVERS); null for an id outside the table.
[[nodiscard]] inline const DnsRcode* dns_rcode_by_id(int id) {
  for (const DnsRcode& r : kDnsRcodes)
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace dnslens
