// Group B of the DGA family catalogue: each generator against published example names of its family
// (J. Bader's domain_generation_algorithms write-ups), for the date or seed they were published for.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detect/dga/dga_family_catalog.hpp"

namespace dnslens {
namespace {

std::int64_t day_number(int year, unsigned month, unsigned day) {
  using namespace std::chrono;
  return sys_days{year_month_day{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}}}
      .time_since_epoch()
      .count();
}

const DgaFamilyInfo* find_family(std::string_view name) {
  for (const DgaFamilyInfo& f : dga_families_group_b()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// Generates `count` names of family `name` for the date and returns them (empty if the family is missing).
std::vector<std::string> names(std::string_view name, std::int64_t day, std::size_t count) {
  const DgaFamilyInfo* family = find_family(name);
  if (family == nullptr) {
    ADD_FAILURE() << "family " << name << " is missing";
    return {};
  }
  return family->generate(day, count);
}

TEST(DgaFamiliesGroupB, DayNumberHelper) {
  EXPECT_EQ(day_number(1970, 1, 1), 0);
  EXPECT_EQ(day_number(2019, 12, 6), 18236);
}

TEST(DgaFamiliesGroupB, Pushdo) {
  // kz_v1, 2019-12-06: the day's own 30 names come first; the published list then goes on with the day before.
  const auto got = names("pushdo", day_number(2019, 12, 6), 30);
  ASSERT_EQ(got.size(), 30u);
  EXPECT_EQ(got[0], "weafokuggeir.kz");
  EXPECT_EQ(got[1], "sictemuborug.kz");
  EXPECT_EQ(got[2], "cirpicficj.kz");
  EXPECT_EQ(names("pushdo", day_number(2019, 12, 5), 1).at(0), "veasozwixoq.kz");
  // Further names come from the following counter values. Pushdo's day counter jumps by two from November 30
  // to December 1, so 2019-11-30 is published offset -7 and its second batch is published offset -6.
  const auto nov30 = names("pushdo", day_number(2019, 11, 30), 60);
  ASSERT_EQ(nov30.size(), 60u);
  EXPECT_EQ(nov30[0], "nirkafgovu.kz");
  EXPECT_EQ(nov30[30], "xirberirkilo.kz");
}

TEST(DgaFamiliesGroupB, PykspaPrecursor) {
  // Seed 8339 = the two-day period starting 2015-08-31.
  const auto got = names("pykspa", day_number(2015, 8, 31), 100);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[0], "llfwhgn.com");
  EXPECT_EQ(got[1], "guqqkaiq.biz");
  EXPECT_EQ(got[2], "wctymo.net");
  EXPECT_EQ(got[99], "vmribifox.org");
  EXPECT_EQ(names("pykspa", day_number(2015, 9, 1), 1).at(0), "llfwhgn.com");  // same period
}

TEST(DgaFamiliesGroupB, Qadars) {
  // Seed 0x89F5, the week starting Monday 2016-03-28.
  const auto got = names("qadars", day_number(2016, 3, 30), 100);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[0], "jk9enwhansl2.org");
  EXPECT_EQ(got[1], "sdqfodmf81m7.net");
  EXPECT_EQ(got[2], "5uro1uzspejk.net");
  EXPECT_EQ(got[99], "qzgpy3cdi3kp.net");
  EXPECT_EQ(names("qadars", day_number(2016, 3, 28), 1).at(0), "jk9enwhansl2.org");
}

TEST(DgaFamiliesGroupB, Qakbot) {
  // 2016-02-24 (the third "decade" of February 2016), seed 0, no sandbox.
  const auto got = names("qakbot", day_number(2016, 2, 24), 100);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[0], "bqkrtxgkmriwsiwcngtivpx.info");
  EXPECT_EQ(got[1], "jdtmfupdyueqeldvhsjzdvzob.net");
  EXPECT_EQ(got[2], "guhmpoxzivhba.com");
  EXPECT_EQ(got[99], "qvpcqnnvdatozluy.biz");
}

TEST(DgaFamiliesGroupB, RanbyusSeptember) {
  // Seed 0x0F0D5BFA, 2015-09-25.
  const auto got = names("ranbyus", day_number(2015, 9, 25), 40);
  ASSERT_EQ(got.size(), 40u);
  EXPECT_EQ(got[0], "jxbdxeyxttdmcjagi.me");
  EXPECT_EQ(got[1], "iqmadgybfhnrssadm.cc");
  EXPECT_EQ(got[2], "gdoldaognceaedkke.su");
  EXPECT_EQ(got[30], "bwuercxgoofjtuetg.pw");
}

TEST(DgaFamiliesGroupB, Reconyc) {
  // Seed 434921 (the tick count behind the published names); not date based. Published in mixed case.
  const auto got = names("reconyc", day_number(2020, 1, 1), 100);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[0], "e5zhail0mw.com");
  EXPECT_EQ(got[1], "gabbvk2o6s.com");
  EXPECT_EQ(got[2], "cumpp2a4d7.com");
  EXPECT_EQ(got[99], "2ep8mh320n.com");
}

TEST(DgaFamiliesGroupB, Shiotob) {
  // Chain from the seed name wtipubctwiekhir.net; not date based.
  const auto got = names("shiotob", day_number(2020, 1, 1), 100);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[0], "wtipubctwiekhir.net");
  EXPECT_EQ(got[1], "rwmu35avqo12tqc.com");
  EXPECT_EQ(got[2], "rskb5bsfhm2fk5h.net");
  EXPECT_EQ(got[99], "gnjk5oickckn4eq.com");
}

TEST(DgaFamiliesGroupB, Simda) {
  // Key 1676d5775e05c50b46baa5579d4fc7, base 0x45AE94B2; not date based.
  const auto got = names("simda", day_number(2020, 1, 1), 100);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[0], "gatyfus.com");
  EXPECT_EQ(got[1], "lyvyxor.com");
  EXPECT_EQ(got[2], "vojyqem.com");
  EXPECT_EQ(got[99], "pupycag.com");
}

TEST(DgaFamiliesGroupB, Sisron) {
  // 2016-06-02: base64("02062016"), then the days before, under .com first.
  const auto got = names("sisron", day_number(2016, 6, 2), 40);
  ASSERT_EQ(got.size(), 40u);
  EXPECT_EQ(got[0], "mdiwnjiwmtya.com");
  EXPECT_EQ(got[1], "mdewnjiwmtya.com");
  EXPECT_EQ(got[2], "mzewntiwmtya.com");
  EXPECT_EQ(got[30], "mdiwnjiwmtya.info");
}

TEST(DgaFamiliesGroupB, Symmi) {
  // 2015-08-20: the second half of August 2015.
  const auto got = names("symmi", day_number(2015, 8, 20), 64);
  ASSERT_EQ(got.size(), 64u);
  EXPECT_EQ(got[0], "ogovugtuipawi.ddns.net");
  EXPECT_EQ(got[1], "afowkaupbabe.ddns.net");
  EXPECT_EQ(got[2], "ipkureleakm.ddns.net");
  EXPECT_EQ(got[30], "umugduapnaevu.ddns.net");
}

TEST(DgaFamiliesGroupB, Tinba) {
  // The jc74FlUna852Ji9o variant starting at blackfreeqazyio.cc; not date based.
  const auto got = names("tinba", day_number(2020, 1, 1), 100);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[0], "blackfreeqazyio.cc");
  EXPECT_EQ(got[1], "nvfowikhevmy.com");
  EXPECT_EQ(got[2], "nvfowikhevmy.net");
  EXPECT_EQ(got[30], "pneidxmfmcpe.net");
  EXPECT_EQ(got[99], "tuupiyyjnuyh.in");
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.back() == '.') return false;
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t dot = std::min(name.find('.', start), name.size());
    const std::size_t len = dot - start;
    if (len < 1 || len > 63) return false;
    for (std::size_t i = start; i < dot; ++i) {
      const char c = name[i];
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    ++labels;
    start = dot + 1;
  }
  return labels >= 2;
}

TEST(DgaFamiliesGroupB, EveryFamilyMakesCountValidLowerCaseNames) {
  ASSERT_EQ(dga_families_group_b().size(), 11u);
  for (const DgaFamilyInfo& family : dga_families_group_b()) {
    EXPECT_FALSE(family.name.empty());
    EXPECT_FALSE(family.description.empty());
    for (std::int64_t day : {day_number(2015, 1, 1), day_number(2016, 2, 29), day_number(2024, 12, 31)}) {
      for (std::size_t count : {std::size_t{1}, std::size_t{37}, std::size_t{6000}}) {
        const auto got = family.generate(day, count);
        ASSERT_EQ(got.size(), count) << family.name;
        for (const auto& name : got) EXPECT_TRUE(valid_name(name)) << family.name << ": " << name;
      }
    }
    EXPECT_EQ(family.generate(day_number(2024, 5, 5), 50), family.generate(day_number(2024, 5, 5), 50)) << family.name;
  }
}

}  // namespace
}  // namespace dnslens
