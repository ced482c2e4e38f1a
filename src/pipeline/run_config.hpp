#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "enrich/registered_domain/public_suffix_list.hpp"
#include "io/decoders.hpp"
#include "io/decompress_limits.hpp"
#include "sources/envelope_decoder.hpp"

namespace dnslens {

struct RunConfig {
  std::vector<std::string> inputs;        // files, directories (recursive), "-" for stdin
  InputFormat format = InputFormat::kAuto;
  unsigned threads = 0;                   // 0 = one per core
  std::string output = "-";               // enriched JSON lines; "-" stdout, "none" discards
  std::string output_dir;                 // when set: S3-layout partitions instead of `output`
  Compression output_compression = Compression::kNone;
  std::string dead_letter_path = "dnslens-dead-letter.jsonl";  // created on the first bad record
  std::string psl_path;                   // empty: the Debian publicsuffix data
  PslScope psl_scope = PslScope::kIcannAndPrivate;
  std::string interesting_path;           // empty: no interesting-domain list
  std::size_t max_line_bytes = 1 << 20;
  std::uint64_t max_envelope_bytes = 1ull << 30;
  DecompressLimits limits;
  bool progress = false;
  std::string summary_json_path;

  // Throws Error(kUsage) naming the offending option.
  void validate() const;
  [[nodiscard]] std::size_t chunk_bytes() const { return std::max<std::size_t>(4u << 20, 2 * max_line_bytes + 4096); }
};

// The run's inputs after directories are expanded: every path is read in this order, except those
// whose problem is set, which are reported as failed inputs with that problem.
struct ExpandedInputs {
  std::vector<std::string> paths;
  std::vector<std::string> problems;  // one per path; empty: readable as far as listing can tell
};

// Expands directories recursively (sorted; files and symbolic links to files). Nothing in a
// directory is skipped silently: an unreadable subdirectory, a broken or looping symbolic link, a
// directory reached twice (through a link) and anything that is not a file become failed inputs.
// Missing top-level paths are kept so the run reports them as unreadable.
[[nodiscard]] ExpandedInputs expand_inputs(const std::vector<std::string>& inputs);

}  // namespace dnslens
