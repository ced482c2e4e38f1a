#include "enrich/geoip/asn_table.hpp"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <queue>

#include "core/error.hpp"
#include "io/read_file.hpp"

namespace dnslens {

namespace {

// One CSV field starting at `pos`: plain, or double-quoted with "" for a quote. Advances `pos` past
// the field and its comma. False when there is no field left or a quoted field is not closed.
bool next_field(std::string_view line, std::size_t& pos, std::string& scratch, std::string_view& field) {
  if (pos > line.size()) return false;  // the previous field was the last
  if (pos < line.size() && line[pos] == '"') {
    scratch.clear();
    std::size_t i = pos + 1;
    for (;;) {
      if (i >= line.size()) return false;
      if (line[i] == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          scratch += '"';
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      scratch += line[i++];
    }
    if (i < line.size() && line[i] != ',') return false;
    pos = i + 1;
    field = scratch;
    return true;
  }
  const std::size_t comma = line.find(',', pos);
  field = line.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
  pos = comma == std::string_view::npos ? line.size() + 1 : comma + 1;
  return true;
}

template <typename Key>
Key key_max() {
  if constexpr (std::is_same_v<Key, std::uint32_t>) {
    return std::numeric_limits<std::uint32_t>::max();
  } else {
    return Key{~std::uint64_t{0}, ~std::uint64_t{0}};
  }
}

template <typename Key>
Key key_next(Key k) {  // k + 1; callers never pass key_max()
  if constexpr (std::is_same_v<Key, std::uint32_t>) {
    return k + 1;
  } else {
    if (++k.lo == 0) ++k.hi;
    return k;
  }
}

template <typename Key>
Key key_prev(Key k) {  // k - 1; callers never pass 0
  if constexpr (std::is_same_v<Key, std::uint32_t>) {
    return k - 1;
  } else {
    if (k.lo-- == 0) --k.hi;
    return k;
  }
}

}  // namespace

AsnTable::U128 AsnTable::key128(const IpAddress& ip) {
  U128 k;
  for (int i = 0; i < 8; ++i) k.hi = (k.hi << 8) | ip.bytes[i];
  for (int i = 8; i < 16; ++i) k.lo = (k.lo << 8) | ip.bytes[i];
  return k;
}

std::uint32_t AsnTable::intern(std::string_view org) {
  if (auto it = org_lookup_.find(org); it != org_lookup_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(orgs_.size());
  orgs_.emplace_back(org);
  org_lookup_.emplace(orgs_.back(), id);  // views the stored copy: deque elements never move
  return id;
}

AsnTable::LoadStats AsnTable::load_csv(const std::string& path) {
  return load_csv_text(read_whole_file(path, "ASN table", ErrorCode::kConfig), path);
}

AsnTable::LoadStats AsnTable::load_csv_text(std::string_view text, const std::string& origin) {
  LoadStats stats;
  // One buffer per field: a quoted field's unescaped text lives in its own until the line is done.
  std::array<std::string, 4> scratch;
  std::size_t line_no = 0;
  auto bad = [&](std::string_view reason) {
    if (stats.bad_lines++ == 0) {
      stats.first_bad_line = line_no;
      stats.first_bad_reason = std::string(reason);
    }
  };
  for (std::size_t begin = 0; begin < text.size();) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    begin = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;

    std::size_t pos = 0;
    std::string_view start_text, end_text, asn_text, org;
    if (!next_field(line, pos, scratch[0], start_text) || !next_field(line, pos, scratch[1], end_text) ||
        !next_field(line, pos, scratch[2], asn_text)) {
      bad("fewer than 3 fields");
      continue;
    }
    if (pos <= line.size() && !next_field(line, pos, scratch[3], org)) {
      bad("unterminated quoted organization");
      continue;
    }
    const auto first = parse_ip(start_text);
    const auto last = parse_ip(end_text);
    if (!first || !last || first->v6 != last->v6) {
      bad("start or end is not an address of the same family");
      continue;
    }
    std::uint32_t asn = 0;
    if (asn_text.size() > 2 && (asn_text[0] == 'A' || asn_text[0] == 'a') &&
        (asn_text[1] == 'S' || asn_text[1] == 's')) {
      asn_text.remove_prefix(2);
    }
    auto [ptr, ec] = std::from_chars(asn_text.data(), asn_text.data() + asn_text.size(), asn);
    if (ec != std::errc() || ptr != asn_text.data() + asn_text.size()) {
      bad("AS number is not a number");
      continue;
    }
    if (asn == 0) continue;  // "not announced": no answer rather than AS0
    const std::uint32_t org_id = intern(org);
    if (!first->v6) {
      if (first->v4() > last->v4()) {
        bad("start after end");
        continue;
      }
      v4_.push_back({first->v4(), last->v4(), asn, org_id});
    } else {
      const U128 a = key128(*first), b = key128(*last);
      if (a > b) {
        bad("start after end");
        continue;
      }
      v6_.push_back({a, b, asn, org_id});
    }
    ++stats.ranges;
  }
  if (stats.ranges == 0) {
    throw Error(ErrorCode::kConfig,
                origin + ": no ASN range in it (expected lines start,end,asn,org" +
                    (stats.bad_lines ? "; line " + std::to_string(stats.first_bad_line) + ": " + stats.first_bad_reason
                                     : std::string()) +
                    ")");
  }
  return stats;
}

template <typename Key>
void AsnTable::finish_ranges(std::vector<Range<Key>>& ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const auto& a, const auto& b) { return a.start != b.start ? a.start < b.start : a.end > b.end; });
  bool overlapping = false;
  for (std::size_t i = 1; i < ranges.size() && !overlapping; ++i) overlapping = ranges[i].start <= ranges[i - 1].end;
  if (!overlapping) return;

  // Sweep over every boundary: inside each elementary interval, the covering range that starts last
  // (then the narrower one) wins. Dead ranges leave the heap lazily.
  std::vector<Key> points;
  points.reserve(ranges.size() * 2);
  for (const auto& r : ranges) {
    points.push_back(r.start);
    if (r.end != key_max<Key>()) points.push_back(key_next(r.end));
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  auto later = [](const Range<Key>* a, const Range<Key>* b) {
    return a->start != b->start ? a->start < b->start : a->end > b->end;
  };
  std::priority_queue<const Range<Key>*, std::vector<const Range<Key>*>, decltype(later)> live(later);
  std::vector<Range<Key>> out;
  std::size_t next = 0;
  for (std::size_t p = 0; p < points.size(); ++p) {
    const Key at = points[p];
    while (next < ranges.size() && ranges[next].start <= at) live.push(&ranges[next++]);
    while (!live.empty() && live.top()->end < at) live.pop();
    if (live.empty()) continue;
    const Range<Key>& win = *live.top();
    const Key until = p + 1 < points.size() ? key_prev(points[p + 1]) : key_max<Key>();
    if (!out.empty() && out.back().asn == win.asn && out.back().org == win.org && key_next(out.back().end) == at) {
      out.back().end = until;
    } else {
      out.push_back({at, until, win.asn, win.org});
    }
  }
  ranges = std::move(out);
}

void AsnTable::finish() {
  finish_ranges(v4_);
  finish_ranges(v6_);
  v4_starts_.clear();
  v4_starts_.reserve(v4_.size());
  for (const auto& r : v4_) v4_starts_.push_back(r.start);
  org_lookup_.clear();
}

std::optional<AsnInfo> AsnTable::find(const IpAddress& ip) const {
  auto search = [&](const auto& ranges, const auto& key) -> std::optional<AsnInfo> {
    auto it =
        std::upper_bound(ranges.begin(), ranges.end(), key, [](const auto& k, const auto& r) { return k < r.start; });
    if (it == ranges.begin()) return std::nullopt;
    --it;
    if (key > it->end) return std::nullopt;
    return AsnInfo{it->asn, orgs_[it->org]};
  };
  if (!ip.v6) {
    const std::uint32_t key = ip.v4();
    const auto at = std::upper_bound(v4_starts_.begin(), v4_starts_.end(), key);
    if (at == v4_starts_.begin()) return std::nullopt;
    const auto& r = v4_[static_cast<std::size_t>(at - v4_starts_.begin()) - 1];
    if (key > r.end) return std::nullopt;
    return AsnInfo{r.asn, orgs_[r.org]};
  }
  return search(v6_, key128(ip));
}

}  // namespace dnslens
