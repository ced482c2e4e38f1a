#include "cli/common_options.hpp"

#include "core/error.hpp"

namespace dnslens::cli {

void PslOptions::add(CLI::App* sub) {
  sub->add_option("--psl", path, "Public suffix list file (default: the Debian publicsuffix data)");
  sub->add_option("--psl-scope", scope, "Which PSL rules apply: all (ICANN + private) or icann")
      ->check(CLI::IsMember({"all", "icann"}));
}

PublicSuffixList PslOptions::load() const {
  return PublicSuffixList::load_file(path.empty() ? DNSLENS_DEFAULT_PSL : path,
                                     scope == "icann" ? PslScope::kIcannOnly : PslScope::kIcannAndPrivate);
}

}  // namespace dnslens::cli
