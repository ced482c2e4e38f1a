#include "store/clickhouse/clickhouse_tsv.hpp"

namespace dnslens {

namespace {

std::optional<std::string> tsv_value(std::string_view f) {
  if (f == "\\N") return std::nullopt;
  std::string out;
  out.reserve(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '\\' || i + 1 == f.size()) {
      out += f[i];
      continue;
    }
    const char e = f[++i];
    out += e == 'n'   ? '\n'
           : e == 't' ? '\t'
           : e == 'r' ? '\r'
           : e == '0' ? '\0'
           : e == 'b' ? '\b'
           : e == 'f' ? '\f'
                      : e;
  }
  return out;
}

std::string_view strip_wrapper(std::string_view type, std::string_view wrapper) {
  if (type.starts_with(wrapper) && type.size() > wrapper.size() + 1 && type[wrapper.size()] == '(' &&
      type.back() == ')')
    return type.substr(wrapper.size() + 1, type.size() - wrapper.size() - 2);
  return type;
}

}  // namespace

ClickHouseTable parse_clickhouse_tsv(std::string_view body, bool with_types) {
  ClickHouseTable t;
  int header_lines = with_types ? 2 : 1;
  for (std::size_t at = 0; at < body.size();) {
    std::size_t end = body.find('\n', at);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = body.substr(at, end - at);
    std::vector<std::optional<std::string>> fields;
    for (std::size_t f = 0;;) {
      const std::size_t tab = line.find('\t', f);
      fields.push_back(tsv_value(line.substr(f, tab == std::string_view::npos ? line.size() - f : tab - f)));
      if (tab == std::string_view::npos) break;
      f = tab + 1;
    }
    if (header_lines > 0) {
      auto& into = t.names.empty() ? t.names : t.types;
      for (auto& n : fields) into.push_back(n.value_or("NULL"));
      --header_lines;
    } else {
      t.rows.push_back(std::move(fields));
    }
    at = end + 1;
  }
  return t;
}

bool clickhouse_numeric_type(std::string_view type) {
  type = strip_wrapper(strip_wrapper(type, "LowCardinality"), "Nullable");
  return type.starts_with("Int") || type.starts_with("UInt") || type.starts_with("Float") ||
         type.starts_with("Decimal");
}

}  // namespace dnslens
