#pragma once
#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace dnslens::cli {

// Each command registers its subcommand and the function that runs it.
class CommandRegistry {
 public:
  void add(CLI::App* sub, std::function<int()> run) { entries_.push_back({sub, std::move(run)}); }
  int run_selected(CLI::App& app) {
    for (auto& e : entries_) {
      if (e.sub->parsed()) return e.run();
    }
    return 1;
  }

 private:
  struct Entry {
    CLI::App* sub;
    std::function<int()> run;
  };
  std::vector<Entry> entries_;
};

void register_commands(CLI::App& app, CommandRegistry& registry);

// Each command file provides one of these.
void register_run(CLI::App& app, CommandRegistry& registry);
void register_generate(CLI::App& app, CommandRegistry& registry);
void register_domains(CLI::App& app, CommandRegistry& registry);
void register_athena_ddl(CLI::App& app, CommandRegistry& registry);
void register_psl(CLI::App& app, CommandRegistry& registry);
void register_demo(CLI::App& app, CommandRegistry& registry);
void register_firewall(CLI::App& app, CommandRegistry& registry);
void register_dga(CLI::App& app, CommandRegistry& registry);
void register_detect(CLI::App& app, CommandRegistry& registry);
void register_sql(CLI::App& app, CommandRegistry& registry);
void register_clickhouse(CLI::App& app, CommandRegistry& registry);
void register_export(CLI::App& app, CommandRegistry& registry);
void register_prune(CLI::App& app, CommandRegistry& registry);
void register_serve(CLI::App& app, CommandRegistry& registry);

}  // namespace dnslens::cli
