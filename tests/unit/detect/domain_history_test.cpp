// The domain history behind newly observed domains: what a save writes and a load reads back, the
// limits that forget domains, the lock that keeps two processes off one file, and malformed files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
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
    EXPECT_EQ(h.since(), 1500);
    h.save();
  }
  EXPECT_EQ(read(p), "# dnslens domain history 1\n# since 1500\nb.example\t1500\t2500\na.example\t3000\t3000\n");
  EXPECT_FALSE(fs::exists(p + ".tmp"));
  DomainHistory again(p, {});
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(again.since(), 1500);
  EXPECT_EQ(again.first_seen("a.example"), 3000);
  EXPECT_EQ(again.first_seen("c.example"), DomainHistory::kNever);
  EXPECT_EQ(see(again, "a.example", 9000), 3000);
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
  EXPECT_EQ(err(head + "\n# a note\r\na.com\t10\t20\r\n"), "no error");  // blank lines, comments, CRLF
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
