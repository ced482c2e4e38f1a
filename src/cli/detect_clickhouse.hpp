#pragma once
// dnslens detect --clickhouse URL --since T: the detectors over what a cluster holds, whichever serve
// instance stored it, with the findings stored back into ClickHouse (docs/CLICKHOUSE.md).
#include <string>

#include <CLI/CLI.hpp>

#include "cli/common_options.hpp"
#include "cli/detect_options.hpp"

namespace dnslens::cli {

struct DetectClickHouseOptions {
  ClickHouseOptions clickhouse;
  DetectOptions detect;
  PslOptions psl;
  std::string since, until;      // ISO 8601 times, or ages ("24h": that long ago)
  std::string lookback = "24h";  // records read before since, so windows that start before it are whole
  std::string findings;          // also as JSON lines here (empty: not)
  unsigned threads = 0;
  bool quiet = false;

  void add(CLI::App* detect);
};

int detect_clickhouse(const DetectClickHouseOptions& o);

}  // namespace dnslens::cli
