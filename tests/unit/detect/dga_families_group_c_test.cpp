// Group C of the DGA family catalogue: each generator reproduces its family's published example domains
// (J. Bader's domain_generation_algorithms collection) for their date or seed, and makes valid names.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "detect/dga/dga_family_catalog.hpp"

namespace dnslens {
namespace {

std::int64_t day_of(int year, unsigned month, unsigned day) {
  const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

const DgaFamilyInfo& family(std::string_view name) {
  for (const DgaFamilyInfo& f : dga_families_group_c()) {
    if (f.name == name) return f;
  }
  ADD_FAILURE() << "no family " << name;
  static const DgaFamilyInfo kNone{};
  return kNone;
}

std::vector<std::string> generate(std::string_view name, std::int64_t day, std::size_t count) {
  const DgaFamilyInfo& f = family(name);
  if (f.generate == nullptr) return {};
  return f.generate(day, count);
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0, labels = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label < 1 || label > 63) return false;
      label = 0;
      ++labels;
      continue;
    }
    const char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    ++label;
  }
  return labels >= 2;
}

TEST(DgaFamiliesGroupC, GoziGplReproducesTheReferenceScript) {
  // The published gozi examples are for the 'luther' word list (2016-03-28); these are the 'gpl' variant's
  // names from the reference dga.py (-w gpl) run with python3 on the reference's gpl word list.
  const auto names = generate("gozi", day_of(2016, 3, 28), 24);
  ASSERT_EQ(names.size(), 24u);
  EXPECT_EQ(names[0], "conveyhcodeeither.ru");
  EXPECT_EQ(names[1], "otherimpthemeansfromlic.ru");
  EXPECT_EQ(names[2], "teanyconveytelicensors.ru");
  EXPECT_EQ(names[11], "contnececlaimsfortentity.ru");
  // 12 names per 5-day period: the next ones are the next period's (2016-03-31 on).
  EXPECT_EQ(names[12], "theoccursareassets.ru");
  EXPECT_EQ(generate("gozi", day_of(2016, 3, 31), 1)[0], "theoccursareassets.ru");
  const auto later = generate("gozi", day_of(2024, 1, 1), 3);
  EXPECT_EQ(later, (std::vector<std::string>{"andsoftwaresatisfy.ru", "publicensegettheversion.ru",
                                             "wogiveinsthelicense.ru"}));
}

TEST(DgaFamiliesGroupC, BazarbackdoorReproducesPublishedDomains) {
  // Version 2, seed "122021" (December 2021): 19*19*6*6 names for the month.
  const auto names = generate("bazarbackdoor", day_of(2021, 12, 9), 12996);
  ASSERT_EQ(names.size(), 12996u);
  EXPECT_EQ(names[0], "extionom.bazar");
  EXPECT_EQ(names[1], "extioned.bazar");
  EXPECT_EQ(names[12994], "biyxsouh.bazar");
  EXPECT_EQ(names[12995], "biyxsoid.bazar");
  EXPECT_EQ(generate("bazarbackdoor", day_of(2021, 12, 31), 1)[0], "extionom.bazar");
}

TEST(DgaFamiliesGroupC, DmsniffReproducesPublishedDomains) {
  const auto names = generate("dmsniff", day_of(2020, 1, 1), 100);
  ASSERT_EQ(names.size(), 100u);
  EXPECT_EQ(names[0], "snbhdfln.com");
  EXPECT_EQ(names[1], "sncogkwn.com");
  EXPECT_EQ(names[49], "snmvspru.net");
  EXPECT_EQ(names[50], "albdfhln.com");
  EXPECT_EQ(names[51], "alcgkown.com");
  EXPECT_EQ(names[99], "almspvru.net");
}

TEST(DgaFamiliesGroupC, DnschangerReproducesPublishedDomains) {
  // The published examples are for seed 87373.
  const auto names = generate("dnschanger", day_of(2020, 1, 1), 5);
  EXPECT_EQ(names, (std::vector<std::string>{"aktklyvbiu.com", "zgimjzlnrl.com", "tcfejerekw.com", "tfaunnjmxt.com",
                                             "ydvlfpkguw.com"}));
}

TEST(DgaFamiliesGroupC, MydoomReproducesPublishedDomains) {
  // Published for 2019-04-18 (any date with the same year+month+day gives them), magic 0xFA8.
  const auto names = generate("mydoom", day_of(2019, 4, 18), 99);
  ASSERT_EQ(names.size(), 99u);
  EXPECT_EQ(names[0], "qehspqnmrn.info");
  EXPECT_EQ(names[1], "mmahaesqar.in");
  EXPECT_EQ(names[2], "pwprhhnqqn.in");
  EXPECT_EQ(names[98], "empewsqsqa.ws");
}

TEST(DgaFamiliesGroupC, NgiowebReproducesPublishedDomains) {
  // Seed 0x56EDC15, 1024 names.
  const auto names = generate("ngioweb", day_of(2023, 11, 1), 1024);
  ASSERT_EQ(names.size(), 1024u);
  EXPECT_EQ(names[0], "minihileth-subatudofy.org");
  EXPECT_EQ(names[1], "revodihudom.info");
  EXPECT_EQ(names[2], "enisobure-antidimadom-minikevuship.org");
  EXPECT_EQ(names[3], "semiridinution-postepudency.com");
  EXPECT_EQ(names[1023], "ultraxupoship.org");
}

TEST(DgaFamiliesGroupC, NymaimReproducesPublishedDomains) {
  // The published list is what the seed of 2018-02-24 gives (the first such date from 2005 on).
  const auto names = generate("nymaim", day_of(2018, 2, 24), 128);
  ASSERT_EQ(names.size(), 128u);
  EXPECT_EQ(names[0], "oftbpec.com");
  EXPECT_EQ(names[1], "lotmpwyk.info");
  EXPECT_EQ(names[2], "seikpwq.info");
  EXPECT_EQ(names[127], "sbxuvrkjt.org");
}

TEST(DgaFamiliesGroupC, PitouReproducesPublishedDomains) {
  // 2019-04-10, magic 0xDAFE02C. 8-letter names are exact; a 9-letter name's last letter is undefined in the
  // malware (the published list gives all candidates), and the one generated is among them.
  const auto names = generate("pitou", day_of(2019, 4, 10), 20);
  ASSERT_EQ(names.size(), 20u);
  EXPECT_EQ(names[3], "vaeqcaxa.us");
  EXPECT_EQ(names[7], "irifyaib.org");
  EXPECT_EQ(names[8], "unagabja.info");
  EXPECT_EQ(names[0], "koohoavas.net");
  EXPECT_EQ(names[19], "huudeanas.net");
}

TEST(DgaFamiliesGroupC, QsnatchReproducesPublishedDomains) {
  // Second version, 2019-11-11 (15-day period 1214 since the epoch).
  const auto names = generate("qsnatch", day_of(2019, 11, 11), 150);
  ASSERT_EQ(names.size(), 150u);
  EXPECT_EQ(names[0], "t2q2rs.cf");
  EXPECT_EQ(names[1], "t2q2rsa.cf");
  EXPECT_EQ(names[2], "t2q2rsaz.cf");
  EXPECT_EQ(names[149], "uqfzpriheb.cd");
}

TEST(DgaFamiliesGroupC, SharkbotReproducesPublishedDomains) {
  // Version 2.8, ISO week 22 of 2022 (2022-05-30 .. 2022-06-05).
  const std::vector<std::string> expected = {"817c0cee3bf6d5d4.xyz", "4ffa2b4f790e934b.live", "1e7e95ac9287a3ec.com",
                                             "db395e7890d7f878.store"};
  for (std::int64_t day : {day_of(2022, 5, 30), day_of(2022, 6, 5)}) {
    const auto names = generate("sharkbot", day, 4);
    EXPECT_EQ(names, expected);
  }
}

TEST(DgaFamiliesGroupC, TempedreveReproducesPublishedDomains) {
  // 2020-01-01: the day's name, then each earlier day's back to 2015-03-23 (1746 names).
  const auto names = generate("tempedreve", day_of(2020, 1, 1), 1746);
  ASSERT_EQ(names.size(), 1746u);
  EXPECT_EQ(names[0], "dlbebsga.net");
  EXPECT_EQ(names[1], "enqbgrmt.com");
  EXPECT_EQ(names[2], "xjlwpfnk.info");
  EXPECT_EQ(names[1745], "kryrczixg.com");
  EXPECT_EQ(generate("tempedreve", day_of(2019, 12, 31), 1)[0], "enqbgrmt.com");
}

TEST(DgaFamiliesGroupC, TufikReproducesPublishedDomains) {
  // 2022-05-09, key 0x997722ED.
  const auto names = generate("tufik", day_of(2022, 5, 9), 1020);
  ASSERT_EQ(names.size(), 1020u);
  EXPECT_EQ(names[0], "iztwlupysutnqqn.biz");
  EXPECT_EQ(names[1], "iztwlupysutnqqn.com");
  EXPECT_EQ(names[2], "lxtzzrlnlgohmsh.net");
  EXPECT_EQ(names[3], "lxtzzrlnlgohmsh.org");
  EXPECT_EQ(names[1019], "purfwlpgtxvyruqs.com");
}

TEST(DgaFamiliesGroupC, MonerodownloaderReproducesPublishedDomains) {
  // 2020-01-12.
  const auto names = generate("monerodownloader", day_of(2020, 1, 12), 2500);
  ASSERT_EQ(names.size(), 2500u);
  EXPECT_EQ(names[0], "31b4bd31fg1x2.org");
  EXPECT_EQ(names[5], "3f8c8079fd4c5.org");
  EXPECT_EQ(names[7], "3f8c8079fd4c5.blackfriday");
  EXPECT_EQ(names[2499], "e3a8e41249185.feedback");
}

TEST(DgaFamiliesGroupC, ZloaderReproducesPublishedDomains) {
  // RC4 key q23Cud3xsNf3, 2020-01-01 and 2020-01-02 (32 names a day).
  const auto names = generate("zloader", day_of(2020, 1, 1), 33);
  ASSERT_EQ(names.size(), 33u);
  EXPECT_EQ(names[0], "bmesbujnevpielirkwer.com");
  EXPECT_EQ(names[1], "crwsascultbtdvmibaiy.com");
  EXPECT_EQ(names[31], "xitumfvqmwivxagatcsv.com");
  EXPECT_EQ(names[32], "bftxqinojwwvunpkjofs.com");
}

TEST(DgaFamiliesGroupC, EveryFamilyMakesCountValidNames) {
  ASSERT_FALSE(dga_families_group_c().empty());
  std::set<std::string_view> seen;
  for (const DgaFamilyInfo& f : dga_families_group_c()) {
    SCOPED_TRACE(std::string(f.name));
    EXPECT_TRUE(seen.insert(f.name).second) << "duplicate family name";
    EXPECT_FALSE(f.description.empty());
    ASSERT_NE(f.generate, nullptr);
    for (std::int64_t day : {day_of(2015, 6, 1), day_of(2020, 2, 29), day_of(2024, 12, 31), day_of(2030, 7, 15)}) {
      for (std::size_t count : {std::size_t{1}, std::size_t{37}, std::size_t{300}}) {
        const auto names = f.generate(day, count);
        ASSERT_EQ(names.size(), count);
        for (const std::string& name : names) EXPECT_TRUE(valid_name(name)) << name;
      }
    }
  }
}

}  // namespace
}  // namespace dnslens
