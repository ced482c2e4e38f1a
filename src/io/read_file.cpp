#include "io/read_file.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace dnslens {

std::string read_whole_file(const std::string& path, std::string_view what, ErrorCode code) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(code, "cannot read " + (what.empty() ? std::string() : std::string(what) + " ") + path);
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace dnslens
