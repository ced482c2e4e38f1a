// ClickHouse's HTTP interface over chdb (ClickHouse 26 embedded as libchdb.so), for testing dnslens's
// current-dialect SQL and DDL against a current engine with the dnslens binary unchanged: Debian's
// clickhouse-server is 18.16, and libchdb has the engine but no server. Serves what dnslens's client
// sends: POST /?<settings>[&query=<statement>] with the statement (or, after query=, an insert's rows,
// gzip-decoded) as the body. `database` becomes USE, `default_format` the result's format, `readonly`
// is not enforced (the cluster tests check it on a real server), every other setting is SET for the
// request and back to its default after it; an insert's rows are read from a file. Errors are 500 with ClickHouse's own
// "Code: N. ..." text. One engine, one statement at a time.
//
//   dnslens_chdb_http LIBCHDB DATA_DIR PORT_FILE   (listens on 127.0.0.1, any free port; ends on SIGTERM)
#include <dlfcn.h>
#include <httplib.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

namespace {

// chdb's C API (programs/local/chdb.h of chdb-io/chdb, v3): a connection and results with an error.
struct chdb_result;
struct chdb_connection_ {
  void* internal_data;
};
using chdb_connection = chdb_connection_*;
using connect_fn = chdb_connection* (*)(int, char**);
using close_fn = void (*)(chdb_connection*);
using query_fn = chdb_result* (*)(chdb_connection, const char*, size_t, const char*, size_t);
using buffer_fn = char* (*)(chdb_result*);
using length_fn = size_t (*)(chdb_result*);
using error_fn = const char* (*)(chdb_result*);
using destroy_fn = void (*)(chdb_result*);

struct Chdb {
  connect_fn connect = nullptr;
  close_fn close = nullptr;
  query_fn query = nullptr;
  buffer_fn buffer = nullptr;
  length_fn length = nullptr;
  error_fn error = nullptr;
  destroy_fn destroy = nullptr;
  chdb_connection* conn = nullptr;
  std::mutex mutex;

  // Runs one statement: true and its output, or false and the engine's message.
  bool run(const std::string& sql, const std::string& format, std::string& out) {
    chdb_result* r = query(*conn, sql.data(), sql.size(), format.data(), format.size());
    if (r == nullptr) {
      out = "Code: 1000. DB::Exception: chdb returned no result";
      return false;
    }
    const char* e = error(r);
    const bool ok = e == nullptr;
    out = ok ? std::string(buffer(r), length(r)) : std::string(e);
    destroy(r);
    return ok;
  }
};

Chdb g_chdb;
const std::string kInsertFile = "insert-rows.bin";  // in the data directory (the working directory)
httplib::Server* g_server = nullptr;

void on_term(int) {
  if (g_server) g_server->stop();
}

template <typename F>
bool load(void* lib, const char* name, F& into) {
  into = reinterpret_cast<F>(::dlsym(lib, name));
  if (!into) std::fprintf(stderr, "dnslens_chdb_http: libchdb has no %s\n", name);
  return into != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: dnslens_chdb_http LIBCHDB DATA_DIR PORT_FILE\n");
    return 2;
  }
  void* lib = ::dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    std::fprintf(stderr, "dnslens_chdb_http: cannot load %s: %s (scripts/fetch-chdb.sh fetches it)\n", argv[1],
                 ::dlerror());
    return 1;
  }
  Chdb& c = g_chdb;
  if (!load(lib, "chdb_connect", c.connect) || !load(lib, "chdb_close_conn", c.close) ||
      !load(lib, "chdb_query_n", c.query) || !load(lib, "chdb_result_buffer", c.buffer) ||
      !load(lib, "chdb_result_length", c.length) || !load(lib, "chdb_result_error", c.error) ||
      !load(lib, "chdb_destroy_query_result", c.destroy))
    return 1;
  // A table name that is also a file in the working directory reads that file (clickhouse-local): work
  // in the data directory, which holds no such file.
  if (::chdir(argv[2]) != 0) {
    std::perror("dnslens_chdb_http: data directory");
    return 1;
  }
  std::string path = std::string("--path=") + argv[2] + "/db";
  std::vector<char*> args = {const_cast<char*>("dnslens_chdb_http"), path.data()};
  c.conn = c.connect(static_cast<int>(args.size()), args.data());
  if (c.conn == nullptr) {
    std::fprintf(stderr, "dnslens_chdb_http: chdb_connect failed\n");
    return 1;
  }
  httplib::Server server;
  g_server = &server;
  server.Post("/", [](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(g_chdb.mutex);  // one statement at a time, and one insert file
    std::string statement = req.body, format = "TabSeparated", database = "default";
    std::vector<std::string> settings;
    // The URL's parameters only (a form-encoded body is still the statement, as ClickHouse reads it).
    httplib::Params params;
    if (const auto q = req.target.find('?'); q != std::string::npos)
      httplib::detail::parse_query_text(req.target.substr(q + 1), params);
    for (const auto& [k, v] : params) {
      if (k == "query") {
        // An insert: the statement, then its rows. The rows go through a file (INSERT ... FROM INFILE):
        // inline after the statement, chdb lost the end of a 1.9 MB RowBinary block that a file gives whole.
        const auto format = v.rfind(" FORMAT ");
        if (format == std::string::npos || req.body.empty()) {
          statement = v + "\n" + req.body;
        } else {
          std::ofstream(kInsertFile, std::ios::binary | std::ios::trunc) << req.body;
          statement = v.substr(0, format) + " FROM INFILE '" + kInsertFile + "'" + v.substr(format);
        }
      } else if (k == "database") {
        database = v;
      } else if (k == "default_format") {
        format = v;
      } else if (k != "readonly") {
        settings.push_back(k);
        settings.back() += " = '";
        for (char ch : v) settings.back() += ch == '\'' ? std::string("\\'") : std::string(1, ch);
        settings.back() += "'";
      }
    }
    std::string out, ignored;
    bool ok = g_chdb.run("USE `" + database + "`", "TabSeparated", out) || database == "default";
    if (ok) {
      for (const auto& s : settings) {
        if (!(ok = g_chdb.run("SET " + s, "TabSeparated", out))) break;
      }
    }
    if (ok) ok = g_chdb.run(statement, format, out);
    for (const auto& s : settings)  // back to the defaults for the next request
      (void)g_chdb.run("SET " + s.substr(0, s.find(' ')) + " = DEFAULT", "TabSeparated", ignored);
    res.status = ok ? 200 : 500;
    res.set_content(out, ok ? "text/plain" : "text/plain; charset=UTF-8");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "dnslens_chdb_http: cannot listen on 127.0.0.1\n");
    return 1;
  }
  {
    std::ofstream(std::string(argv[3]) + ".tmp") << port << '\n';
    std::rename((std::string(argv[3]) + ".tmp").c_str(), argv[3]);
  }
  std::signal(SIGTERM, on_term);
  std::signal(SIGINT, on_term);
  server.listen_after_bind();
  c.close(c.conn);
  return 0;
}
