#include "sinks/jsonl/jsonl_encoder.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/json_escape.hpp"

namespace dnslens {

namespace {

using namespace std::string_view_literals;  // appended literals have their length known: no strlen

// prefix is ,"name": ; appends "value" or null when the value is empty. Inlined: four calls per
// record with constant prefixes, which the compiler then appends without a call each.
[[gnu::always_inline]] inline void append_field(OutputBuffer& out, std::string_view prefix, std::string_view value,
                                                Escaper escape) {
  out += prefix;
  if (value.empty()) {
    out += "null"sv;
    return;
  }
  out += '"';
  out.escaped(value, escape);
  out += '"';
}

// The fraction of a number with three decimals as written: ".5" for 500, ".125" for 125, nothing for
// 0; each entry is copied as its four bytes and the cursor moved by its length.
struct Fraction {
  char text[4];
  std::uint32_t length;
};
constexpr std::array<Fraction, 1000> kFractions = [] {
  std::array<Fraction, 1000> table{};
  for (unsigned frac = 1; frac < 1000; ++frac) {
    Fraction& f = table[frac];
    f.text[0] = '.';
    f.text[1] = static_cast<char>('0' + frac / 100);
    f.text[2] = static_cast<char>('0' + frac / 10 % 10);
    f.text[3] = static_cast<char>('0' + frac % 10);
    f.length = frac % 10 != 0 ? 4 : frac % 100 != 0 ? 3 : 2;
  }
  return table;
}();

// A non-negative number with up to three decimals ("3.125", "0.5", "0"), without the cost of a
// general float formatter: the signals (entropies, ratios, scores) are mostly below 10.
[[gnu::always_inline]] inline void append_decimal3(OutputBuffer& out, double v) {
  if (!(v > 0)) {
    out += '0';
    return;
  }
  if (!(v < 1e15)) v = 1e15;  // the signals are small; this only keeps the conversion defined
  const auto scaled = static_cast<std::uint64_t>(v * 1000.0 + 0.5);
  const std::uint64_t whole = scaled / 1000;
  char* p = out.claim(24);  // 16 digits and the fraction's 4 bytes
  if (whole < 10)
    *p++ = static_cast<char>('0' + whole);
  else
    p = std::to_chars(p, p + 20, whole).ptr;
  const Fraction& f = kFractions[scaled % 1000];
  std::memcpy(p, f.text, 4);
  out.commit(p + f.length);
}

[[gnu::always_inline]] inline void append_number_field(OutputBuffer& out, std::string_view prefix, double v) {
  out += prefix;
  append_decimal3(out, v);
}

[[gnu::always_inline]] inline void append_count_field(OutputBuffer& out, std::string_view prefix, std::uint64_t v) {
  out += prefix;
  out.append_count(v);
}

// Feed text is untrusted (any bytes): always escaped as bytes.
void append_threat_fields(OutputBuffer& out, const ThreatMatch& hit) {
  append_field(out, ",\"threat_indicator\":", hit.value, Escaper::kBytes);
  append_field(out, ",\"threat_indicator_type\":", hit.kind, Escaper::kPlain);
  append_field(out, ",\"threat_feed\":", hit.feed, Escaper::kBytes);
  if (hit.confidence >= 0) {
    append_count_field(out, ",\"threat_confidence\":"sv, static_cast<std::uint64_t>(hit.confidence));
  } else {
    out += ",\"threat_confidence\":null"sv;
  }
  append_field(out, ",\"threat_confidence_level\":", hit.confidence_level, Escaper::kPlain);
  append_field(out, ",\"threat_actor\":", hit.actor, Escaper::kBytes);
  append_field(out, ",\"threat_category\":", hit.category, Escaper::kBytes);
  append_field(out, ",\"threat_source\":", hit.source, Escaper::kBytes);
  append_field(out, ",\"threat_matched_on\":", match_site_name(hit.site), Escaper::kPlain);
  append_field(out, ",\"threat_matched_value\":", hit.matched_value, Escaper::kBytes);
  append_count_field(out, ",\"threat_match_count\":"sv, hit.count);
}

void append_firewall_fields(OutputBuffer& out, const FirewallOutcome& f) {
  if (!f.decided()) {
    out +=
        ",\"firewall_sim_action\":null,\"firewall_sim_rule\":null,\"firewall_sim_rule_group_id\":null,"
        "\"firewall_sim_domain_list_id\":null,\"firewall_sim_block_response\":null,\"firewall_sim_matched_on\":null";
  } else {
    append_field(out, ",\"firewall_sim_action\":", f.action, Escaper::kPlain);
    append_field(out, ",\"firewall_sim_rule\":", f.rule_name, Escaper::kBytes);
    append_field(out, ",\"firewall_sim_rule_group_id\":", f.rule_group_id, Escaper::kBytes);
    append_field(out, ",\"firewall_sim_domain_list_id\":", f.domain_list_id, Escaper::kBytes);
    append_field(out, ",\"firewall_sim_block_response\":", f.block_response, Escaper::kPlain);
    append_field(out, ",\"firewall_sim_matched_on\":", f.via_redirection ? "redirection" : "query_name",
                 Escaper::kPlain);
  }
  out += f.drift == FirewallDrift::kNone ? ",\"firewall_sim_drift\":false"sv : ",\"firewall_sim_drift\":true"sv;
}

}  // namespace

void encode_enriched_line(std::string_view line, const EnrichedRecord& o, OutputBuffer& out) {
  const NormalizedName& norm = o.name;
  // The original bytes up to the closing brace: unknown fields survive byte for byte.
  std::size_t end = line.size();
  while (end > 0 && line[end - 1] != '}') --end;
  out.append(line.data(), end - 1);
  out += o.matched ? ",\"isMatchedDomain\":\"Y\""sv : ",\"isMatchedDomain\":\"N\""sv;
  // Decoded \DDD escapes can produce any byte; otherwise the text came from validated UTF-8 JSON.
  // The parts are substrings of the normalized name, so one check covers all four.
  const Escaper escape = norm.json_plain ? Escaper::kPlain : norm.had_escapes ? Escaper::kBytes : Escaper::kJson;
  append_field(out, ",\"query_name_normalized\":", norm.text, escape);
  append_field(out, ",\"registered_domain\":", o.registered_domain, escape);
  append_field(out, ",\"public_suffix\":", o.public_suffix, escape);
  append_field(out, ",\"subdomain\":", o.subdomain, escape);
  if (o.threat.hit()) append_threat_fields(out, o.threat);
  if (o.firewall.simulated) append_firewall_fields(out, o.firewall);
  if (o.has_signals) {
    const NameFeatures& f = o.signals.features;
    append_number_field(out, ",\"name_entropy\":", f.name_entropy);
    append_number_field(out, ",\"subdomain_entropy\":", f.subdomain_entropy);
    append_count_field(out, ",\"name_length\":", f.name_length);
    append_count_field(out, ",\"subdomain_length\":", f.subdomain_length);
    append_count_field(out, ",\"longest_label\":", f.longest_label);
    append_count_field(out, ",\"label_count\":", f.label_count);
    append_number_field(out, ",\"digit_ratio\":", f.digit_ratio);
    append_number_field(out, ",\"consonant_ratio\":", f.consonant_ratio);
    append_number_field(out, ",\"dga_score\":", o.signals.dga_score);
    out += o.signals.benign_noise ? ",\"benign_noise\":true"sv : ",\"benign_noise\":false"sv;
  }
  out += o.tld_valid ? ",\"tld_valid\":true}\n"sv : ",\"tld_valid\":false}\n"sv;
}

RecordFormat route53_format() {
  return RecordFormat{
      .name = "route53",
      .description = "the Route 53 Resolver record as logged, with the enrichment fields appended",
      .encode = [](const SinkRecord& r, OutputBuffer& out) { encode_enriched_line(r.route53_line(), r.enriched, out); },
      .expansion = 1.5,
  };
}

}  // namespace dnslens
