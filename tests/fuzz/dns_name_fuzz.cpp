// libFuzzer target: name normalisation and public-suffix splitting on hostile names.
#include <cstdint>
#include <string_view>

#include "core/dns_name.hpp"
#include "enrich/registered_domain/public_suffix_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto psl =
      dnslens::PublicSuffixList::load_file(DNSLENS_DEFAULT_PSL, dnslens::PslScope::kIcannAndPrivate);
  char buf[dnslens::kMaxNormalizedName];
  auto norm = dnslens::normalize_name(std::string_view(reinterpret_cast<const char*>(data), size), buf);
  if (norm.text.size() > dnslens::kMaxNormalizedName) __builtin_trap();
  auto parts = psl.split(norm.text);
  if (!parts.registered_domain.empty() && !norm.text.ends_with(parts.registered_domain)) __builtin_trap();
  return 0;
}
