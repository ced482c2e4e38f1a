// Baseline for bench/run.sh: memchr each line, simdjson on-demand parse, visit every top-level
// field (key + raw value), as any JSON-lines consumer must. Reports records/s and bytes/s, and checks
// its own output (a checksum over query_name lengths) so the work cannot be optimised away.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include <simdjson.h>

namespace {

struct Totals {
  std::size_t records = 0, bad = 0, checksum = 0;
};

// Parses whole lines in [p, end); the buffer holds SIMDJSON_PADDING readable bytes past end.
void parse_lines(simdjson::ondemand::parser& parser, const char* p, const char* end, Totals& t) {
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl) nl = end;
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    bool ok = !parser
                   .iterate(p, static_cast<std::size_t>(nl - p),
                            static_cast<std::size_t>(end - p) + simdjson::SIMDJSON_PADDING)
                   .get(doc) &&
              !doc.get_object().get(obj);
    if (ok) {
      for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key)) {
          ok = false;
          break;
        }
        if (key == "query_name") {
          std::string_view v;
          if (field.value().get_string().get(v)) {
            ok = false;
            break;
          }
          t.checksum += v.size();
        } else {
          simdjson::ondemand::value v = field.value();
          t.checksum += v.raw_json_token().size() & 1;
        }
      }
    }
    ok ? ++t.records : ++t.bad;
    p = nl + 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: bench_bare_parse [--stream] FILE.jsonl\n");
    return 1;
  }
  const bool stream = argc == 3 && std::string_view(argv[1]) == "--stream";
  const char* path = argv[argc - 1];
  int fd = ::open(path, O_RDONLY);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) return 1;
  std::size_t size = static_cast<std::size_t>(st.st_size);
  simdjson::ondemand::parser parser;
  Totals t;
  std::chrono::steady_clock::time_point t0;
  if (stream) {
    // The fair end-to-end baseline: read 4 MiB chunks of whole lines into one reused buffer, as
    // dnslens does; the time includes the reads.
    t0 = std::chrono::steady_clock::now();
    constexpr std::size_t kChunk = 4 << 20;
    std::string buf(kChunk + simdjson::SIMDJSON_PADDING, '\0');
    std::size_t filled = 0;
    while (true) {
      ssize_t n = ::read(fd, buf.data() + filled, kChunk - filled);
      if (n < 0) return 1;
      filled += static_cast<std::size_t>(n);
      std::size_t cut = filled;
      if (n > 0) {
        while (cut > 0 && buf[cut - 1] != '\n') --cut;
      }
      std::string tail(buf.data() + cut, filled - cut);
      std::memset(buf.data() + cut, 0, simdjson::SIMDJSON_PADDING);
      parse_lines(parser, buf.data(), buf.data() + cut, t);
      std::memcpy(buf.data(), tail.data(), tail.size());
      filled = tail.size();
      if (n == 0) break;
    }
  } else {
    // In memory: the file is read first and not timed (the parse alone).
    std::string buf(size + simdjson::SIMDJSON_PADDING, '\0');
    for (std::size_t off = 0; off < size;) {
      ssize_t n = ::read(fd, buf.data() + off, size - off);
      if (n <= 0) return 1;
      off += static_cast<std::size_t>(n);
    }
    t0 = std::chrono::steady_clock::now();
    parse_lines(parser, buf.data(), buf.data() + size, t);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("bare_parse%s records=%zu bad=%zu checksum=%zu seconds=%.3f records_per_s=%.0f MB_per_s=%.1f\n",
              stream ? " --stream" : "", t.records, t.bad, t.checksum, secs, static_cast<double>(t.records) / secs,
              static_cast<double>(size) / 1e6 / secs);
  return t.bad == 0 ? 0 : 2;
}
