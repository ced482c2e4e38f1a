#include <cstdio>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/dns_name.hpp"

namespace dnslens::cli {

void register_psl(CLI::App& app, CommandRegistry& registry) {
  struct Options {
    std::vector<std::string> names;
    PslOptions psl;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("psl", "Show how names split into subdomain, registered domain and public suffix");
  sub->add_option("names", opts->names, "Domain names (as logged: trailing dot and \\DDD escapes accepted)")
      ->required();
  opts->psl.add(sub);
  registry.add(sub, [opts] {
    PublicSuffixList psl = opts->psl.load();
    std::printf("%-40s %-30s %-20s %-25s %s\n", "name", "registered_domain", "public_suffix", "subdomain", "tld_valid");
    for (const auto& n : opts->names) {
      char buf[kMaxNormalizedName];
      auto norm = normalize_name(n, buf);
      DomainParts p = norm.valid_syntax ? psl.split(norm.text) : DomainParts{};
      std::string name(norm.text), reg(p.registered_domain), suf(p.public_suffix), sub_(p.subdomain);
      std::printf("%-40s %-30s %-20s %-25s %s\n", name.c_str(), reg.empty() ? "-" : reg.c_str(),
                  suf.empty() ? "-" : suf.c_str(), sub_.empty() ? "-" : sub_.c_str(), p.tld_valid ? "yes" : "no");
    }
    return 0;
  });
}

}  // namespace dnslens::cli
