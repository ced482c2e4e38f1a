#pragma once
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "enrich/registered_domain/public_suffix_list.hpp"

namespace dnslens::cli {

struct PslOptions {
  std::string path;
  std::string scope = "all";
  void add(CLI::App* sub);
  [[nodiscard]] PublicSuffixList load() const;
};

}  // namespace dnslens::cli
