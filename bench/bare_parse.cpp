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

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_bare_parse FILE.jsonl\n");
    return 1;
  }
  int fd = ::open(argv[1], O_RDONLY);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) return 1;
  std::size_t size = static_cast<std::size_t>(st.st_size);
  std::string buf(size + simdjson::SIMDJSON_PADDING, '\0');
  for (std::size_t off = 0; off < size;) {
    ssize_t n = ::read(fd, buf.data() + off, size - off);
    if (n <= 0) return 1;
    off += static_cast<std::size_t>(n);
  }
  auto t0 = std::chrono::steady_clock::now();
  simdjson::ondemand::parser parser;
  std::size_t records = 0, bad = 0, checksum = 0;
  const char* p = buf.data();
  const char* end = buf.data() + size;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl) nl = end;
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    bool ok = !parser.iterate(p, static_cast<std::size_t>(nl - p), static_cast<std::size_t>(buf.data() + buf.size() - p)).get(doc) &&
              !doc.get_object().get(obj);
    if (ok) {
      for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key)) { ok = false; break; }
        if (key == "query_name") {
          std::string_view v;
          if (field.value().get_string().get(v)) { ok = false; break; }
          checksum += v.size();
        } else {
          simdjson::ondemand::value v = field.value();
          checksum += v.raw_json_token().size() & 1;
        }
      }
    }
    ok ? ++records : ++bad;
    p = nl + 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("bare_parse records=%zu bad=%zu checksum=%zu seconds=%.3f records_per_s=%.0f MB_per_s=%.1f\n", records, bad,
              checksum, secs, static_cast<double>(records) / secs, static_cast<double>(size) / 1e6 / secs);
  return bad == 0 ? 0 : 2;
}
