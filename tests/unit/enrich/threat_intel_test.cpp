#include "enrich/threat_intel/threat_intel.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/dns_name.hpp"
#include "core/error.hpp"
#include "enrich/threat_intel/feed_loader.hpp"

namespace dnslens {
namespace {

const PublicSuffixList& psl() {
  static const PublicSuffixList list =
      PublicSuffixList::load_file("/usr/share/publicsuffix/public_suffix_list.dat", PslScope::kIcannAndPrivate);
  return list;
}

const std::string kData = std::string(DNSLENS_TEST_DATA) + "/intel/";

// Matches a query name the way the pipeline does: normalised, registered domain from the PSL.
const Indicator* match_name(const ThreatIntel& intel, std::string_view logged) {
  char buf[kMaxNormalizedName];
  auto norm = normalize_name(logged, buf);
  return intel.match_domain(norm.text, psl().split(norm.text).registered_domain);
}

const Indicator* match_addr(const ThreatIntel& intel, std::string_view text) {
  auto ip = parse_ip(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip ? intel.match_ip(*ip) : nullptr;
}

bool has_problem(const FeedReport& r, std::string_view needle) {
  return std::any_of(r.problems.begin(), r.problems.end(),
                     [&](const std::string& p) { return p.find(needle) != std::string::npos; });
}

TEST(IpAddress, ParsesAddressesPrefixesAndReverseNames) {
  EXPECT_EQ(parse_ip("192.0.2.1")->v4(), 0xC0000201u);
  EXPECT_TRUE(parse_ip("2001:db8::1")->v6);
  EXPECT_FALSE(parse_ip("192.0.2.256").has_value());
  EXPECT_FALSE(parse_ip("evil.com").has_value());
  bool host_bits = false;
  EXPECT_FALSE(parse_prefix("10.0.0.1/8", &host_bits).has_value());
  EXPECT_TRUE(host_bits);
  EXPECT_EQ(parse_prefix("10.0.0.0/8")->length, 8);
  EXPECT_FALSE(parse_prefix("10.0.0.0/33").has_value());
  EXPECT_FALSE(parse_prefix("10.0.0.0/").has_value());
  EXPECT_EQ(address_from_reverse_name("66.2.0.192.in-addr.arpa")->to_string(), "192.0.2.66");
  EXPECT_FALSE(address_from_reverse_name("2.0.192.in-addr.arpa").has_value());  // a /24 zone, not an address
  EXPECT_FALSE(address_from_reverse_name("300.2.0.192.in-addr.arpa").has_value());
  EXPECT_EQ(address_from_reverse_name("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
                ->to_string(),
            "2001:db8::1");
}

// The hand-written IPv4 parser must accept exactly what inet_pton accepts.
TEST(IpAddress, Ipv4ParserAgreesWithInetPton) {
  for (const char* s :
       {"1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3",
        "1.2.3.", "1.2.3.04", "10.0.0.1 ", "1.2.3.-4", "1234.1.1.1", "0.0.0.00", "9.9.9.9x", ""}) {
    unsigned char expect[4];
    const bool ok = ::inet_pton(AF_INET, s, expect) == 1;
    auto got = parse_ip(s);
    EXPECT_EQ(got.has_value(), ok) << s;
    if (ok && got) {
      EXPECT_EQ(0, std::memcmp(got->bytes.data(), expect, 4)) << s;
    }
  }
}

// Every string of up to 7 characters over digits, dots and a colon: parse_ip accepts exactly what
// inet_pton accepts as IPv4 or IPv6, with the same bytes.
TEST(IpAddress, ParseIpAgreesWithInetPtonOnEveryShortString) {
  constexpr std::string_view kAlphabet = "0125.9:";
  std::string s;
  std::size_t checked = 0;
  std::function<void(std::size_t)> each = [&](std::size_t left) {
    unsigned char v4[4], v6[16];
    const bool ok4 = ::inet_pton(AF_INET, s.c_str(), v4) == 1;
    const bool ok6 = ::inet_pton(AF_INET6, s.c_str(), v6) == 1;
    const auto got = parse_ip(s);
    ++checked;
    ASSERT_EQ(got.has_value(), ok4 || ok6) << '"' << s << '"';
    if (got) {
      ASSERT_EQ(0, std::memcmp(got->bytes.data(), got->v6 ? v6 : v4, got->v6 ? 16 : 4)) << s;
    }
    if (left == 0) return;
    for (char c : kAlphabet) {
      s.push_back(c);
      each(left - 1);
      s.pop_back();
      if (testing::Test::HasFatalFailure()) return;
    }
  };
  each(7);
  EXPECT_EQ(checked, 960800u);  // (7^8 - 1) / 6 strings
}

// IPv6 up to its full length: groups of 0 to 5 hex digits (both cases, a digit too many), a dotted quad
// (valid, out of range, short), single and double colons, and stray characters, joined in every order a
// fixed-seed generator makes; the short strings above cannot reach eight groups or an IPv4 tail after six.
// parse_ip and is_ip_address accept exactly what inet_pton accepts, with the same bytes.
TEST(IpAddress, Ipv6ParserAgreesWithInetPtonUpToFullLength) {
  const std::vector<std::string_view> tokens = {"",
                                                "0",
                                                "1",
                                                "fF",
                                                "abcd",
                                                "ABCD",
                                                "12345",
                                                "g",
                                                ":",
                                                "::",
                                                ":::",
                                                "1.2.3.4",
                                                "255.255.255.255",
                                                "256.1.1.1",
                                                "1.2.3",
                                                "01.2.3.4",
                                                ".",
                                                " ",
                                                "ffff",
                                                "0000"};
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::size_t accepted = 0;
  std::size_t tails = 0;
  for (int i = 0; i < 1000000; ++i) {
    std::string s;
    const int pieces = static_cast<int>(next() % 17);
    for (int k = 0; k < pieces; ++k) {
      s += tokens[next() % tokens.size()];
      if (next() % 4 != 0) s += next() % 8 == 0 ? "::" : ":";
    }
    if (next() % 3 == 0 && !s.empty()) s.pop_back();  // often no trailing colon
    unsigned char v6[16];
    unsigned char v4[4];
    const bool ok = ::inet_pton(AF_INET6, s.c_str(), v6) == 1 || ::inet_pton(AF_INET, s.c_str(), v4) == 1;
    const auto got = parse_ip(s);
    ASSERT_EQ(got.has_value(), ok) << '"' << s << '"';
    ASSERT_EQ(is_ip_address(s), ok) << '"' << s << '"';
    if (got && got->v6) {
      ASSERT_EQ(0, std::memcmp(got->bytes.data(), v6, 16)) << s;
      ++accepted;
      if (s.find('.') != std::string::npos) ++tails;
    }
  }
  // The generator must reach the interesting cases, not only rejections.
  EXPECT_GT(accepted, 2000u);
  EXPECT_GT(tails, 200u) << accepted;
  for (const char* s : {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "::ffff:10.0.0.1", "1::", "::", "::1",
                        "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "fe80::1:2"}) {
    EXPECT_TRUE(is_ip_address(s)) << s;
  }
  for (const char* s : {"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "1::2::3",
                        ":1::", "1:", "12345::", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4:1", "1:2:3:4:5:6:7"}) {
    EXPECT_FALSE(is_ip_address(s)) << s;
  }
}

TEST(IpAddress, MetadataServiceAndBlackHoleAddresses) {
  auto kind = [](std::string_view text) {
    auto ip = parse_ip(text);
    EXPECT_TRUE(ip.has_value()) << text;
    return ip ? special_address(*ip) : SpecialAddress::kNone;
  };
  for (std::string_view m : {"169.254.169.254", "169.254.170.2", "169.254.170.23", "fd00:ec2::254", "fd00:ec2::23",
                             "::ffff:169.254.169.254", "FD00:EC2:0:0:0:0:0:254"})
    EXPECT_EQ(kind(m), SpecialAddress::kMetadata) << m;
  for (std::string_view b :
       {"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.255.254", "::", "::1", "100::", "100::ffff:1", "::ffff:127.0.0.1"})
    EXPECT_EQ(kind(b), SpecialAddress::kBlackhole) << b;
  // Amazon's DNS server and the time service are link-local too, but neither is a credential endpoint.
  for (std::string_view n : {"169.254.169.253", "169.254.169.123", "169.254.170.3", "fd00:ec2::253", "fd00:ec2:1::254",
                             "100:0:0:1::", "1.0.0.0", "126.255.255.255", "128.0.0.1", "::2", "8.8.8.8"})
    EXPECT_EQ(kind(n), SpecialAddress::kNone) << n;
}

TEST(ThreatClass, AFeedsCategoryWordsNameGuardDutysThreats) {
  const std::pair<std::string_view, ThreatClass> cases[] = {
      {"c2", ThreatClass::kCommandAndControl},
      {"Botnet C&C", ThreatClass::kCommandAndControl},
      {"botnet_cc", ThreatClass::kCommandAndControl},
      {"Command-and-Control", ThreatClass::kCommandAndControl},
      {"CnC server", ThreatClass::kCommandAndControl},
      {"CoinMiner", ThreatClass::kCryptoCurrency},
      {"mining pool", ThreatClass::kCryptoCurrency},
      {"XMRig miner", ThreatClass::kCryptoCurrency},
      {"Phishing", ThreatClass::kPhishing},
      {"phish", ThreatClass::kPhishing},
      {"DGA", ThreatClass::kDga},
      {"domain generation algorithm", ThreatClass::kDga},
      {"Necurs DGA C2", ThreatClass::kDga},  // the most specific word wins
      {"cc_skimming", ThreatClass::kDropPoint},
      {"exfiltration", ThreatClass::kDropPoint},
      {"Exploit Kit", ThreatClass::kDriveBy},
      {"Sinkholed C2", ThreatClass::kSinkhole},
      {"blackhole", ThreatClass::kSinkhole},
      {"Blackhole Exploit Kit", ThreatClass::kDriveBy},  // a drive-by kit, not a sinkhole
      {"C & C", ThreatClass::kCommandAndControl},
      {"Emotet", ThreatClass::kGeneric},
      {"payload_delivery", ThreatClass::kGeneric},
      {"scanner", ThreatClass::kGeneric},
      {"abc2", ThreatClass::kGeneric},  // a word inside another word is not that word
      {"dropbox", ThreatClass::kGeneric},
      {"", ThreatClass::kGeneric},
  };
  for (const auto& [category, expected] : cases)
    EXPECT_EQ(threat_class_name(classify_threat(category)), threat_class_name(expected)) << category;
  ThreatIntel intel;
  intel.add_feed("f");
  IndicatorInput in;
  in.value = in.match_key = "evil.example";
  in.threat = "Botnet C2";
  ASSERT_TRUE(intel.add(in));
  const Indicator* hit = intel.match_domain("www.evil.example", "evil.example");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->threat_class, ThreatClass::kCommandAndControl);
}

TEST(ClassifyIndicator, RefangsNormalisesAndRejectsWithAReason) {
  IndicatorInput in;
  EXPECT_FALSE(classify_indicator("Evil[.]COM.", "", psl(), in));
  EXPECT_EQ(in.match_key, "evil.com");
  EXPECT_EQ(in.kind, IndicatorKind::kDomain);
  EXPECT_FALSE(classify_indicator("hxxps://user@Bad[.]host.net:8443/path?q#f", "", psl(), in));
  EXPECT_EQ(in.kind, IndicatorKind::kUrl);
  EXPECT_EQ(in.match_key, "bad.host.net");
  EXPECT_EQ(in.value, "https://user@Bad.host.net:8443/path?q#f");
  EXPECT_FALSE(classify_indicator("http://[2001:db8::5]/x", "", psl(), in));
  EXPECT_EQ(in.match_key, "2001:db8::5");
  EXPECT_FALSE(classify_indicator("*.wild.example.org", "", psl(), in));
  EXPECT_EQ(in.match_key, "wild.example.org");
  EXPECT_FALSE(classify_indicator("bücher.de", "", psl(), in));
  EXPECT_EQ(in.match_key, "xn--bcher-kva.de");
  EXPECT_FALSE(classify_indicator("198.51.100.0/24", "", psl(), in));
  EXPECT_EQ(in.kind, IndicatorKind::kCidr4);
  EXPECT_EQ(*classify_indicator("co.uk", "", psl(), in), "is a public suffix (would match every name under it)");
  EXPECT_EQ(*classify_indicator("evil.notatld", "", psl(), in), "unknown top-level domain");
  EXPECT_EQ(*classify_indicator("10.0.0.1/8", "", psl(), in), "address has bits set past the prefix length");
  EXPECT_TRUE(classify_indicator("a..b.com", "", psl(), in).has_value());
  EXPECT_TRUE(classify_indicator("evil.com", "ip", psl(), in).has_value());
}

TEST(ThreatIntel, ParentDomainsDownToTheRegisteredDomainOnly) {
  ThreatIntel intel;
  intel.add_feed("t");
  IndicatorInput in;
  ASSERT_FALSE(classify_indicator("evil.com", "", psl(), in));
  ASSERT_TRUE(intel.add(in));
  ASSERT_FALSE(classify_indicator("deep.sub.example.co.uk", "", psl(), in));
  ASSERT_TRUE(intel.add(in));
  EXPECT_NE(match_name(intel, "a.b.EVIL.com."), nullptr);
  EXPECT_NE(match_name(intel, "evil.com."), nullptr);
  EXPECT_EQ(match_name(intel, "notevil.com."), nullptr);  // a suffix of the text, not a parent label
  EXPECT_EQ(match_name(intel, "evil.com.au."), nullptr);
  EXPECT_NE(match_name(intel, "x.deep.sub.example.co.uk."), nullptr);
  EXPECT_EQ(match_name(intel, "sub.example.co.uk."), nullptr);  // the indicator is below it
}

TEST(ThreatIntel, LongestPrefixFirstAndDuplicatesKeepTheHigherConfidence) {
  ThreatIntel intel;
  intel.add_feed("a");
  IndicatorInput in;
  for (auto [text, conf] :
       {std::pair{"10.0.0.0/8", 20}, {"10.1.0.0/16", 60}, {"10.1.2.3", 90}, {"2001:db8::/32", 40}}) {
    ASSERT_FALSE(classify_indicator(text, "", psl(), in));
    in.confidence = conf;
    ASSERT_TRUE(intel.add(in));
  }
  EXPECT_EQ(match_addr(intel, "10.1.2.3")->confidence, 90);
  EXPECT_EQ(match_addr(intel, "10.1.9.9")->confidence, 60);
  EXPECT_EQ(match_addr(intel, "10.200.0.1")->confidence, 20);
  EXPECT_EQ(match_addr(intel, "11.0.0.1"), nullptr);
  EXPECT_EQ(match_addr(intel, "2001:db8:ffff::1")->confidence, 40);
  EXPECT_EQ(match_addr(intel, "2001:db9::1"), nullptr);
  intel.add_feed("b");
  ASSERT_FALSE(classify_indicator("10.0.0.0/8", "", psl(), in));
  in.confidence = 75;
  ASSERT_TRUE(intel.add(in));
  EXPECT_EQ(intel.duplicates(), 1u);
  const Indicator* hit = match_addr(intel, "10.200.0.1");
  EXPECT_EQ(hit->confidence, 75);
  EXPECT_EQ(intel.text(hit->feed), "b");
}

TEST(ConfidenceLevel, Buckets) {
  EXPECT_EQ(confidence_level(-1), ConfidenceLevel::kUnknown);
  EXPECT_EQ(confidence_level(0), ConfidenceLevel::kLow);
  EXPECT_EQ(confidence_level(49), ConfidenceLevel::kLow);
  EXPECT_EQ(confidence_level(50), ConfidenceLevel::kMedium);
  EXPECT_EQ(confidence_level(79), ConfidenceLevel::kMedium);
  EXPECT_EQ(confidence_level(80), ConfidenceLevel::kHigh);
}

TEST(FeedLoader, HostsFileAndPlainList) {
  ThreatIntel intel;
  FeedReport r = load_feed(FeedSpec::parse(kData + "hosts.txt"), psl(), intel);
  EXPECT_EQ(r.name, "hosts");
  EXPECT_EQ(r.format, FeedFormat::kList);
  EXPECT_EQ(r.loaded, 4u);  // two tracker names, one plain entry, one address
  EXPECT_TRUE(has_problem(r, "hosts.txt:5: 'co.uk': is a public suffix"));
  EXPECT_TRUE(has_problem(r, "hosts.txt:8: expected one indicator per line"));
  EXPECT_EQ(r.rejected, 2u);
  EXPECT_NE(match_name(intel, "tracking.tracker-example.com."), nullptr);
  EXPECT_EQ(match_name(intel, "localhost."), nullptr);
  EXPECT_NE(match_addr(intel, "2001:db8::1"), nullptr);
}

TEST(FeedLoader, CsvWithQuotesAliasesAndBadRowsByLine) {
  ThreatIntel intel;
  FeedReport r = load_feed(FeedSpec::parse("vendor=" + kData + "feed.csv"), psl(), intel);
  EXPECT_EQ(r.name, "vendor");
  EXPECT_EQ(r.format, FeedFormat::kCsv);
  EXPECT_EQ(r.loaded, 5u);
  EXPECT_TRUE(has_problem(r, "feed.csv:6: '203.0.113.129/24': address has bits set"));
  EXPECT_TRUE(has_problem(r, "feed.csv:7: empty indicator column"));
  const Indicator* evil = match_name(intel, "www.evil-csv.com.");
  ASSERT_NE(evil, nullptr);
  EXPECT_EQ(evil->confidence, 95);
  EXPECT_EQ(intel.text(evil->actor), "Group \"Alpha\"");
  EXPECT_EQ(intel.text(evil->threat), "Stealer");
  EXPECT_EQ(intel.text(evil->source), "vendorA");
  EXPECT_EQ(intel.text(evil->first_seen), "2024-01-01");
  EXPECT_EQ(match_addr(intel, "203.0.113.5")->confidence, 30);  // "low"
  EXPECT_EQ(match_addr(intel, "203.0.113.200"), nullptr);       // outside the /25
  const Indicator* url = match_name(intel, "bad.csv-host.net.");
  ASSERT_NE(url, nullptr);
  EXPECT_EQ(url->kind, IndicatorKind::kUrl);
  EXPECT_EQ(url->value, "https://bad.csv-host.net/x");
  EXPECT_EQ(url->confidence, 72);                              // 0.72 as a fraction
  EXPECT_NE(match_name(intel, "xn--bcher-kva.de."), nullptr);  // the UTF-8 entry, punycoded
}

TEST(FeedLoader, CsvColumnMappingMustExist) {
  ThreatIntel intel;
  FeedSpec spec = FeedSpec::parse(kData + "feed.csv");
  spec.columns["indicator"] = "no_such_column";
  try {
    (void)load_feed(spec, psl(), intel);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConfig);
    EXPECT_NE(std::string(e.what()).find("no_such_column"), std::string::npos);
  }
  spec.columns.clear();
  spec.columns["colour"] = "x";
  EXPECT_THROW(spec.validate(), Error);
}

TEST(FeedLoader, StixBundle) {
  ThreatIntel intel;
  FeedReport r = load_feed(FeedSpec::parse(kData + "bundle.stix.json"), psl(), intel);
  EXPECT_EQ(r.format, FeedFormat::kStix);
  EXPECT_EQ(r.loaded, 5u);   // two domains, a /24, a URL, an IPv6 /48
  EXPECT_EQ(r.skipped, 2u);  // the file hash and the revoked indicator
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_TRUE(has_problem(r, "AND / FOLLOWEDBY"));
  const Indicator* c2 = match_name(intel, "x.kite-c2.example.net.");
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(c2->confidence, 85);
  EXPECT_EQ(intel.text(c2->actor), "Crimson Kite");
  EXPECT_EQ(intel.text(c2->threat), "KiteLoader");
  EXPECT_EQ(intel.text(c2->source), "Example CTI Team");
  EXPECT_EQ(intel.text(c2->first_seen), "2024-01-10T08:00:00Z");
  EXPECT_NE(match_name(intel, "update.kiteloader.com."), nullptr);
  EXPECT_EQ(match_name(intel, "kiteloader.com."), nullptr);
  const Indicator* net = match_addr(intel, "198.51.100.77");
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(intel.text(net->threat), "compromised");
  EXPECT_EQ(net->kind, IndicatorKind::kCidr4);
  EXPECT_EQ(match_name(intel, "dl.kiteloader.com.")->kind, IndicatorKind::kUrl);
  EXPECT_NE(match_addr(intel, "2001:db8:dead:1::9"), nullptr);
  EXPECT_EQ(match_name(intel, "revoked.example.com."), nullptr);
  EXPECT_EQ(match_name(intel, "both.example.org."), nullptr);
}

TEST(FeedLoader, MispEvent) {
  ThreatIntel intel;
  FeedReport r = load_feed(FeedSpec::parse(kData + "event.misp.json"), psl(), intel);
  EXPECT_EQ(r.format, FeedFormat::kMisp);
  EXPECT_EQ(r.loaded, 7u);   // domain, hostname, ip-dst, url, domain|ip (2), object domain
  EXPECT_EQ(r.skipped, 2u);  // md5, to_ids false
  EXPECT_TRUE(has_problem(r, "event 1 attribute 8: 'not_a_domain!'"));
  const Indicator* d = match_name(intel, "payroll-login.example.com.");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->confidence, 90);  // threat_level_id 1 = High
  EXPECT_EQ(intel.text(d->actor), "Payroll Pirates");
  EXPECT_EQ(intel.text(d->threat), "PhishKit-X");
  EXPECT_EQ(intel.text(d->source), "CIRCL");
  EXPECT_NE(match_addr(intel, "192.0.2.77"), nullptr);
  EXPECT_NE(match_name(intel, "relay.payroll-verify.net."), nullptr);
  EXPECT_EQ(intel.text(match_name(intel, "obj.payroll-verify.net.")->first_seen), "2024-01-30T00:00:00+00:00");
  EXPECT_EQ(match_name(intel, "context-only.example.com."), nullptr);
}

TEST(FeedLoader, UnreadableAndUnrecognisedFeedsThrowConfigErrors) {
  ThreatIntel intel;
  EXPECT_THROW((void)load_feed(FeedSpec::parse("/nonexistent/feed.txt"), psl(), intel), Error);
  FeedSpec spec = FeedSpec::parse(kData + "hosts.txt");
  spec.format = FeedFormat::kMisp;
  EXPECT_THROW((void)load_feed(spec, psl(), intel), Error);
}

}  // namespace
}  // namespace dnslens
