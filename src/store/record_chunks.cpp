#include "store/record_chunks.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "core/timestamp.hpp"
#include "parse/unknown_fields.hpp"
#include "store/store_text.hpp"

namespace dnslens {

namespace {

duckdb_logical_type varchar_struct(const std::array<const char*, 3>& names) {
  duckdb_logical_type v = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  std::array<duckdb_logical_type, 3> members = {v, v, v};
  duckdb_logical_type s = duckdb_create_struct_type(members.data(), const_cast<const char**>(names.data()), 3);
  duckdb_destroy_logical_type(&v);
  return s;
}

duckdb_logical_type enum_type(const EnumDomain& d) {
  std::vector<std::string> names(d.members().begin(), d.members().end());
  std::vector<const char*> ptrs;
  for (const std::string& n : names) ptrs.push_back(n.c_str());
  duckdb_logical_type t = duckdb_create_enum_type(ptrs.data(), ptrs.size());
  if (t == nullptr || duckdb_enum_internal_type(t) != DUCKDB_TYPE_UTINYINT) {
    throw Error(ErrorCode::kInternal, fmt::format("DuckDB: the {} ENUM is not one byte wide", d.name()));
  }
  return t;
}

duckdb_logical_type logical_type(const StoreColumn& c) {
  const StoreType t = c.type;
  switch (t) {
    case StoreType::kEnum:
      return enum_type(*c.domain);
    case StoreType::kCodedAnswers: {
      std::array<duckdb_logical_type, 3> members = {duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR),
                                                    enum_type(rr_type_domain()), enum_type(rr_class_domain())};
      std::array<const char*, 3> names = {"Rdata", "Type", "Class"};
      duckdb_logical_type s = duckdb_create_struct_type(members.data(), names.data(), 3);
      for (auto& m : members) duckdb_destroy_logical_type(&m);
      duckdb_logical_type l = duckdb_create_list_type(s);
      duckdb_destroy_logical_type(&s);
      return l;
    }
    case StoreType::kVarchar:
      return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
    case StoreType::kFloat:
      return duckdb_create_logical_type(DUCKDB_TYPE_FLOAT);
    case StoreType::kDouble:
      return duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE);
    case StoreType::kInteger:
      return duckdb_create_logical_type(DUCKDB_TYPE_INTEGER);
    case StoreType::kBigint:
      return duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
    case StoreType::kBoolean:
      return duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
    case StoreType::kTimestamp:
      return duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP);
    case StoreType::kAnswers: {
      duckdb_logical_type s = varchar_struct({"Rdata", "Type", "Class"});
      duckdb_logical_type l = duckdb_create_list_type(s);
      duckdb_destroy_logical_type(&s);
      return l;
    }
    case StoreType::kSrcids:
      return varchar_struct({"instance", "resolver_endpoint", "resolver_network_interface"});
  }
  return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
}

}  // namespace

RecordChunks::RecordChunks() {
  for (const StoreColumn& c : stored_columns()) types_.push_back(logical_type(c));
  capacity_ = duckdb_vector_size();
}

RecordChunks::~RecordChunks() {
  for (auto& c : chunks_) duckdb_destroy_data_chunk(&c);
  for (auto& t : types_) duckdb_destroy_logical_type(&t);
}

void RecordChunks::clear() {
  arena_.reset();
  used_ = 0;
  row_ = 0;
  rows_ = 0;
  open_.chunk = nullptr;
}

duckdb_data_chunk RecordChunks::chunk(std::size_t i) {
  if (i == used_ && open_.chunk != nullptr) duckdb_data_chunk_set_size(open_.chunk, row_);
  return chunks_[i];
}

void RecordChunks::open_chunk() {
  if (used_ == chunks_.size()) {
    duckdb_data_chunk c = duckdb_create_data_chunk(types_.data(), types_.size());
    if (c == nullptr) throw Error(ErrorCode::kInternal, "DuckDB: cannot create a data chunk");
    chunks_.push_back(c);
  } else {
    duckdb_data_chunk_reset(chunks_[used_]);
  }
  Open& o = open_;
  o.chunk = chunks_[used_];
  for (std::size_t c = 0; c < kStoredColumnCount; ++c) {
    o.vec[c] = duckdb_data_chunk_get_vector(o.chunk, c);
    o.data[c] = duckdb_vector_get_data(o.vec[c]);
    duckdb_vector_ensure_validity_writable(o.vec[c]);
    o.validity[c] = duckdb_vector_get_validity(o.vec[c]);
  }
  duckdb_vector answer_struct = duckdb_list_vector_get_child(o.vec[kColAnswers]);
  for (idx_t f = 0; f < 3; ++f) {
    o.answer_fields[f] = duckdb_struct_vector_get_child(answer_struct, f);
    o.srcid_fields[f] = duckdb_struct_vector_get_child(o.vec[kColSrcids], f);
    duckdb_vector_ensure_validity_writable(o.srcid_fields[f]);
    o.srcid_validity[f] = duckdb_vector_get_validity(o.srcid_fields[f]);
  }
  o.answers = 0;
  duckdb_list_vector_set_size(o.vec[kColAnswers], 0);
  row_ = 0;
}

void RecordChunks::assign(duckdb_vector v, idx_t row, std::string_view s) { put_string(v, row, storable(s)); }

// Writes DuckDB's string_t by hand: up to 12 bytes inline, longer text as a pointer into this
// object's arena, which outlives the chunk's append (the appender copies what it keeps). DuckDB's own
// assign would copy each string into the vector's heap and check its UTF-8 again.
void RecordChunks::put_string(duckdb_vector v, idx_t row, std::string_view s) {
  auto& t = static_cast<duckdb_string_t*>(duckdb_vector_get_data(v))[row];
  const auto length = static_cast<std::uint32_t>(s.size());
  if (length <= sizeof t.value.inlined.inlined) {
    t = duckdb_string_t{};
    t.value.inlined.length = length;
    std::memcpy(t.value.inlined.inlined, s.data(), length);
    return;
  }
  t.value.pointer.length = length;
  std::memcpy(t.value.pointer.prefix, s.data(), sizeof t.value.pointer.prefix);
  t.value.pointer.ptr = arena_.copy(s);
}

char* RecordChunks::TextArena::copy(std::string_view s) {
  if (blocks_.empty() || blocks_[current_].size - used_ < s.size()) {
    // The next kept block, or a new one (of the string's size when it is bigger than a block).
    while (++current_ < blocks_.size() && blocks_[current_].size < s.size()) {
    }
    if (current_ >= blocks_.size()) {
      const std::size_t size = std::max(kBlockBytes, s.size());
      blocks_.push_back(Block{std::make_unique<char[]>(size), size});
      current_ = blocks_.size() - 1;
    }
    used_ = 0;
  }
  char* at = blocks_[current_].bytes.get() + used_;
  std::memcpy(at, s.data(), s.size());
  used_ += s.size();
  return at;
}

void RecordChunks::TextArena::reset() {
  current_ = 0;
  used_ = 0;
}

void RecordChunks::text_to(duckdb_vector v, std::uint64_t* validity, idx_t row, std::string_view s) {
  if (s.empty())
    duckdb_validity_set_row_invalid(validity, row);
  else
    assign(v, row, s);
}

void RecordChunks::text(StoredColumn c, std::string_view s) { text_to(open_.vec[c], open_.validity[c], row_, s); }

void RecordChunks::null(StoredColumn c) { duckdb_validity_set_row_invalid(open_.validity[c], row_); }

// The packed columns hold one JSON object per row; empty values are left out (NULL in the view).
// Text that DuckDB could not store is repaired first, so the object is valid JSON of valid UTF-8.
std::string_view RecordChunks::storable(std::string_view value) {
  if (storable_text(value)) return value;
  repair_text(value, scratch_);
  ++repaired_;
  return scratch_;
}

void RecordChunks::pack(std::string& obj, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  value = storable(value);
  obj += obj.empty() ? "{\"" : ",\"";
  obj += key;
  obj += "\":\"";
  append_json_escaped(obj, value);
  obj += '"';
}

void RecordChunks::pack_number(std::string& obj, std::string_view key, std::int64_t value) {
  obj += obj.empty() ? "{\"" : ",\"";
  obj += key;
  obj += "\":";
  char buf[24];
  obj.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
}

// A record's whole answers list, as the JSON lines have it (an empty field is null, as in the list).
void RecordChunks::pack_answers(std::string& obj, const QueryRecord& r) {
  obj += obj.empty() ? "{\"answers\":[" : ",\"answers\":[";
  for (std::uint32_t a = 0; a < r.answer_count; ++a) {
    const DnsAnswer& ans = r.answers[a];
    const std::pair<std::string_view, std::string_view> fields[3] = {
        {"Rdata", ans.rdata}, {"Type", ans.type}, {"Class", ans.klass}};
    obj += a ? ",{" : "{";
    for (int f = 0; f < 3; ++f) {
      obj += f ? ",\"" : "\"";
      obj += fields[f].first;
      obj += "\":";
      if (fields[f].second.empty()) {
        obj += "null";
        continue;
      }
      obj += '"';
      append_json_escaped(obj, storable(fields[f].second));
      obj += '"';
    }
    obj += '}';
  }
  obj += ']';
}

void RecordChunks::store_object(StoredColumn c, std::string& obj) {
  if (obj.empty()) {
    null(c);
    return;
  }
  obj += '}';
  put_string(open_.vec[c], row_, obj);
  obj.clear();
}

// An ENUM column: the member's index, or NULL with the text kept in the overflow object.
void RecordChunks::coded(StoredColumn c, std::string_view s) {
  const int code = stored_columns()[c].domain->code(s);
  if (code >= 0) {
    value(c, static_cast<std::uint8_t>(code));
    return;
  }
  null(c);
  pack(overflow_, stored_columns()[c].name, s);
}

namespace {

// Whether the logged timestamp is exactly what the route53query view writes from query_ts
// (strftime '%Y-%m-%dT%H:%M:%SZ').
bool canonical_timestamp(std::string_view logged, std::int64_t ms) {
  char buf[20];
  return logged.size() == sizeof buf && ms % 1000 == 0 && write_iso8601_seconds(ms, buf) &&
         logged == std::string_view(buf, sizeof buf);
}

}  // namespace

void RecordChunks::add(const QueryRecord& r, const EnrichedRecord& o, std::string_view route53_line) {
  if (open_.chunk == nullptr) open_chunk();
  if (row_ == capacity_) {
    duckdb_data_chunk_set_size(open_.chunk, row_);
    ++used_;
    open_chunk();
  }
  float version = 0;
  if (auto [p, ec] = std::from_chars(r.version.data(), r.version.data() + r.version.size(), version);
      ec == std::errc{} && p == r.version.data() + r.version.size()) {
    value(kColVersion, version);
  } else {
    null(kColVersion);
  }
  text(kColAccountId, r.account_id);
  coded(kColRegion, r.region);
  text(kColVpcId, r.vpc_id);
  if (canonical_timestamp(r.query_timestamp, r.timestamp_ms))
    null(kColQueryTimestamp);
  else
    text(kColQueryTimestamp, r.query_timestamp);
  text(kColQueryName, r.query_name);
  coded(kColQueryType, r.query_type);
  coded(kColQueryClass, r.query_class);
  coded(kColRcode, r.rcode);

  // answers: a list entry pointing at this record's rows of the child struct vector, Type and Class
  // as ENUM codes. A list with a Type or Class outside its ENUM goes whole into the overflow object.
  {
    std::vector<std::pair<int, int>>& codes = answer_codes_;
    if (codes.size() < r.answer_count) codes.resize(r.answer_count);
    bool fits = true;
    for (std::uint32_t a = 0; a < r.answer_count && fits; ++a) {
      const DnsAnswer& ans = r.answers[a];
      codes[a] = {ans.type.empty() ? -2 : rr_type_domain().code(ans.type),
                  ans.klass.empty() ? -2 : rr_class_domain().code(ans.klass)};
      fits = codes[a].first != -1 && codes[a].second != -1;
    }
    duckdb_vector list = open_.vec[kColAnswers];
    auto* entries = static_cast<duckdb_list_entry*>(open_.data[kColAnswers]);
    entries[row_].offset = open_.answers;
    entries[row_].length = 0;
    if (!fits) {
      null(kColAnswers);
      pack_answers(overflow_, r);
    } else if (r.answer_count > 0) {
      const idx_t need = open_.answers + r.answer_count;
      if (duckdb_list_vector_reserve(list, need) != DuckDBSuccess)
        throw Error(ErrorCode::kInternal, "DuckDB: list reserve failed");
      entries[row_].length = r.answer_count;
      std::array<std::uint8_t*, 2> code_data{};
      std::array<std::uint64_t*, 3> child_validity{};  // Rdata, Type, Class
      for (int f = 0; f < 3; ++f) {                    // the child buffers move when the list grows
        duckdb_vector v = open_.answer_fields[f];
        if (f > 0) code_data[f - 1] = static_cast<std::uint8_t*>(duckdb_vector_get_data(v));
        duckdb_vector_ensure_validity_writable(v);
        child_validity[f] = duckdb_vector_get_validity(v);
      }
      for (std::uint32_t a = 0; a < r.answer_count; ++a) {
        const idx_t at = open_.answers + a;
        text_to(open_.answer_fields[0], child_validity[0], at, r.answers[a].rdata);
        const int c[2] = {codes[a].first, codes[a].second};
        for (int f = 0; f < 2; ++f) {
          if (c[f] < 0)
            duckdb_validity_set_row_invalid(child_validity[f + 1], at);
          else
            code_data[f][at] = static_cast<std::uint8_t>(c[f]);
        }
      }
      open_.answers = need;
      duckdb_list_vector_set_size(list, need);
    }
  }
  text(kColSrcaddr, r.srcaddr);
  int port = 0;
  if (auto [p, ec] = std::from_chars(r.srcport.data(), r.srcport.data() + r.srcport.size(), port);
      ec == std::errc{} && p == r.srcport.data() + r.srcport.size()) {
    value(kColSrcport, static_cast<std::int32_t>(port));
  } else {
    null(kColSrcport);
  }
  coded(kColTransport, r.transport);
  text_to(open_.srcid_fields[0], open_.srcid_validity[0], row_, r.instance);
  text_to(open_.srcid_fields[1], open_.srcid_validity[1], row_, r.resolver_endpoint);
  text_to(open_.srcid_fields[2], open_.srcid_validity[2], row_, r.resolver_network_interface);
  text(kColFirewallRuleAction, r.firewall_rule_action);
  text(kColFirewallRuleGroupId, r.firewall_rule_group_id);
  text(kColFirewallDomainListId, r.firewall_domain_list_id);
  value(kColMatched, o.matched);
  text(kColQueryNameNormalized, o.normalized_name());
  text(kColRegisteredDomain, o.registered_domain);
  text(kColPublicSuffix, o.public_suffix);
  text(kColSubdomain, o.subdomain);

  if (o.threat.hit()) {  // keys: route53query's threat_<key> columns
    const ThreatMatch& t = o.threat;
    pack(packed_, "indicator", t.value);
    pack(packed_, "indicator_type", t.kind);
    pack(packed_, "feed", t.feed);
    if (t.confidence >= 0) pack_number(packed_, "confidence", t.confidence);
    pack(packed_, "confidence_level", t.confidence_level);
    pack(packed_, "actor", t.actor);
    pack(packed_, "category", t.category);
    pack(packed_, "source", t.source);
    pack(packed_, "matched_on", match_site_name(o.threat.site));
    pack(packed_, "matched_value", o.threat.matched_value);
    pack_number(packed_, "match_count", static_cast<std::int64_t>(o.threat.count));
    store_object(kColThreat, packed_);
  } else {
    null(kColThreat);
  }

  if (o.has_signals) {
    const NameFeatures& f = o.signals.features;
    value(kColNameEntropy, static_cast<double>(f.name_entropy));
    value(kColSubdomainEntropy, static_cast<double>(f.subdomain_entropy));
    value(kColNameLength, static_cast<std::int32_t>(f.name_length));
    value(kColSubdomainLength, static_cast<std::int32_t>(f.subdomain_length));
    value(kColLongestLabel, static_cast<std::int32_t>(f.longest_label));
    value(kColLabelCount, static_cast<std::int32_t>(f.label_count));
    value(kColDigitRatio, static_cast<double>(f.digit_ratio));
    value(kColConsonantRatio, static_cast<double>(f.consonant_ratio));
    value(kColDgaScore, static_cast<double>(o.signals.dga_score));
    value(kColBenignNoise, o.signals.benign_noise);
  } else {
    for (StoredColumn c : {kColNameEntropy, kColSubdomainEntropy, kColNameLength, kColSubdomainLength, kColLongestLabel,
                           kColLabelCount, kColDigitRatio, kColConsonantRatio, kColDgaScore, kColBenignNoise}) {
      null(c);
    }
  }

  if (o.firewall.simulated && o.firewall.decided()) {  // keys: route53query's firewall_sim_<key> columns
    const FirewallOutcome& f = o.firewall;
    pack(packed_, "action", f.action);
    pack(packed_, "rule", f.rule_name);
    pack(packed_, "rule_group_id", f.rule_group_id);
    pack(packed_, "domain_list_id", f.domain_list_id);
    pack(packed_, "block_response", f.block_response);
    pack(packed_, "matched_on", o.firewall.via_redirection ? "redirection" : "query_name");
    // The name of the chain that matched (a CNAME target when matched_on is redirection): not a
    // route53query column, read by the Security Lake export.
    pack(packed_, "matched_name", o.firewall.matched_name);
    store_object(kColFirewallSim, packed_);
  } else {
    null(kColFirewallSim);
  }
  if (o.firewall.simulated)
    value(kColFirewallSimDrift, o.firewall.drift != FirewallDrift::kNone);
  else
    null(kColFirewallSimDrift);
  value(kColTldValid, o.tld_valid);
  value(kColQueryTs, duckdb_timestamp{r.timestamp_ms * 1000});
  text(kColSource, r.source());
  // Fields AWS adds to the format later: route53query's unmapped column, as logged (a line that is not
  // valid UTF-8 keeps them in the JSON lines only).
  if (r.unknown_fields > 0) {
    unknown_.clear();
    if (append_unknown_fields(unknown_, route53_line) > 0) {
      overflow_ += overflow_.empty() ? "{\"unmapped\":{" : ",\"unmapped\":{";
      overflow_ += unknown_;
      overflow_ += '}';
    }
  }
  store_object(kColOverflow, overflow_);
  ++row_;
  ++rows_;
}

}  // namespace dnslens
