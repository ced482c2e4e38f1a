// The domain history behind newly observed domains: what a save writes and a load reads back, the
// limits that forget domains, the lock that keeps two processes off one file, and malformed files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "core/stable_hash.hpp"
#include "detect/reputation/domain_history.hpp"

namespace dnslens {
namespace {

namespace fs = std::filesystem;

class DomainHistoryTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dnslens-history-" + std::to_string(::getpid()) + "-" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string read(const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static void write(const std::string& p, const std::string& text) { std::ofstream(p) << text; }
  static std::int64_t see(DomainHistory& h, const std::string& domain, std::int64_t ts) {
    return h.observe(stable_hash(domain), domain, ts);
  }
  static std::string error_of(const std::string& p) {
    try {
      DomainHistory h(p, {});
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
};

TEST_F(DomainHistoryTest, ASaveIsReadBackWithFirstAndLastSeen) {
  const std::string p = path("h.tsv");
  {
    DomainHistory h(p, {});
    EXPECT_EQ(h.since(), DomainHistory::kNever);
    EXPECT_EQ(see(h, "b.example", 2000), 2000);
    EXPECT_EQ(see(h, "a.example", 3000), 3000);
    EXPECT_EQ(see(h, "b.example", 2500), 2000);
    EXPECT_EQ(see(h, "b.example", 1500), 1500);  // an older record arriving late moves first seen back
    EXPECT_EQ(h.since(), 1500);
    EXPECT_EQ(see(h, "tab\there.example", 100), DomainHistory::kNever);  // no line could hold it
    EXPECT_EQ(see(h, "", 100), DomainHistory::kNever);
    EXPECT_EQ(see(h, "#c.example", 100), DomainHistory::kNever);  // would read back as a comment
    EXPECT_EQ(h.since(), 1500);
    h.save();
  }
  EXPECT_EQ(read(p),
            "# dnslens domain history 1\n# since 1500\n# newest 3000\nb.example\t1500\t2500\na.example\t3000\t3000\n");
  EXPECT_FALSE(fs::exists(p + ".tmp"));
  DomainHistory again(p, {});
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(again.since(), 1500);
  EXPECT_EQ(again.first_seen("a.example"), 3000);
  EXPECT_EQ(again.first_seen("c.example"), DomainHistory::kNever);
  EXPECT_EQ(see(again, "a.example", 9000), 3000);
}

// Learning counts from where the current stretch of records began: a gap starts it again, and a record
// far older than the stretch or dated past the wall clock does not move it.
TEST_F(DomainHistoryTest, WatchingStartsAgainAfterAGapAndIgnoresStrayTimes) {
  DomainHistory h(path("h.tsv"), {.max_domains = 1000, .keep_seconds = 100000, .gap_seconds = 100});
  see(h, "a.example", 1000);
  see(h, "b.example", 1050);
  EXPECT_EQ(h.since(), 1000);
  see(h, "c.example", 1300);  // 250 s after the newest: a new stretch
  EXPECT_EQ(h.since(), 1300);
  EXPECT_EQ(h.newest(), 1300);
  see(h, "d.example", 900);  // older than the stretch by more than the gap: kept, since not moved
  EXPECT_EQ(h.since(), 1300);
  EXPECT_EQ(h.first_seen("d.example"), 900);
  see(h, "e.example", 1250);  // just before it: extends it
  EXPECT_EQ(h.since(), 1250);
  const std::int64_t future = static_cast<std::int64_t>(std::time(nullptr)) + 3 * 86400;
  EXPECT_EQ(see(h, "f.example", future), DomainHistory::kNever);
  EXPECT_EQ(see(h, "a.example", future), DomainHistory::kNever);
  EXPECT_EQ(h.newest(), 1300);
  EXPECT_EQ(h.size(), 5u);
}

// A prune keeps the most recently resolved, ties broken down to the cap, and what it keeps reads back
// with its own name and times (the names move into a new arena).
TEST_F(DomainHistoryTest, WhatAPruneKeepsReadsBackWithItsOwnNamesAndTimes) {
  const std::string p = path("h.tsv");
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> seen;
  {
    DomainHistory h(p, {.max_domains = 16, .keep_seconds = 100000});
    for (int i = 0; i < 40; ++i) {
      const std::string d = "domain-" + std::to_string(i) + ".example";
      const std::int64_t first = 1000 + i, last = 2000 + 10 * (i / 8);  // five groups of eight tied last times
      see(h, d, first);
      see(h, d, last);
      seen[d] = {first, last};
    }
    h.save();
    EXPECT_EQ(h.size(), 16u);
    EXPECT_EQ(h.forgotten(), 24u);
  }
  DomainHistory again(p, {.max_domains = 16, .keep_seconds = 100000});
  ASSERT_EQ(again.size(), 16u);
  std::size_t newest_group = 0;
  for (const auto& [d, times] : seen) {
    const std::int64_t first = again.first_seen(d);
    if (first == DomainHistory::kNever) continue;
    EXPECT_EQ(first, times.first) << d;
    EXPECT_GE(times.second, 2030) << d;  // only the two newest groups (16 domains) can be kept
    newest_group += times.second == 2040;
  }
  EXPECT_EQ(newest_group, 8u);
  const std::string text = read(p);
  for (const auto& line : {"domain-39.example\t1039\t2040\n", "domain-32.example\t1032\t2040\n"})
    EXPECT_NE(text.find(line), std::string::npos) << text;
}

TEST_F(DomainHistoryTest, ALockedHistoryIsRefusedUntilItsHolderIsGone) {
  const std::string p = path("h.tsv");
  {
    DomainHistory first(p, {});
    const std::string err = error_of(p);
    EXPECT_NE(err.find("is in use by another dnslens process"), std::string::npos) << err;
  }
  EXPECT_EQ(error_of(p), "no error");
}

TEST_F(DomainHistoryTest, DomainsNotResolvedForTheKeepTimeOrPastTheCapAreForgotten) {
  const std::string p = path("h.tsv");
  DomainHistory h(p, {.max_domains = 3, .keep_seconds = 1000});
  see(h, "old.example", 100);  // last resolved 1000+ s before the newest record: expired
  for (int i = 0; i < 4; ++i) see(h, "d" + std::to_string(i) + ".example", 1200 + i);
  see(h, "d0.example", 1500);  // resolved again: the most recent
  h.save();
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.forgotten(), 2u);
  EXPECT_EQ(h.first_seen("old.example"), DomainHistory::kNever);
  EXPECT_EQ(h.first_seen("d1.example"), DomainHistory::kNever);  // the least recently resolved
  EXPECT_EQ(h.first_seen("d0.example"), 1200);
  EXPECT_EQ(h.first_seen("d3.example"), 1203);
  EXPECT_EQ(h.since(), 100);  // the learning started where it started
}

TEST_F(DomainHistoryTest, AMalformedFileIsAnErrorNamingItsLine) {
  const std::string p = path("h.tsv");
  auto err = [&](const std::string& text) {
    write(p, text);
    return error_of(p);
  };
  EXPECT_NE(err("example.com\t1\t2\n").find("h.tsv:1: not a dnslens domain history"), std::string::npos);
  EXPECT_NE(err("").find("h.tsv:1: not a dnslens domain history"), std::string::npos);
  const std::string head = "# dnslens domain history 1\n# since 10\n";
  EXPECT_NE(err(head + "a.com\t10\n").find("h.tsv:3: expected three tab-separated columns"), std::string::npos);
  EXPECT_NE(err(head + "a.com\t10\t20\t30\n").find("h.tsv:3: expected three"), std::string::npos);
  EXPECT_NE(err(head + "a.com\t10\tsoon\n").find("h.tsv:3: first and last seen must be epoch seconds"),
            std::string::npos);
  EXPECT_NE(err(head + "a.com\t-1\t20\n").find("h.tsv:3: first and last seen"), std::string::npos);
  EXPECT_NE(err(head + "a.com\t30\t20\n").find("h.tsv:3: last seen is before first seen"), std::string::npos);
  EXPECT_NE(err(head + "a b.com\t10\t20\n").find("h.tsv:3: 'a b.com' is not a registered domain"), std::string::npos);
  EXPECT_NE(err(head + "a.com\t10\t20\nb.com\t10\t20\na.com\t11\t21\n").find("h.tsv:5: a.com is listed twice"),
            std::string::npos);
  EXPECT_NE(err("# dnslens domain history 1\n# since yesterday\n").find("h.tsv:2: '# since' needs epoch seconds"),
            std::string::npos);
  EXPECT_NE(err("# dnslens domain history 1\na.com\t10\t20\n").find("h.tsv:2: a history with domains needs its"),
            std::string::npos);
  EXPECT_EQ(err(head + "\n# a note\r\na.com\t10\t20\r\n"), "no error");  // blank lines, comments, CRLF
}

// A history reached through a symbolic link is replaced where the link points, with the file's own mode,
// and locked there: the link and the file are one history.
TEST_F(DomainHistoryTest, ALinkedHistoryIsSavedAndLockedAtItsTarget) {
  const std::string target = path("real.tsv"), link = path("link.tsv");
  {
    DomainHistory h(target, {});
    see(h, "a.com", 10);
    h.save();
  }
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink(target, link);
  {
    DomainHistory h(link, {});
    EXPECT_NE(error_of(target).find("is in use by another dnslens process"), std::string::npos);
    see(h, "b.com", 20);
    h.save();
  }
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_NE(read(target).find("b.com\t20\t20\n"), std::string::npos) << read(target);
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  // A link made before the history exists (relative, into another directory) leads its first save there.
  fs::create_directories(dir_ / "persistent");
  fs::create_symlink("persistent/new.tsv", dir_ / "ahead.tsv");
  {
    DomainHistory h(path("ahead.tsv"), {});
    see(h, "c.com", 30);
    h.save();
  }
  EXPECT_TRUE(fs::is_symlink(dir_ / "ahead.tsv"));
  EXPECT_TRUE(fs::exists(dir_ / "persistent" / "new.tsv.lock"));
  EXPECT_NE(read(path("persistent/new.tsv")).find("c.com\t30\t30\n"), std::string::npos);
}

// Times in a file past the wall clock (a clock that ran ahead) do not expire every domain at the next save.
TEST_F(DomainHistoryTest, AFileDatedInTheFutureDoesNotExpireItsDomains) {
  const std::string p = path("h.tsv");
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  write(p, "# dnslens domain history 1\n# since " + std::to_string(now - 86400) + "\n# newest " +
               std::to_string(now + 400 * 86400) + "\nold.com\t" + std::to_string(now - 86400) + "\t" +
               std::to_string(now - 3600) + "\n");
  {
    DomainHistory h(p, {.max_domains = 1000, .keep_seconds = 30 * 86400});
    EXPECT_LE(h.newest(), now + 86400 + 5);
    h.save();
    EXPECT_EQ(h.size(), 1u);
  }
  EXPECT_NE(read(p).find("old.com\t"), std::string::npos) << read(p);
}

TEST_F(DomainHistoryTest, AFailedSaveNamesTheFileAndKeepsTheOldHistory) {
  const std::string p = path("h.tsv");
  DomainHistory h(p, {});
  see(h, "a.com", 10);
  h.save();
  const std::string saved = read(p);
  see(h, "b.com", 20);
  fs::create_directories(p + ".tmp");  // where the save writes first: not writable, even for root
  try {
    h.save();
    ADD_FAILURE() << "saved through a directory";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("domain history " + p + ": cannot create " + p + ".tmp"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(read(p), saved);
}

}  // namespace
}  // namespace dnslens
