#include "pipeline/run_config.hpp"

#include <algorithm>
#include <filesystem>

#include "core/error.hpp"

namespace dnslens {

void RunConfig::validate() const {
  if (inputs.empty()) throw Error(ErrorCode::kUsage, "no input given (a file, a directory, or - for stdin)");
  if (max_line_bytes < 1024 || max_line_bytes > (64u << 20)) {
    throw Error(ErrorCode::kUsage, "--max-line-bytes must be between 1024 and 67108864");
  }
  if (threads > 256) throw Error(ErrorCode::kUsage, "--threads must be at most 256");
  if (!output_dir.empty() && output != "-" && output != "none") {
    throw Error(ErrorCode::kUsage, "--output and --output-dir are exclusive");
  }
  if (std::count(inputs.begin(), inputs.end(), std::string("-")) > 1) {
    throw Error(ErrorCode::kUsage, "stdin (-) can be read only once");
  }
  limits.validate();
}

std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (input != "-" && fs::is_directory(input, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(input, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) found.push_back(it->path().string());
      }
      if (ec) throw Error(ErrorCode::kIo, "cannot list " + input + ": " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(input);
    }
  }
  return files;
}

}  // namespace dnslens
