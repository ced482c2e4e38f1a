// The deterministic driver that ctest links into every fuzz target in place of libFuzzer: it runs
// each committed corpus input once, then a fixed number of mutations of them drawn from a seeded
// generator, so a CI run explores the same inputs every time and can never fail by luck. Open-ended,
// coverage-guided exploration is scripts/fuzz.sh --long (libFuzzer); whatever it finds is committed
// to the corpus and replayed here from then on.
//
// Usage: TARGET [--seed S] [--mutations N] [--max-len BYTES] PATH...   (PATH: a file or a directory)
// When an input crashes the target, it is written to ./replay-crash-<seed>-<index> first.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

// The input being run, for the crash handler (written before every call).
const std::uint8_t* g_current = nullptr;
std::size_t g_current_size = 0;
char g_crash_path[256] = "replay-crash";

extern "C" void dump_current_input(int signo) {
  const int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    std::size_t done = 0;
    while (done < g_current_size) {
      const ssize_t n = ::write(fd, g_current + done, g_current_size - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    constexpr char kMsg[] = "fuzz replay: the crashing input was written to ";
    (void)!::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    (void)!::write(STDERR_FILENO, g_crash_path, std::strlen(g_crash_path));
    (void)!::write(STDERR_FILENO, "\n", 1);
  }
  if (signo != 0) {
    std::signal(signo, SIG_DFL);
    std::raise(signo);
  }
}

// DNSLENS_SANITIZE: built with ASan + UBSan (CMake's option of that name), whose reports end the
// process without a signal this driver could catch.
#ifdef DNSLENS_SANITIZE
extern "C" void __sanitizer_set_death_callback(void (*callback)());
extern "C" void on_sanitizer_death() { dump_current_input(0); }
#endif

// splitmix64: tiny, fast and the same on every platform, unlike std::uniform_int_distribution.
struct Random {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
};

// Tokens that parsers of this project's formats treat specially.
constexpr std::string_view kTokens[] = {"{",
                                        "}",
                                        "[",
                                        "]",
                                        "\"",
                                        ":",
                                        ",",
                                        "\n",
                                        "\r\n",
                                        "\\",
                                        "\\u0000",
                                        "\\ud800",
                                        "null",
                                        "true",
                                        "-1",
                                        "0",
                                        "4294967296",
                                        "18446744073709551616",
                                        "1e999",
                                        "\xff",
                                        "\xc3\x28",
                                        "\xef\xbb\xbf",
                                        "&a",
                                        "*a",
                                        "- ",
                                        "? ",
                                        "---",
                                        "\x1f\x8b\x08",
                                        "\x28\xb5\x2f\xfd",
                                        "Content-Length: ",
                                        "Transfer-Encoding: chunked\r\n",
                                        "\r\n\r\n",
                                        ".",
                                        "..",
                                        "*.",
                                        "xn--",
                                        "query_name",
                                        "query_timestamp",
                                        "answers",
                                        "Event",
                                        "Orgc",
                                        "Attribute"};

std::vector<std::uint8_t> mutate(const std::vector<std::vector<std::uint8_t>>& corpus, Random& rng,
                                 std::size_t max_len) {
  std::vector<std::uint8_t> out = corpus[rng.below(corpus.size())];
  const std::size_t steps = 1 + rng.below(4);
  for (std::size_t s = 0; s < steps; ++s) {
    switch (rng.below(8)) {
      case 0:  // flip a bit
        if (!out.empty()) out[rng.below(out.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
        break;
      case 1:  // set a byte
        if (!out.empty()) out[rng.below(out.size())] = static_cast<std::uint8_t>(rng.next());
        break;
      case 2: {  // insert random bytes
        const std::size_t at = rng.below(out.size() + 1);
        const std::size_t n = 1 + rng.below(8);
        std::vector<std::uint8_t> bytes(n);
        for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.next());
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin(), bytes.end());
        break;
      }
      case 3: {  // erase a range
        if (out.empty()) break;
        const std::size_t at = rng.below(out.size());
        const std::size_t n = 1 + rng.below(std::min<std::size_t>(out.size() - at, 64));
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(at), out.begin() + static_cast<std::ptrdiff_t>(at + n));
        break;
      }
      case 4: {  // duplicate a range
        if (out.empty()) break;
        const std::size_t at = rng.below(out.size());
        const std::size_t n = 1 + rng.below(std::min<std::size_t>(out.size() - at, 256));
        const std::vector<std::uint8_t> piece(out.begin() + static_cast<std::ptrdiff_t>(at),
                                              out.begin() + static_cast<std::ptrdiff_t>(at + n));
        const std::size_t to = rng.below(out.size() + 1);
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(to), piece.begin(), piece.end());
        break;
      }
      case 5:  // truncate
        out.resize(rng.below(out.size() + 1));
        break;
      case 6: {  // splice the tail of another input
        const auto& other = corpus[rng.below(corpus.size())];
        const std::size_t keep = rng.below(out.size() + 1);
        const std::size_t from = rng.below(other.size() + 1);
        out.resize(keep);
        out.insert(out.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      default: {  // insert a token
        const std::string_view token = kTokens[rng.below(std::size(kTokens))];
        const std::size_t at = rng.below(out.size() + 1);
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), token.begin(), token.end());
        break;
      }
    }
  }
  if (out.size() > max_len) out.resize(max_len);
  return out;
}

void run_one(const std::vector<std::uint8_t>& input) {
  // An exact-size heap copy, so a read one byte past the end is a sanitizer report.
  std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[input.size() + (input.empty() ? 1 : 0)]);
  if (!input.empty()) std::memcpy(copy.get(), input.data(), input.size());
  g_current = copy.get();
  g_current_size = input.size();
  LLVMFuzzerTestOneInput(copy.get(), input.size());
  g_current = nullptr;
  g_current_size = 0;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "fuzz replay: %s\nusage: TARGET [--seed S] [--mutations N] [--max-len BYTES] PATH...\n", why);
  std::exit(64);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 1;
  std::size_t mutations = 0;
  std::size_t max_len = 65536;
  std::vector<std::filesystem::path> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::uint64_t {
      if (i + 1 >= argc) usage("a value is missing");
      char* end = nullptr;
      const unsigned long long v = std::strtoull(argv[++i], &end, 10);
      if (*end != '\0') usage("not a number");
      return v;
    };
    if (arg == "--seed") {
      seed = value();
    } else if (arg == "--mutations") {
      mutations = value();
    } else if (arg == "--max-len") {
      max_len = value();
    } else if (arg.starts_with("-")) {
      usage("unknown option");
    } else {
      paths.emplace_back(arg);
    }
  }
  std::vector<std::filesystem::path> files;
  for (const auto& p : paths) {
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else if (std::filesystem::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "fuzz replay: %s is neither a file nor a directory\n", p.c_str());
      return 66;
    }
  }
  if (files.empty()) usage("no corpus input");
  std::sort(files.begin(), files.end());  // directory order differs between machines
  std::vector<std::vector<std::uint8_t>> corpus;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  std::signal(SIGSEGV, dump_current_input);
  std::signal(SIGABRT, dump_current_input);
  std::signal(SIGBUS, dump_current_input);
  std::signal(SIGFPE, dump_current_input);
  std::signal(SIGILL, dump_current_input);
#ifdef DNSLENS_SANITIZE
  __sanitizer_set_death_callback(on_sanitizer_death);
#endif

  for (std::size_t i = 0; i < corpus.size(); ++i) {
    std::snprintf(g_crash_path, sizeof(g_crash_path), "replay-crash-corpus-%zu", i);
    run_one(corpus[i]);
  }
  Random rng{seed};
  for (std::size_t i = 0; i < mutations; ++i) {
    const std::vector<std::uint8_t> input = mutate(corpus, rng, max_len);
    std::snprintf(g_crash_path, sizeof(g_crash_path), "replay-crash-%llu-%zu", static_cast<unsigned long long>(seed),
                  i);
    run_one(input);
  }
  std::printf("fuzz replay: %zu corpus inputs and %zu mutations (seed %llu) ran clean\n", corpus.size(), mutations,
              static_cast<unsigned long long>(seed));
  return 0;
}
