#include "io/read_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace dnslens {

std::string read_whole_file(const std::string& path, std::string_view what, ErrorCode code) {
  const std::string name = (what.empty() ? std::string() : std::string(what) + " ") + path;
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    // Opening a directory succeeds on Linux and reads as empty: a feed or list that silently
    // loads nothing.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(code, "cannot read " + name + ": it is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(code, "cannot read " + name + ": " + std::strerror(errno));
    buffer << in.rdbuf();
    if (in.bad()) throw Error(code, "cannot read " + name + ": read failed");
  }
  std::string text = std::move(buffer).str();
  if (without_bom(text).size() != text.size()) text.erase(0, 3);
  return text;
}

namespace {

// What a node expands to once every alias in it is replaced by what it names.
struct Expansion {
  std::size_t nodes = 0;
  std::size_t bytes = 0;
  std::size_t height = 0;  // nesting levels below the node
};

class LimitChecker final : public YAML::EventHandler {
 public:
  LimitChecker(std::string_view origin, const YamlLimits& limits) : origin_(origin), limits_(limits) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { leaf(anchor, 0); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, const std::string& value) override {
    leaf(anchor, value.size());
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= done_.size() || !done_[anchor]) fail(mark, "an alias refers to a node that contains it");
    const Expansion& e = expansions_[anchor];
    alias_nodes_ += e.nodes;
    alias_bytes_ += e.bytes;
    if (alias_nodes_ > limits_.max_alias_nodes) {
      fail(mark, fmt::format("aliases expand to more than {} nodes", limits_.max_alias_nodes));
    }
    if (alias_bytes_ > limits_.max_alias_bytes) {
      fail(mark, fmt::format("aliases expand to more than {} bytes of text", limits_.max_alias_bytes));
    }
    if (open_.size() + e.height > limits_.max_depth) {
      fail(mark, fmt::format("an alias nests the document more than {} levels deep", limits_.max_depth));
    }
    add_to_parent(e);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    Expansion expansion;
    YAML::anchor_t anchor;
  };

  [[noreturn]] void fail(const YAML::Mark& mark, std::string_view problem) const {
    throw Error(ErrorCode::kConfig,
                fmt::format("{}: line {}, column {}: {}", origin_, mark.line + 1, mark.column + 1, problem));
  }
  void remember(YAML::anchor_t anchor, const Expansion& e) {
    if (anchor == YAML::NullAnchor) return;
    if (anchor >= done_.size()) {
      done_.resize(anchor + 1, false);
      expansions_.resize(anchor + 1);
    }
    done_[anchor] = true;
    expansions_[anchor] = e;
  }
  void add_to_parent(const Expansion& e) {
    if (open_.empty()) return;
    Expansion& parent = open_.back().expansion;
    parent.nodes += e.nodes;
    parent.bytes += e.bytes;
    parent.height = std::max(parent.height, e.height + 1);
  }
  void leaf(YAML::anchor_t anchor, std::size_t bytes) {
    const Expansion e{1, bytes, 0};
    remember(anchor, e);
    add_to_parent(e);
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    // Stopping here, before yaml-cpp recurses into the next level, is what keeps its stack bounded.
    if (open_.size() >= limits_.max_depth)
      fail(mark, fmt::format("nested more than {} levels deep", limits_.max_depth));
    open_.push_back(Open{Expansion{1, 0, 0}, anchor});
  }
  void close() {
    const Open done = open_.back();
    open_.pop_back();
    remember(done.anchor, done.expansion);
    add_to_parent(done.expansion);
  }

  std::string_view origin_;
  const YamlLimits& limits_;
  std::vector<Open> open_;
  std::vector<bool> done_;  // by anchor id: its node is complete (an alias to an open one is a cycle)
  std::vector<Expansion> expansions_;
  std::size_t alias_nodes_ = 0;
  std::size_t alias_bytes_ = 0;
};

}  // namespace

void check_yaml_limits(std::string_view text, std::string_view origin, const YamlLimits& limits) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  LimitChecker checker(origin, limits);
  parser.HandleNextDocument(checker);
}

void rethrow_as_config_error(std::string_view origin) {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::kConfig, fmt::format("{}: too large to load (out of memory)", origin));
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) throw Error(ErrorCode::kConfig, fmt::format("{}: {}", origin, e.msg));
    throw Error(ErrorCode::kConfig,
                fmt::format("{}: line {}, column {}: {}", origin, e.mark.line + 1, e.mark.column + 1, e.msg));
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kConfig, fmt::format("{}: cannot be loaded: {}", origin, e.what()));
  }
}

}  // namespace dnslens
