#include "pipeline/pipeline_config.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"

namespace dnslens {

void SourceConfig::validate() const {
  if (kind == SourceKind::kInputs && inputs.empty()) {
    throw Error(ErrorCode::kUsage, "no input given (a file, a directory, or - for stdin)");
  }
  if (kind == SourceKind::kFirehoseEndpoint && !inputs.empty()) {
    throw Error(ErrorCode::kUsage, "the Firehose endpoint's records come over HTTP: it reads no inputs");
  }
  if (max_line_bytes < 1024 || max_line_bytes > (64u << 20)) {
    throw Error(ErrorCode::kUsage, "--max-line-bytes must be between 1024 and 67108864");
  }
  if (threads > 256) throw Error(ErrorCode::kUsage, "--threads must be at most 256");
  if (std::count(inputs.begin(), inputs.end(), std::string("-")) > 1) {
    throw Error(ErrorCode::kUsage, "stdin (-) can be read only once");
  }
  limits.validate();
}

unsigned SourceConfig::workers() const { return threads ? threads : std::max(1u, std::thread::hardware_concurrency()); }

void PipelineConfig::validate() const {
  source.validate();
  if (enrich.psl == nullptr) throw Error(ErrorCode::kUsage, "a pipeline needs the public suffix list");
  if (enrich.benign_noise != nullptr && enrich.dga == nullptr) {
    throw Error(ErrorCode::kUsage, "the benign-noise list marks name signals: it needs the DGA model");
  }
  if (enrich.firewall != nullptr && enrich.dga == nullptr && enrich.firewall->current()->reads_name_signals()) {
    throw Error(ErrorCode::kUsage, "DNS Firewall Advanced rules read name signals: the policy needs the DGA model");
  }
  if (detection.detectors != nullptr && enrich.dga == nullptr) {
    throw Error(ErrorCode::kUsage, "the detectors read name signals: detection needs the DGA model");
  }
  if (sinks.json && sinks.json->path.empty() && sinks.json->dir.empty()) {
    throw Error(ErrorCode::kUsage, "the enriched output needs a file, - for stdout, or a directory");
  }
}

namespace {

namespace fs = std::filesystem;

struct DirectoryId {
  dev_t device;
  ino_t inode;
  bool operator==(const DirectoryId&) const = default;
};

class InputWalker {
 public:
  explicit InputWalker(ExpandedInputs& out) : out_(out) {}

  void walk(const fs::path& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return fail(dir, fmt::format("cannot list: {}", std::strerror(errno)));
    for (const auto& [id, first] : visited_) {
      if (id == DirectoryId{st.st_dev, st.st_ino}) {
        return fail(dir, fmt::format("directory already read as {} (a symbolic link loop or a second link to it)",
                                     first.string()));
      }
    }
    visited_.push_back({DirectoryId{st.st_dev, st.st_ino}, dir});
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return fail(dir, fmt::format("cannot list: {}", ec.message()));
    std::vector<fs::path> entries;
    for (; it != fs::directory_iterator(); it.increment(ec)) entries.push_back(it->path());
    if (ec) fail(dir, fmt::format("listing stopped: {}", ec.message()));
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries) visit(entry);
  }

 private:
  void visit(const fs::path& entry) {
    struct stat link {};
    if (::lstat(entry.c_str(), &link) != 0) return fail(entry, std::strerror(errno));
    struct stat st {};
    if (::stat(entry.c_str(), &st) != 0) {
      const int err = errno;
      if (S_ISLNK(link.st_mode)) {
        std::error_code ec;
        const fs::path target = fs::read_symlink(entry, ec);
        return fail(entry, err == ELOOP ? std::string("symbolic link loop")
                                        : fmt::format("broken symbolic link to {}", ec ? "?" : target.string()));
      }
      return fail(entry, std::strerror(err));
    }
    if (S_ISDIR(st.st_mode)) return walk(entry);
    if (S_ISREG(st.st_mode)) {
      out_.paths.push_back(entry.string());
      out_.problems.emplace_back();
      return;
    }
    fail(entry, "not a regular file (a device, socket or named pipe) inside an input directory");
  }

  void fail(const fs::path& path, std::string problem) {
    out_.paths.push_back(path.string());
    out_.problems.push_back(fmt::format("{}: {}", path.string(), problem));
  }

  ExpandedInputs& out_;
  std::vector<std::pair<DirectoryId, fs::path>> visited_;
};

}  // namespace

void refuse_outputs_that_are_inputs(const std::vector<std::string>& inputs,
                                    const std::vector<std::pair<std::string_view, std::string>>& outputs) {
  struct Existing {
    std::string_view option;
    const std::string* path;
    dev_t dev;
    ino_t ino;
  };
  std::vector<Existing> existing;
  for (const auto& [option, path] : outputs) {
    struct stat st {};
    if (path.empty() || path == "-" || path == "none" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    existing.push_back({option, &path, st.st_dev, st.st_ino});
  }
  if (existing.empty()) return;  // nothing written exists yet, so nothing written is read
  for (const auto& input : expand_inputs(inputs).paths) {
    struct stat st {};
    if (input == "-" || ::stat(input.c_str(), &st) != 0) continue;
    for (const Existing& out : existing) {
      if (out.dev == st.st_dev && out.ino == st.st_ino) {
        throw Error(ErrorCode::kUsage, fmt::format("{} {} is the input {}: the run would write into it before "
                                                   "reading it (give the output another name)",
                                                   out.option, *out.path, input));
      }
    }
  }
}

ExpandedInputs expand_inputs(const std::vector<std::string>& inputs) {
  ExpandedInputs expanded;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (input != "-" && fs::is_directory(input, ec)) {
      InputWalker(expanded).walk(input);
    } else {
      expanded.paths.push_back(input);
      expanded.problems.emplace_back();
    }
  }
  return expanded;
}

}  // namespace dnslens
