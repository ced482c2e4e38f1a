// dnslens command line. Exit codes:
//   0 success; 1 usage or configuration error; 2 the run could not complete (output unwritable,
//   internal error); 3 the run completed but some inputs failed (unreadable, corrupt, truncated,
//   decompression bomb); 4 the run completed with bad records and --fail-on-bad was given.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/error.hpp"

// A repeatable option takes one value per occurrence ("--intel a --intel b logs"), so it never
// swallows the positional inputs that follow it.
static void one_value_per_occurrence(CLI::App* app) {
  for (CLI::Option* opt : app->get_options()) {
    if (!opt->get_positional()) opt->allow_extra_args(false);
  }
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) one_value_per_occurrence(sub);
}

int main(int argc, char** argv) {
  CLI::App app{"dnslens: Route 53 Resolver query logs in, security answers out"};
  app.set_version_flag("--version", std::string("dnslens ") + DNSLENS_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok; 1 usage/config error; 2 run failed; 3 some inputs failed; 4 bad records with "
      "--fail-on-bad.\nRun 'dnslens <command> --help' for a command's options.");
  dnslens::cli::CommandRegistry registry;
  dnslens::cli::register_commands(app, registry);
  one_value_per_occurrence(&app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 1;
  }
  try {
    return registry.run_selected(app);
  } catch (const dnslens::Error& e) {
    std::fprintf(stderr, "dnslens: %s error: %s\n", std::string(dnslens::error_code_name(e.code())).c_str(), e.what());
    return e.code() == dnslens::ErrorCode::kUsage || e.code() == dnslens::ErrorCode::kConfig ? 1 : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dnslens: internal error: %s\n", e.what());
    return 2;
  }
}
