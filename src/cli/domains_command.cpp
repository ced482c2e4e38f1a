#include <cstdio>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "enrich/interesting_domains/interesting_domains.hpp"
#include "io/read_file.hpp"
#include "io/output_sink.hpp"

namespace dnslens::cli {

void register_domains(CLI::App& app, CommandRegistry& registry) {
  CLI::App* domains = app.add_subcommand("domains", "Manage interesting-domain lists");
  domains->require_subcommand(1);
  struct ImportOptions {
    std::vector<std::string> files;
    std::string output = "-";
    PslOptions psl;
  };
  auto opts = std::make_shared<ImportOptions>();
  CLI::App* imp = domains->add_subcommand(
      "import",
      "Pull domains out of any text (hosts files, CSV, URLs, prose), keep those with an existing TLD, reduce "
      "each to its registered domain, write a sorted list");
  imp->add_option("files", opts->files, "Text files to read (- for stdin)")->required();
  imp->add_option("-o,--output", opts->output, "The list to write (- for stdout)")->capture_default_str();
  opts->psl.add(imp);
  registry.add(domains, [opts] {
    PublicSuffixList psl = opts->psl.load();
    ImportResult result;
    for (const auto& f : opts->files) {
      extract_domains(read_whole_file(f, "", ErrorCode::kIo), psl, result);
    }
    finish_import(result);
    std::string text;
    for (const auto& d : result.domains) text += d + "\n";
    auto sink = make_file_sink(opts->output, Compression::kNone);
    sink->write(text);
    sink->finish();
    std::fprintf(stderr,
                 "dnslens: %zu registered domains written (%zu domain-like tokens, %zu with an unknown TLD, %zu "
                 "public suffixes ignored)\n",
                 result.domains.size(), result.candidates, result.rejected_unknown_tld, result.rejected_public_suffix);
    return 0;
  });
}

}  // namespace dnslens::cli
