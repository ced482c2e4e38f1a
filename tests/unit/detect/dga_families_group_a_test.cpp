// Group A DGA families reproduce their published example domains (J. Bader's domain_generation_algorithms
// reference, for the date each list was made for), and make well-formed names for any day.
#include "detect/dga/dga_family_catalog.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace dnslens {
namespace {

std::int64_t day_of(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}}
      .time_since_epoch()
      .count();
}

const DgaFamilyInfo* family(std::string_view name) {
  for (const DgaFamilyInfo& f : dga_families_group_a())
    if (f.name == name) return &f;
  return nullptr;
}

// Generates count names of the family for the date and checks the expected name at each listed position.
void expect_names(std::string_view name, std::int64_t day, std::size_t count,
                  const std::vector<std::pair<std::size_t, std::string>>& expected) {
  const DgaFamilyInfo* f = family(name);
  ASSERT_NE(f, nullptr) << name;
  const std::vector<std::string> got = f->generate(day, count);
  ASSERT_EQ(got.size(), count) << name;
  for (const auto& [i, want] : expected) EXPECT_EQ(got.at(i), want) << name << " #" << i;
}

TEST(DgaFamiliesGroupA, Chinad) {
  expect_names("chinad", day_of(2017, 1, 13), 256,
               {{0, "8f6bacmw30xxv6sc.cn"},
                {1, "486txu3yjly0xcmz.ru"},
                {2, "xmi6x8zg9rkanmyo.info"},
                {255, "exs2oquga1nu68sf.org"}});
}

TEST(DgaFamiliesGroupA, Corebot) {
  expect_names("corebot", day_of(2015, 9, 8), 40,
               {{0, "lkhylm0mhyfuhg.ddns.net"},
                {1, "s63234wluv5v365bwp5.ddns.net"},
                {2, "afe6mfy23xcxgfa.ddns.net"},
                {39, "snup5t5tyv1x7pyfoba.ddns.net"}});
}

TEST(DgaFamiliesGroupA, Dircrypt) {
  // Time independent: any day gives the same list.
  for (const std::int64_t day : {day_of(2015, 3, 1), day_of(2024, 7, 4)}) {
    expect_names("dircrypt", day, 30,
                 {{0, "rauggyguyp.com"}, {1, "llullzza.com"}, {2, "mluztamhnngwgh.com"}, {29, "ggspyfmreouxnhqi.com"}});
  }
}

TEST(DgaFamiliesGroupA, Fobber) {
  expect_names("fobber", day_of(2015, 9, 11), 300,
               {{0, "vhkintjtksyxgjrzz.net"},
                {1, "btpnxlsfdqbhzazyx.net"},
                {2, "ukfmknjdenthvktgc.net"},
                {299, "bawnzaqqtlflnzoze.net"}});
}

TEST(DgaFamiliesGroupA, Locky) {
  expect_names("locky", day_of(2016, 2, 28), 8,
               {{0, "gegjiimqmlgtdmk.tf"}, {1, "pccibcjncnhjn.yt"}, {2, "rddipikmrap.us"}, {7, "cscffbwbhs.uk"}});
  // Eight names a day: the ninth is the next day's first, which for 2016-02-29 (same day / 2) is the same.
  expect_names("locky", day_of(2016, 2, 28), 9, {{8, "gegjiimqmlgtdmk.tf"}});
}

TEST(DgaFamiliesGroupA, MurofetV1) {
  // The day enters rounded down to a multiple of 7, so 2015-09-01 .. 2015-09-06 share one list.
  for (const std::int64_t day : {day_of(2015, 9, 1), day_of(2015, 9, 3)}) {
    expect_names("murofet-v1", day, 1000,
                 {{0, "giywswshrgxcvoqgvrkthmfa.ru"},
                  {1, "xaiqpbprgymbvrwmzgiyprgdsk.com"},
                  {2, "amgqgularpzxeapztxenbx.net"},
                  {999, "ibdnzugkzrkrsxkhqmzydtwlfydbaqc.org"}});
  }
}

TEST(DgaFamiliesGroupA, MurofetV2) {
  expect_names(
      "murofet-v2", day_of(2015, 9, 3), 1020,
      {{0, "cmqvvxtppnibli.biz"}, {1, "cmqvvxtppnibli.com"}, {2, "rloqpoiongsuwyq.net"}, {1019, "epppjwqsumjmpn.com"}});
}

TEST(DgaFamiliesGroupA, Newgoz) {
  expect_names("newgoz", day_of(2015, 8, 31), 1000,
               {{0, "xzz3ug32bale1uo60y7xj6rge.com"},
                {1, "1hyzmw3l2phycet88hzr2do34.net"},
                {2, "2ppq821cfem5m1mdua46pxg7bj.biz"},
                {999, "z9jb1g1y2m21zypyylgxmbozu.org"}});
}

TEST(DgaFamiliesGroupA, Padcrypt) {
  expect_names("padcrypt", day_of(2016, 3, 6), 24,
               {{0, "elkfcfnacacmofdf.com"},
                {1, "mkmeeefncfnfdmbm.de"},
                {2, "ffcdcnbmmnaeddcd.com"},
                {23, "feakbbnbadcodfoo.com"}});
}

TEST(DgaFamiliesGroupA, Proslikefan) {
  expect_names("proslikefan", day_of(2016, 6, 17), 100,
               {{0, "flarvcpk.eu"}, {1, "stjneohiod.biz"}, {2, "vcevvkc.se"}, {99, "opdzzfh.name"}});
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  if (name.find('.') == std::string::npos) return false;
  std::size_t label = 0;
  for (const char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

TEST(DgaFamiliesGroupA, EveryFamilyMakesCountValidNamesForAnyDay) {
  const auto families = dga_families_group_a();
  ASSERT_EQ(families.size(), 10u);
  std::set<std::string_view> names;
  for (const DgaFamilyInfo& f : families) {
    EXPECT_TRUE(names.insert(f.name).second) << "duplicate family " << f.name;
    EXPECT_FALSE(f.description.empty()) << f.name;
    EXPECT_EQ(f.kind, DgaKind::kCharacter) << f.name;
    ASSERT_NE(f.generate, nullptr) << f.name;
    for (const std::int64_t day : {std::int64_t{0}, day_of(2016, 2, 29), day_of(2020, 12, 31), day_of(2026, 3, 1)}) {
      for (const std::size_t count : {std::size_t{1}, std::size_t{37}, std::size_t{600}}) {
        const std::vector<std::string> got = f.generate(day, count);
        ASSERT_EQ(got.size(), count) << f.name << " day " << day;
        const std::set<std::string> distinct(got.begin(), got.end());
        // Families with few names per day (locky: 8 every second day) repeat across days.
        EXPECT_GE(distinct.size() * 4, count) << f.name << " day " << day << " count " << count;
        for (const std::string& n : got) EXPECT_TRUE(valid_name(n)) << f.name << ": '" << n << "'";
      }
      // Deterministic, and a shorter run is a prefix of a longer one.
      const std::vector<std::string> a = f.generate(day, 50);
      const std::vector<std::string> b = f.generate(day, 10);
      EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin())) << f.name;
    }
  }
}

}  // namespace
}  // namespace dnslens
