#include "enrich/registered_domain/public_suffix_list.hpp"

#include <gtest/gtest.h>
#include <libpsl.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/dns_name.hpp"
#include "core/error.hpp"
#include "enrich/registered_domain/punycode.hpp"

namespace dnslens {
namespace {

const char* kPslPath = DNSLENS_DEFAULT_PSL;

const PublicSuffixList& all_rules() {
  static const PublicSuffixList psl = PublicSuffixList::load_file(kPslPath, PslScope::kIcannAndPrivate);
  return psl;
}

std::string registrable(const PublicSuffixList& psl, std::string_view name) {
  char buf[kMaxNormalizedName];
  auto norm = normalize_name(name, buf);
  if (!norm.valid_syntax) return "";
  return std::string(psl.split(norm.text).registered_domain);
}

// The cases of the PSL project's test_psl.txt ("" stands for null).
TEST(PublicSuffixList, OfficialTestCases) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"COM", ""},
      {"example.COM", "example.com"},
      {"WwW.example.COM", "example.com"},
      {".com", ""},
      {".example", ""},
      {".example.com", ""},
      {".example.example", ""},
      {"example", ""},
      {"example.example", "example.example"},
      {"b.example.example", "example.example"},
      {"a.b.example.example", "example.example"},
      {"biz", ""},
      {"domain.biz", "domain.biz"},
      {"b.domain.biz", "domain.biz"},
      {"a.b.domain.biz", "domain.biz"},
      {"com", ""},
      {"example.com", "example.com"},
      {"b.example.com", "example.com"},
      {"a.b.example.com", "example.com"},
      {"uk.com", ""},
      {"example.uk.com", "example.uk.com"},
      {"b.example.uk.com", "example.uk.com"},
      {"a.b.example.uk.com", "example.uk.com"},
      {"test.ac", "test.ac"},
      {"mm", ""},
      {"c.mm", ""},
      {"b.c.mm", "b.c.mm"},
      {"a.b.c.mm", "b.c.mm"},
      {"jp", ""},
      {"test.jp", "test.jp"},
      {"www.test.jp", "test.jp"},
      {"ac.jp", ""},
      {"test.ac.jp", "test.ac.jp"},
      {"www.test.ac.jp", "test.ac.jp"},
      {"kyoto.jp", ""},
      {"test.kyoto.jp", "test.kyoto.jp"},
      {"ide.kyoto.jp", ""},
      {"b.ide.kyoto.jp", "b.ide.kyoto.jp"},
      {"a.b.ide.kyoto.jp", "b.ide.kyoto.jp"},
      {"c.kobe.jp", ""},
      {"b.c.kobe.jp", "b.c.kobe.jp"},
      {"a.b.c.kobe.jp", "b.c.kobe.jp"},
      {"city.kobe.jp", "city.kobe.jp"},
      {"www.city.kobe.jp", "city.kobe.jp"},
      {"ck", ""},
      {"test.ck", ""},
      {"b.test.ck", "b.test.ck"},
      {"a.b.test.ck", "b.test.ck"},
      {"www.ck", "www.ck"},
      {"www.www.ck", "www.ck"},
      {"us", ""},
      {"test.us", "test.us"},
      {"www.test.us", "test.us"},
      {"ak.us", ""},
      {"test.ak.us", "test.ak.us"},
      {"www.test.ak.us", "test.ak.us"},
      {"k12.ak.us", ""},
      {"test.k12.ak.us", "test.k12.ak.us"},
      {"www.test.k12.ak.us", "test.k12.ak.us"},
      {"食狮.com.cn", "食狮.com.cn"},
      {"食狮.公司.cn", "食狮.公司.cn"},
      {"www.食狮.公司.cn", "食狮.公司.cn"},
      {"shishi.公司.cn", "shishi.公司.cn"},
      {"公司.cn", ""},
      {"食狮.中国", "食狮.中国"},
      {"www.食狮.中国", "食狮.中国"},
      {"shishi.中国", "shishi.中国"},
      {"中国", ""},
      {"xn--85x722f.com.cn", "xn--85x722f.com.cn"},
      {"xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
      {"www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
      {"shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"},
      {"xn--55qx5d.cn", ""},
      {"xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
      {"www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
      {"shishi.xn--fiqs8s", "shishi.xn--fiqs8s"},
      {"xn--fiqs8s", ""},
  };
  for (const auto& [name, expected] : cases) {
    EXPECT_EQ(registrable(all_rules(), name), expected) << "name: " << name;
  }
}

TEST(PublicSuffixList, SplitsIntoParts) {
  DomainParts p = all_rules().split("foo.bar.example.co.uk");
  EXPECT_EQ(p.registered_domain, "example.co.uk");
  EXPECT_EQ(p.public_suffix, "co.uk");
  EXPECT_EQ(p.subdomain, "foo.bar");
  EXPECT_TRUE(p.tld_valid);
  DomainParts internal = all_rules().split("ip-10-0-0-1.ec2.internal");
  EXPECT_FALSE(internal.tld_valid);
  EXPECT_EQ(internal.registered_domain, "ec2.internal");  // the implicit "*" rule, as libpsl does
  EXPECT_TRUE(all_rules().split("10.1.2.3").is_ip_literal);
  EXPECT_EQ(all_rules().split("10.1.2.3").registered_domain, "");
}

TEST(PublicSuffixList, IcannOnlyIgnoresPrivateRules) {
  auto icann = PublicSuffixList::load_file(kPslPath, PslScope::kIcannOnly);
  EXPECT_EQ(all_rules().split("a.b.s3.amazonaws.com").registered_domain, "b.s3.amazonaws.com");
  EXPECT_EQ(icann.split("a.b.s3.amazonaws.com").registered_domain, "amazonaws.com");
  EXPECT_EQ(all_rules().split("x.y.blogspot.com").registered_domain, "y.blogspot.com");
  EXPECT_EQ(icann.split("x.y.blogspot.com").registered_domain, "blogspot.com");
  EXPECT_GT(all_rules().stats().private_rules, 1000u);
  EXPECT_EQ(icann.stats().private_rules, 0u);
  // Splitting by every rule also says the domain by the ICANN rules alone.
  EXPECT_EQ(all_rules().split("a.b.s3.amazonaws.com").icann_registered_domain, "amazonaws.com");
  EXPECT_EQ(all_rules().split("x.d111111abcdef8.cloudfront.net").icann_registered_domain, "cloudfront.net");
  EXPECT_EQ(all_rules().split("www.myblog.blogspot.co.uk").icann_registered_domain, "blogspot.co.uk");
  EXPECT_EQ(all_rules().split("www.example.co.uk").icann_registered_domain, "example.co.uk");
  EXPECT_EQ(all_rules().split("www.city.kobe.jp").icann_registered_domain, "city.kobe.jp");  // an exception rule
}

// A private section's exception rule decides the registered domain, not the ICANN one.
TEST(PublicSuffixList, APrivateExceptionRuleLeavesTheIcannDomainAlone) {
  const auto psl = PublicSuffixList::load_text(
      "// ===BEGIN ICANN DOMAINS===\ncom\n// ===END ICANN DOMAINS===\n"
      "// ===BEGIN PRIVATE DOMAINS===\n*.host.com\n!www.host.com\n// ===END PRIVATE DOMAINS===\n",
      PslScope::kIcannAndPrivate);
  const DomainParts excepted = psl.split("a.www.host.com");
  EXPECT_EQ(excepted.registered_domain, "www.host.com");
  EXPECT_EQ(excepted.icann_registered_domain, "host.com");
  const DomainParts wild = psl.split("a.b.host.com");
  EXPECT_EQ(wild.registered_domain, "a.b.host.com");
  EXPECT_EQ(wild.icann_registered_domain, "host.com");
}

TEST(PublicSuffixList, RejectsUnusableFiles) {
  EXPECT_THROW(PublicSuffixList::load_file("/nonexistent/psl.dat", PslScope::kIcannAndPrivate), Error);
  EXPECT_THROW(PublicSuffixList::load_text("// only comments\n\n", PslScope::kIcannAndPrivate), Error);
}

TEST(Punycode, KnownVectors) {
  EXPECT_EQ(label_to_ascii("bücher"), "xn--bcher-kva");
  EXPECT_EQ(label_to_ascii("中国"), "xn--fiqs8s");
  EXPECT_EQ(label_to_ascii("公司"), "xn--55qx5d");
  EXPECT_EQ(label_to_ascii("example"), "example");
  EXPECT_EQ(domain_to_ascii("食狮.公司.cn"), "xn--85x722f.xn--55qx5d.cn");
  EXPECT_FALSE(label_to_ascii("\xff\xfe"));
}

// libpsl is the oracle: every rule of the list in several shapes, plus random and generated names.
std::vector<std::string> oracle_names() {
  std::ifstream in(kPslPath);
  std::string line;
  std::vector<std::string> names;
  std::mt19937_64 rng(42);
  const char* prefixes[] = {"", "x.", "www.", "a.b.", "deep.sub.www."};
  while (std::getline(in, line)) {
    if (line.empty() || line.starts_with("//")) continue;
    std::string rule = line.substr(0, line.find_first_of(" \t\r"));
    if (rule.starts_with("!")) rule = rule.substr(1);
    if (rule.starts_with("*.")) rule = "wild." + rule.substr(2);
    auto ascii = domain_to_ascii(rule);
    for (const char* p : prefixes) {
      names.push_back(p + rule);
      if (ascii && *ascii != rule) names.push_back(p + *ascii);
    }
  }
  const char* tlds[] = {"com",   "net", "org",  "co.uk",        "internal",
                        "local", "zz",  "arpa", "in-addr.arpa", "amazonaws.com"};
  for (int i = 0; i < 200000; ++i) {
    std::string n;
    int labels = 1 + static_cast<int>(rng() % 4);
    for (int l = 0; l < labels; ++l) {
      int len = 1 + static_cast<int>(rng() % 12);
      for (int k = 0; k < len; ++k) n.push_back("abcdefghijklmnopqrstuvwxyz0123456789-"[rng() % 37]);
      n.push_back('.');
    }
    n += tlds[rng() % std::size(tlds)];
    names.push_back(n);
  }
  return names;
}

TEST(PublicSuffixList, AgreesWithLibpslOnEveryName) {
  psl_ctx_t* ctx = psl_load_file(kPslPath);
  ASSERT_NE(ctx, nullptr);
  std::size_t compared = 0;
  std::size_t differences = 0;
  for (const std::string& name : oracle_names()) {
    if (is_ipv4_literal(name)) continue;
    char buf[kMaxNormalizedName];
    auto norm = normalize_name(name, buf);
    if (!norm.valid_syntax) continue;
    const std::string normalized(norm.text);
    const char* theirs = psl_registrable_domain(ctx, normalized.c_str());
    std::string expected = theirs ? theirs : "";
    std::string ours(all_rules().split(norm.text).registered_domain);
    ++compared;
    if (ours != expected && ++differences <= 20) ADD_FAILURE() << name << ": ours=" << ours << " libpsl=" << expected;
  }
  psl_free(ctx);
  EXPECT_EQ(differences, 0u);
  EXPECT_GT(compared, 240000u);
}

TEST(PublicSuffixList, IcannScopeAgreesWithLibpslIcannSuffixes) {
  psl_ctx_t* ctx = psl_load_file(kPslPath);
  ASSERT_NE(ctx, nullptr);
  auto icann = PublicSuffixList::load_file(kPslPath, PslScope::kIcannOnly);
  std::size_t differences = 0;
  auto names = oracle_names();
  for (std::size_t i = 0; i < names.size(); i += 7) {
    char buf[kMaxNormalizedName];
    auto norm = normalize_name(names[i], buf);
    if (!norm.valid_syntax || is_ipv4_literal(norm.text)) continue;
    std::string name(norm.text);
    // Registrable = the longest ICANN public suffix plus one label.
    std::string expected;
    std::size_t pos = 0;
    while (true) {
      std::string suffix = name.substr(pos);
      if (psl_is_public_suffix2(ctx, suffix.c_str(), PSL_TYPE_ICANN)) {
        if (pos > 0) {
          std::size_t prev = name.rfind('.', pos - 2);
          expected = name.substr(prev == std::string::npos ? 0 : prev + 1);
        }
        break;
      }
      std::size_t dot = name.find('.', pos);
      if (dot == std::string::npos) break;
      pos = dot + 1;
    }
    std::string ours(icann.split(name).registered_domain);
    if (ours != expected && ++differences <= 20) ADD_FAILURE() << name << ": ours=" << ours << " libpsl=" << expected;
  }
  psl_free(ctx);
  EXPECT_EQ(differences, 0u);
}

// icann_registered_domain of a split by every rule is the registered domain of a split by the ICANN rules.
TEST(PublicSuffixList, TheIcannDomainOfEveryNameIsTheIcannScopesRegisteredDomain) {
  auto icann = PublicSuffixList::load_file(kPslPath, PslScope::kIcannOnly);
  std::size_t private_decided = 0, differences = 0;
  for (const std::string& name : oracle_names()) {
    char buf[kMaxNormalizedName];
    auto norm = normalize_name(name, buf);
    if (!norm.valid_syntax || is_ipv4_literal(norm.text)) continue;
    const DomainParts all = all_rules().split(norm.text);
    const std::string_view expected = icann.split(norm.text).registered_domain;
    private_decided += all.icann_registered_domain != all.registered_domain;
    if (all.icann_registered_domain != expected && ++differences <= 20)
      ADD_FAILURE() << norm.text << ": ours=" << all.icann_registered_domain << " icann=" << expected;
  }
  EXPECT_EQ(differences, 0u);
  EXPECT_GT(private_decided, 1000u);  // the private section decided many of them
}

}  // namespace
}  // namespace dnslens
