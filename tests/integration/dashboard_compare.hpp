#pragma once
// The dashboards' answers from two servers compared: a panel's or a drill-down's columns and rows (and
// total) as canonical text, numbers as numbers (DuckDB writes 12.0 where ClickHouse writes 12).
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace dnslens::testing {

// A JSON value as text, numbers as numbers (DuckDB writes 12.0 where ClickHouse writes 12), the values of
// the columns in `masked` left out (finding ids: each store numbers findings its own way).
inline void canonical_json(simdjson::dom::element e, std::string& out) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      out += '[';
      for (simdjson::dom::element v : e.get_array()) {
        canonical_json(v, out);
        out += ',';
      }
      out += ']';
      break;
    }
    case simdjson::dom::element_type::OBJECT: {
      out += '{';
      for (auto [k, v] : e.get_object()) {
        out += std::string(k) + ':';
        canonical_json(v, out);
        out += ',';
      }
      out += '}';
      break;
    }
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: {
      const double d = e.get_double().value();
      out += d == std::floor(d) && std::fabs(d) < 1e15 ? std::to_string(static_cast<std::int64_t>(d))
                                                       : fmt::format("{:.12g}", d);
      break;
    }
    case simdjson::dom::element_type::STRING:
      out += '"' + std::string(e.get_string().value()) + '"';
      break;
    case simdjson::dom::element_type::BOOL:
      out += e.get_bool().value() ? "true" : "false";
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      out += "null";
      break;
  }
}

// A panel's or a drill-down's columns and rows (and total), canonical.
inline std::string panel_rows(const std::string& json, const std::vector<std::string>& masked = {}) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(json);
  simdjson::dom::element root;
  if (parser.parse(text).get(root) != simdjson::SUCCESS || !root.is_object()) return "not JSON: " + json;
  if (root["error"].error() == simdjson::SUCCESS) return "error: " + json;
  std::string out;
  std::vector<bool> mask;
  for (simdjson::dom::element c : root["columns"].get_array()) {
    const std::string name(c.get_string().value());
    mask.push_back(std::find(masked.begin(), masked.end(), name) != masked.end());
    out += name + ' ';
  }
  out += '\n';
  for (simdjson::dom::element row : root["rows"].get_array()) {
    std::size_t i = 0;
    for (simdjson::dom::element v : row.get_array()) {
      if (i >= mask.size() || !mask[i]) canonical_json(v, out);
      out += '\t';
      ++i;
    }
    out += '\n';
  }
  if (root["total"].error() == simdjson::SUCCESS) out += "total " + std::to_string(root["total"].get_int64().value());
  return out;
}

// panel_rows of an answer that must be one: an error on both servers is not "the same rows".
inline std::string answered_rows(const std::string& json, const std::string& what,
                                 const std::vector<std::string>& masked = {}) {
  std::string rows = panel_rows(json, masked);
  EXPECT_FALSE(rows.starts_with("error") || rows.starts_with("not JSON")) << what << ": " << rows;
  return rows;
}

inline std::string http_get(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  auto r = c.Get(path);
  if (!r) return "no answer";
  return r->status == 200 ? r->body : "{\"error\":" + std::to_string(r->status) + "}";
}

// Every panel of the dashboards served on other_port shows the rows the DuckDB store's show on
// duck_port: over the whole day, with a VPC, an instance or a source address filter, over a 3-hour range
// inside it that starts off the second (the outlier panels then compare with the hours before it), and
// over ranges that start before the first record or end after the last; the catalog's range and filter
// values; the drill-downs by domain, name, source, country and VPC; every finding's records and card
// (findings matched by their place in the findings table: each store numbers them its own way).
inline void expect_same_dashboards(int duck_port, int other_port, std::int64_t records) {
  simdjson::dom::parser parser;
  const std::string catalog_text = http_get(duck_port, "/api/catalog");
  simdjson::padded_string catalog_json(catalog_text);
  simdjson::dom::element catalog = parser.parse(catalog_json).value();
  const std::int64_t first = catalog["range"]["min"].get_int64().value();
  const std::int64_t last = catalog["range"]["max"].get_int64().value();
  EXPECT_EQ(catalog["range"]["records"].get_int64().value(), records);
  {  // the range and the filters' values
    simdjson::dom::parser p2;
    const std::string other_text = http_get(other_port, "/api/catalog");
    simdjson::padded_string other_json(other_text);
    std::string a, b;
    canonical_json(catalog["range"], a);
    canonical_json(catalog["filters"], a);
    simdjson::dom::element other = p2.parse(other_json).value();
    canonical_json(other["range"], b);
    canonical_json(other["filters"], b);
    EXPECT_EQ(a, b);
  }
  const std::string vpc(catalog["filters"]["vpc"].at(0).get_string().value());
  const std::string whole = "?from=" + std::to_string(first) + "&to=" + std::to_string(last + 1000);
  const std::vector<std::string> ranges = {
      whole, whole + "&vpc=" + vpc,
      // 6 h in, 3 h long, off the second: history before it, whole-second ClickHouse times
      "?from=" + std::to_string(first + 6 * 3'600'000 + 123) + "&to=" + std::to_string(first + 9 * 3'600'000 + 777),
      // a filter value with a quote and a placeholder's name: a literal that matches nothing, not SQL
      whole + "&account=%7Bf%7D%27%20OR%201%3D1%20--",
      // filters on an instance and on a source address (the rollups keep them, or the records answer)
      whole + "&instance=" + std::string(catalog["filters"]["instance"].at(0).get_string().value()),
      whole + "&srcaddr=" + std::string(catalog["filters"]["srcaddr"].at(0).get_string().value()),
      // from two days before the first record to inside the day, and from inside it to two days after the
      // last (ranges of three days: the rollups answer with the records of the partial hours added)
      "?from=" + std::to_string(first - 2 * 86'400'000) + "&to=" + std::to_string(first + 5 * 3'600'000 + 4'321),
      "?from=" + std::to_string(first + 17 * 3'600'000 + 61'000) + "&to=" + std::to_string(last + 2 * 86'400'000)};
  std::size_t panels = 0, nonempty = 0;
  for (auto [id, panel] : catalog["panels"].get_object()) {
    ++panels;
    for (const std::string& range : ranges) {
      const std::string path = "/api/panel/" + std::string(id) + range;
      const std::string expected = answered_rows(http_get(duck_port, path), path, {"finding", "finding_ids"});
      EXPECT_EQ(answered_rows(http_get(other_port, path), path, {"finding", "finding_ids"}), expected) << path;
      if (range == whole && std::count(expected.begin(), expected.end(), '\n') > 1) ++nonempty;
    }
  }
  EXPECT_GE(panels, 45u);
  // Every panel has rows over the day but the maps without country data and the malicious IPs (the
  // indicator is a private address: no country or AS).
  EXPECT_GE(nonempty, panels - 3) << nonempty << " of " << panels;

  // Drill-downs: a domain, a name, a source, a country (none without country data: both say so alike).
  const std::string source(catalog["filters"]["instance"].at(0).get_string().value());
  for (const std::string& drill : std::vector<std::string>{"&domain=c2-beacon.xyz", "&name=update.c2-beacon.xyz",
                                                           "&source=" + source, "&country=US", "&vpc=" + vpc}) {
    const std::string path = "/api/records" + whole + drill;
    EXPECT_EQ(answered_rows(http_get(other_port, path), path), answered_rows(http_get(duck_port, path), path)) << path;
  }
  // Each finding's records, the findings matched by their place in the findings table.
  simdjson::dom::parser p3, p4;
  const std::string duck_table = http_get(duck_port, "/api/panel/fi_table" + whole);
  const std::string ch_table = http_get(other_port, "/api/panel/fi_table" + whole);
  simdjson::padded_string duck_findings_json(duck_table), ch_findings_json(ch_table);
  simdjson::dom::array duck_findings = p3.parse(duck_findings_json)["rows"].get_array().value();
  simdjson::dom::array ch_findings = p4.parse(ch_findings_json)["rows"].get_array().value();
  ASSERT_EQ(duck_findings.size(), ch_findings.size());
  ASSERT_GE(duck_findings.size(), 10u);
  for (std::size_t i = 0; i < duck_findings.size(); ++i) {
    const std::string a =
        http_get(duck_port, "/api/records?finding=" + std::to_string(duck_findings.at(i).at(0).get_int64().value()));
    const std::string b =
        http_get(other_port, "/api/records?finding=" + std::to_string(ch_findings.at(i).at(0).get_int64().value()));
    EXPECT_EQ(answered_rows(b, "finding"), answered_rows(a, "finding")) << i;
    EXPECT_NE(panel_rows(a).find("total "), std::string::npos);
    EXPECT_EQ(panel_rows(a).ends_with("total 0"), false) << "finding " << i << " drills to no records: " << a;
    // The finding's card: the same members with the same values (scores to 9 digits).
    simdjson::dom::parser pa, pb;
    simdjson::padded_string ja(a), jb(b);
    std::string card_a, card_b;
    canonical_json(pa.parse(ja)["finding"].value(), card_a);
    canonical_json(pb.parse(jb)["finding"].value(), card_b);
    const auto coarse = [](std::string s) {  // doubles cut to 9 significant digits
      std::string out;
      for (std::size_t k = 0; k < s.size(); ++k) {
        out += s[k];
        if (s[k] == '.' && k > 0 && std::isdigit(static_cast<unsigned char>(s[k - 1]))) {
          std::size_t digits = 0;
          while (k + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[k + 1]))) {
            if (digits++ < 9) out += s[k + 1];
            ++k;
          }
        }
      }
      return out;
    };
    EXPECT_EQ(coarse(card_b), coarse(card_a)) << i;
  }
}

}  // namespace dnslens::testing
