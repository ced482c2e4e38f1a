#include "cli/commands.hpp"

namespace dnslens::cli {

void register_commands(CLI::App& app, CommandRegistry& registry) {
  register_run(app, registry);
  register_generate(app, registry);
  register_domains(app, registry);
  register_athena_ddl(app, registry);
  register_psl(app, registry);
  register_demo(app, registry);
  register_firewall(app, registry);
  register_dga(app, registry);
  register_detect(app, registry);
  register_sql(app, registry);
  register_clickhouse(app, registry);
  register_export(app, registry);
  register_prune(app, registry);
  register_serve(app, registry);
}

}  // namespace dnslens::cli
