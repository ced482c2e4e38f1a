#pragma once
// What the pipeline's unit tests share: the machine's public suffix list and one query-log line.
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "enrich/registered_domain/public_suffix_list.hpp"

namespace dnslens::testing {

inline const PublicSuffixList& pipeline_psl() {
  static const PublicSuffixList p = PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, PslScope::kIcannAndPrivate);
  return p;
}

// A Route 53 Resolver query-log line asking for name (an A query from i-0abc in vpc-1).
inline std::string line_for(std::string_view name) {
  return fmt::format(
      R"({{"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-1",)"
      R"("query_timestamp":"2026-11-21T10:00:00Z","query_name":"{}","query_type":"A","query_class":"IN",)"
      R"("rcode":"NOERROR","answers":[],"srcaddr":"10.0.0.5","srcport":"5353","transport":"UDP",)"
      R"("srcids":{{"instance":"i-0abc"}}}})",
      name);
}

}  // namespace dnslens::testing
