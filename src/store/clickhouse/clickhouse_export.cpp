#include "store/clickhouse/clickhouse_export.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "core/timestamp.hpp"

namespace dnslens {

namespace {

// The fields of a Route 53 line in the order AWS writes them; every one comes out as a String ('' for
// NULL), the answers as three arrays.
constexpr std::array<std::string_view, 9> kHead = {
    "version", "account_id", "region", "vpc_id", "query_timestamp", "query_name", "query_type", "query_class", "rcode"};
constexpr std::array<std::string_view, 3> kMiddle = {"srcaddr", "srcport", "transport"};
constexpr std::array<std::string_view, 3> kSrcids = {"instance", "resolver_endpoint", "resolver_network_interface"};
constexpr std::array<std::string_view, 3> kFirewall = {"firewall_rule_action", "firewall_rule_group_id",
                                                       "firewall_domain_list_id"};

std::string select_list() {
  std::string s;
  for (auto c : kHead) {
    s += s.empty() ? "" : ", ";
    s += c == "version" ? "ifNull(toString(version), '')" : fmt::format("ifNull(`{}`, '')", c);
  }
  s += ", `answers.Rdata`, `answers.Type`, `answers.Class`";
  for (auto c : kMiddle) s += c == "srcport" ? ", ifNull(toString(srcport), '')" : fmt::format(", ifNull(`{}`, '')", c);
  for (auto c : kSrcids) s += fmt::format(", ifNull(`srcids.{}`, '')", c);
  for (auto c : kFirewall) s += fmt::format(", ifNull(`{}`, '')", c);
  return s;
}

class Row {
 public:
  explicit Row(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}
  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return false;
      const auto b = static_cast<unsigned char>(*p_++);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool string(std::string_view& s) {
    std::uint64_t n = 0;
    if (!varint(n) || n > static_cast<std::uint64_t>(end_ - p_)) return false;
    s = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  [[nodiscard]] const char* at() const { return p_; }

 private:
  const char* p_;
  const char* end_;
};

// "2021-02-04 17:51:55": ClickHouse's text of a time.
std::string iso_seconds(std::int64_t ms) {
  std::string t = iso8601_seconds(ms);  // 2021-02-04T17:51:55Z
  if (t.size() >= 19) t[10] = ' ';
  return t.substr(0, 19);
}

void member(std::string& out, bool& first, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  out += first ? "\"" : ",\"";
  first = false;
  out += name;
  out += "\":\"";
  append_json_escaped_bytes(out, value);
  out += '"';
}

}  // namespace

std::size_t clickhouse_row_to_line(std::string_view data, std::string& out) {
  Row row(data);
  const std::size_t start = out.size();
  bool first = true;
  out += '{';
  std::string_view v;
  for (auto c : kHead) {
    if (!row.string(v)) return out.resize(start), 0;
    member(out, first, c, v);
  }
  std::array<std::vector<std::string_view>, 3> answers;
  for (auto& a : answers) {
    std::uint64_t n = 0;
    if (!row.varint(n)) return out.resize(start), 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!row.string(v)) return out.resize(start), 0;
      a.push_back(v);
    }
  }
  out += first ? "\"answers\":[" : ",\"answers\":[";
  first = false;
  for (std::size_t i = 0; i < answers[0].size(); ++i) {
    out += i ? ",{" : "{";
    bool in_first = true;
    member(out, in_first, "Rdata", answers[0][i]);
    member(out, in_first, "Type", i < answers[1].size() ? answers[1][i] : std::string_view{});
    member(out, in_first, "Class", i < answers[2].size() ? answers[2][i] : std::string_view{});
    out += '}';
  }
  out += ']';
  for (auto c : kMiddle) {
    if (!row.string(v)) return out.resize(start), 0;
    member(out, first, c, v);
  }
  std::array<std::string_view, 3> ids;
  for (auto& id : ids) {
    if (!row.string(id)) return out.resize(start), 0;
  }
  if (std::any_of(ids.begin(), ids.end(), [](std::string_view s) { return !s.empty(); })) {
    out += ",\"srcids\":{";
    bool in_first = true;
    for (std::size_t i = 0; i < ids.size(); ++i) member(out, in_first, kSrcids[i], ids[i]);
    out += '}';
  }
  for (auto c : kFirewall) {
    if (!row.string(v)) return out.resize(start), 0;
    member(out, first, c, v);
  }
  out += '}';
  return static_cast<std::size_t>(row.at() - data.data());
}

ClickHouseExportStats export_clickhouse_lines(ClickHouseClient& client, const ClickHouseSchemaOptions& schema,
                                              std::int64_t from_ms, std::int64_t until_ms,
                                              const std::function<void(std::string_view)>& line) {
  ClickHouseExportStats stats;
  const std::string columns = select_list();
  const bool datetime64 = clickhouse_table_info(client, schema).datetime64;
  // A bound as the table's query_ts compares with it: milliseconds, or whole seconds (DateTime).
  const auto bound = [&](std::int64_t ms) {
    return datetime64 ? fmt::format("toDateTime64('{}.{:03}', 3, 'UTC')", iso_seconds(ms), ms % 1000)
                      : fmt::format("toDateTime({}, 'UTC')", ms / 1000);
  };
  const std::int64_t hour = 3'600'000;
  std::string text;
  for (std::int64_t at = from_ms - ((from_ms % hour) + hour) % hour; at < until_ms; at += hour) {
    const std::int64_t lo = std::max(at, from_ms), hi = std::min(at + hour, until_ms);
    const std::string body = client.query(
        fmt::format("SELECT {} FROM {} WHERE query_ts >= {} AND query_ts < {} ORDER BY query_ts, query_name, srcaddr, "
                    "srcport FORMAT RowBinary",
                    columns, clickhouse_insert_table(schema), bound(lo), bound(hi)));
    ++stats.queries;
    for (std::size_t pos = 0; pos < body.size();) {
      text.clear();
      const std::size_t used = clickhouse_row_to_line(std::string_view(body).substr(pos), text);
      if (used == 0) {
        throw Error(ErrorCode::kQuery, fmt::format("ClickHouse at {}: a row of route53query could not be read back "
                                                   "(the table's columns differ from dnslens's)",
                                                   client.where()));
      }
      pos += used;
      line(text);
      ++stats.records;
    }
  }
  return stats;
}

}  // namespace dnslens
