#include "core/dns_name.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace dnslens {
namespace {

std::string norm(std::string_view in, bool* valid = nullptr, bool* escapes = nullptr) {
  char buf[kMaxNormalizedName];
  auto n = normalize_name(in, buf);
  if (valid) *valid = n.valid_syntax;
  if (escapes) *escapes = n.had_escapes;
  return std::string(n.text);
}

TEST(NormalizeName, LowercasesAndDropsTheRootDot) {
  EXPECT_EQ(norm("WWW.Example.COM."), "www.example.com");
  EXPECT_EQ(norm("example.com"), "example.com");
}

// Evidence for the base (2026-12): AWS documents no escaping of Resolver query logs' query_name
// (docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html: "The domain name
// (example.com) or subdomain name (www.example.com) that was specified in the query"), and no published
// Resolver log line (Elastic's route53_resolver_logs test fixture, Panther's, AWS's samples) has an escape.
// The one escape format AWS documents for Route 53 names is octal (DomainNameFormat: "\three-digit octal
// code"; "\052 is the octal code for character *"), and its API emits it (aws/aws-cli#2701:
// "\\052.mycompany.com."; hashicorp/terraform-provider-aws#40153: "0\\05724..." for '/'). So \DDD is octal.
TEST(NormalizeName, DecodesRoute53OctalEscapes) {
  bool escapes = false;
  // Route 53 writes '*' as \052 and a space as \040.
  EXPECT_EQ(norm("\\052.example.com.", nullptr, &escapes), "*.example.com");
  EXPECT_TRUE(escapes);
  EXPECT_EQ(norm("a\\040b.example.com."), "a b.example.com");
  EXPECT_EQ(norm("\\303\\244.example.com."), "\xc3\xa4.example.com");
  EXPECT_EQ(norm("a\\.b.example.com"), "a.b.example.com");  // \X is X
  EXPECT_EQ(norm("0\\05724.0.168.192.in-addr.arpa."), "0/24.0.168.192.in-addr.arpa");
  // Digits that cannot be octal are RFC 1035's decimal; past 255 they are no byte, and \D is D.
  EXPECT_EQ(norm("a\\098c.example.com."), "abc.example.com");
  EXPECT_EQ(norm("a\\299.example.com."), "a299.example.com");
}

TEST(NormalizeName, FlagsBadSyntax) {
  bool valid = true;
  norm("a..b.com", &valid);
  EXPECT_FALSE(valid);
  norm(".", &valid);
  EXPECT_FALSE(valid);
  norm(std::string(64, 'a') + ".com", &valid);
  EXPECT_FALSE(valid);
  norm(std::string(63, 'a') + ".com", &valid);
  EXPECT_TRUE(valid);
}

// The label check against its definition (labels of 1..63 bytes, split at every dot) on seeded random
// names of dots and letters, 1 to 130 bytes, given with and without the root's trailing dot.
TEST(NormalizeName, LabelCheckAgreesWithItsDefinition) {
  auto reference = [](const std::string& name) {
    std::size_t start = 0;
    for (std::size_t k = 0; k <= name.size(); ++k) {
      if (k == name.size() || name[k] == '.') {
        if (k - start == 0 || k - start > 63) return false;
        start = k + 1;
      }
    }
    return true;
  };
  std::mt19937 rng(2026);
  std::size_t valid_seen = 0, invalid_seen = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::size_t len = 1 + rng() % 130;
    const unsigned dot_per_mille = rng() % 4 == 0 ? 2 : 1 + rng() % 300;  // some names with few or no dots
    std::string name(len, 'a');
    for (auto& c : name) {
      if (rng() % 1000 < dot_per_mille)
        c = '.';
      else
        c = static_cast<char>('a' + rng() % 26);
    }
    const std::string logged = name + (rng() % 2 ? "." : "");
    bool valid = false;
    const std::string text = norm(logged, &valid);
    ASSERT_EQ(text, logged.back() == '.' ? logged.substr(0, logged.size() - 1) : logged);
    const bool expected = !text.empty() && reference(text);
    ASSERT_EQ(valid, expected) << "'" << name << "'";
    (expected ? valid_seen : invalid_seen) += 1;
  }
  EXPECT_GT(valid_seen, 10000u);
  EXPECT_GT(invalid_seen, 10000u);
  bool valid = false;
  norm(std::string(64, 'a'), &valid);  // one label of 64 bytes
  EXPECT_FALSE(valid);
  norm(std::string(31, 'a') + "." + std::string(32, 'b'), &valid);  // 64 bytes, two labels
  EXPECT_TRUE(valid);
  norm(std::string(63, 'a') + "." + std::string(63, 'b'), &valid);
  EXPECT_TRUE(valid);
  norm(std::string(64, 'a') + "." + std::string(63, 'b'), &valid);
  EXPECT_FALSE(valid);
}

TEST(NormalizeName, HostileLengthIsBoundedAndInvalid) {
  bool valid = true;
  std::string huge(100000, 'a');
  std::string out = norm(huge, &valid);
  EXPECT_FALSE(valid);
  EXPECT_LE(out.size(), kMaxNormalizedName);
  // A trailing lone backslash must not read past the end.
  EXPECT_EQ(norm("abc\\"), "abc\\");
}

TEST(NormalizeName, JsonPlainOnlyWhenNoByteNeedsEscaping) {
  char buf[kMaxNormalizedName];
  EXPECT_TRUE(normalize_name("Host-1_a.Example.COM.", buf).json_plain);
  EXPECT_FALSE(normalize_name("a\\042b.example.com.", buf).json_plain);   // a quote after decoding
  EXPECT_FALSE(normalize_name("a\\134b.example.com.", buf).json_plain);   // a backslash after decoding
  EXPECT_FALSE(normalize_name("a\\000b.example.com.", buf).json_plain);   // a NUL byte
  EXPECT_FALSE(normalize_name("a\\011b.example.com.", buf).json_plain);   // a tab
  EXPECT_FALSE(normalize_name("\xc3\xa4.example.com.", buf).json_plain);  // non-ASCII UTF-8
  EXPECT_FALSE(normalize_name("a\"b.example.com.", buf).json_plain);
  // The vectorised lowercase touches only A-Z.
  EXPECT_EQ(norm("AZaz09-_@[`{.COM"), "azaz09-_@[`{.com");
}

TEST(SplitLabels, RightToLeft) {
  LabelSpans spans;
  std::string_view name = "a.bb.ccc";
  ASSERT_EQ(split_labels_rtl(name, spans), 3u);
  EXPECT_EQ(rightmost_labels(name, spans, 1), "ccc");
  EXPECT_EQ(rightmost_labels(name, spans, 2), "bb.ccc");
  EXPECT_EQ(rightmost_labels(name, spans, 3), "a.bb.ccc");
  EXPECT_EQ(split_labels_rtl("a..b", spans), 0u);
  std::string many;
  for (int i = 0; i < 200; ++i) many += "a.";
  many += "com";
  EXPECT_EQ(split_labels_rtl(many, spans), 0u);
}

TEST(Ipv4Literal, Recognised) {
  EXPECT_TRUE(is_ipv4_literal("10.0.0.1"));
  EXPECT_FALSE(is_ipv4_literal("10.0.0"));
  EXPECT_FALSE(is_ipv4_literal("256.0.0.1"));
  EXPECT_FALSE(is_ipv4_literal("1.2.3.4.in-addr.arpa"));
}

}  // namespace
}  // namespace dnslens
