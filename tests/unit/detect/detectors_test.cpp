// The detectors on hand-built event streams: what fires, what does not, and that state stays bounded.
#include <gtest/gtest.h>

#include <random>

#include <fmt/format.h>

#include "core/error.hpp"
#include "detect/beaconing/beaconing_detector.hpp"
#include "detect/engine/detection_config.hpp"
#include "detect/engine/detector_set.hpp"
#include "detect/engine/hyperloglog.hpp"
#include "detect/findings/finding_store.hpp"
#include "detect/tunneling/tunneling_detector.hpp"

namespace dnslens {
namespace {

struct Rec {
  std::int64_t ts_ms;
  std::string source;
  std::string name;
  std::string domain;
  RcodeKind rcode = RcodeKind::kNoError;
  std::uint16_t flags = kEventTldValid | kEventHasRegistered;
  float dga_score = 0;
  float subdomain_dga = 0;
  std::uint64_t reverse_group = 0;
  std::uint8_t reverse_host = 0;
  float subdomain_entropy = 4.5f;
};

// Feeds records to a detector set as one batch per call.
class Feed {
 public:
  explicit Feed(const DetectionConfig& config) : store_(config.max_findings), set_(config, store_) {}
  void add(const Rec& r) {
    DetectionEvent& e = batch_.events.emplace_back();
    e.ts_ms = r.ts_ms;
    std::string line = fmt::format("{{\"query_name\":\"{}\"}}", r.name);
    e.line = StrRef{static_cast<std::uint32_t>(input_.size()), static_cast<std::uint32_t>(line.size())};
    input_ += line;
    e.name = batch_.add(r.name);
    e.domain = batch_.add(r.domain);
    e.account = batch_.add("111122223333");
    e.vpc = batch_.add("vpc-1");
    e.instance = batch_.add(r.source);
    e.srcaddr = batch_.add("10.0.0.1");
    e.source = e.instance;
    std::hash<std::string> h;
    e.source_hash = h(r.source);
    e.domain_hash = h(r.domain);
    e.name_hash = h(r.name);
    e.vpc_hash = h("vpc-1");
    e.rcode = r.rcode;
    e.flags = r.flags;
    e.dga_score = r.dga_score;
    e.subdomain_dga = r.subdomain_dga;
    e.subdomain_length =
        static_cast<std::uint16_t>(r.name.size() > r.domain.size() ? r.name.size() - r.domain.size() - 1 : 0);
    e.longest_subdomain_label = static_cast<std::uint8_t>(std::min<std::size_t>(e.subdomain_length, 63));
    e.subdomain_entropy = r.subdomain_entropy;
    e.reverse_group = r.reverse_group;
    e.reverse_host = r.reverse_host;
  }
  std::vector<Finding> finish() {
    set_.consume(batch_, input_);
    set_.finish();
    return store_.sorted();
  }
  DetectorSet& set() { return set_; }

 private:
  FindingStore store_;
  DetectorSet set_;
  DetectionBatch batch_;
  std::string input_;
};

DetectionConfig only(std::string_view detector) {
  DetectionConfig c;
  c.tunneling.enabled = detector == "tunneling";
  c.dga.enabled = detector == "dga";
  c.beaconing.enabled = detector == "beaconing";
  c.footprinting.enabled = detector == "footprinting";
  c.anomaly.enabled = detector == "anomaly";
  c.threat_intel.enabled = false;
  c.answers.enabled = detector == "answers";
  c.log_gap.enabled = detector == "log_gap";
  c.reputation.enabled = detector == "reputation";
  return c;
}

std::string random_label(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + rng() % 26));
  return s;
}

TEST(BeaconScore, RegularJitteredAndGappySeriesScoreHighRandomOnesLow) {
  std::vector<std::uint32_t> perfect;
  for (std::uint32_t i = 0; i < 50; ++i) perfect.push_back(i * 60);
  BeaconScore p = score_beacon(perfect, 0.2);
  EXPECT_NEAR(p.score, 1.0, 1e-9);
  EXPECT_EQ(p.median_interval_s, 60);

  std::mt19937_64 rng(1);
  std::vector<std::uint32_t> jittered, gappy, poisson;
  for (std::uint32_t i = 0; i < 100; ++i)
    jittered.push_back(1000 + i * 300 + static_cast<std::uint32_t>(rng() % 21) - 10);
  for (std::uint32_t i = 0; i < 100; ++i) {
    if (rng() % 5 != 0) gappy.push_back(1000 + i * 300 + static_cast<std::uint32_t>(rng() % 21) - 10);
  }
  std::exponential_distribution<double> gap(1.0 / 300);
  double t = 0;
  for (int i = 0; i < 100; ++i) poisson.push_back(static_cast<std::uint32_t>(t += 1 + gap(rng)));
  BeaconScore j = score_beacon(jittered, 0.2), g = score_beacon(gappy, 0.2), r = score_beacon(poisson, 0.2);
  EXPECT_GE(j.score, 0.85);
  EXPECT_GT(g.missed, 5u);
  EXPECT_LT(g.coverage, 1.0);
  EXPECT_GE(g.score, 0.8);
  EXPECT_LT(r.score, 0.7);
  EXPECT_EQ(r.missed, 0u);  // random traffic is not cut into "missed beats"
}

TEST(Beaconing, FindsAnImplantButNotFleetWidePolling) {
  Feed feed(only("beaconing"));
  std::mt19937_64 rng(2);
  for (int i = 0; i < 100; ++i)
    feed.add({i * 60000 + static_cast<std::int64_t>(rng() % 4000), "i-bad", "update.c2.xyz", "c2.xyz"});
  // Ten hosts poll the agent endpoint just as regularly: fleet software.
  for (int h = 0; h < 10; ++h) {
    for (int i = 0; i < 100; ++i)
      feed.add({i * 60000 + h * 1000, "i-" + std::to_string(h), "ssm.amazonaws.com", "amazonaws.com"});
  }
  std::vector<Finding> f = feed.finish();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, FindingType::kBeaconing);
  EXPECT_EQ(f[0].entity.source, "i-bad");
  EXPECT_EQ(f[0].domain, "update.c2.xyz");
  EXPECT_EQ(f[0].events, 100u);  // judged several times as it grew, each query counted once
  EXPECT_GT(f[0].occurrences, 1u);
  EXPECT_NE(f[0].explanation.find("every 60 s"), std::string::npos) << f[0].explanation;
  EXPECT_FALSE(f[0].evidence.empty());
}

// A beacon polling all day outlives the timestamps kept for scoring (256 by default): its finding still
// starts at its first poll and counts every poll.
TEST(Beaconing, ALongBeaconKeepsItsFirstSeen) {
  Feed feed(only("beaconing"));
  const std::int64_t start = 1'796'342'400'000;  // 00:00
  for (int i = 0; i < 1440; ++i) feed.add({start + i * 60000LL, "i-bad", "update.c2.xyz", "c2.xyz"});
  std::vector<Finding> f = feed.finish();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].first_seen_ms, start);
  EXPECT_EQ(f[0].last_seen_ms, start + 1439 * 60000LL);
  EXPECT_NE(f[0].explanation.find("over 1440 events in 24.0 h"), std::string::npos) << f[0].explanation;
  EXPECT_NE(f[0].metrics_json.find("\"events\":1440"), std::string::npos) << f[0].metrics_json;
}

TEST(Beaconing, ASlowBeaconSurvivesAFloodOfOneOffNames) {
  // 200,000 names queried once each over a day by 50 sources, and one implant calling home every 30 min.
  // The one-off pairs stay in the candidate table and never crowd the tracked pairs (capped at 1,000 here).
  DetectionConfig c = only("beaconing");
  c.beaconing.max_keys = 1000;
  c.beaconing.candidate_slots = 1 << 14;
  Feed feed(c);
  const std::int64_t start = 1'796'342'400'000;
  std::mt19937_64 rng(11);
  int beat = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::int64_t t = start + static_cast<std::int64_t>(i) * 432;  // 24 h
    while (start + beat * 1800000LL + 7000 <= t) {
      feed.add({start + beat * 1800000LL + 7000 + static_cast<std::int64_t>(rng() % 20000) - 10000, "i-implant",
                "sync.updates-cdn.xyz", "updates-cdn.xyz"});
      ++beat;
    }
    const std::string name = fmt::format("{}.example.net", random_label(rng, 12));
    feed.add({t, fmt::format("i-{}", rng() % 50), name, "example.net"});
  }
  std::vector<Finding> f = feed.finish();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].domain, "sync.updates-cdn.xyz");
  EXPECT_LE(std::abs(f[0].first_seen_ms - (start + 7000)), 10000);  // the first beat, not the third
  DetectorStats s = feed.set().stats().at(0);
  EXPECT_EQ(s.evicted, 0u);    // no tracked pair had to go
  EXPECT_LE(s.peak_keys, 3u);  // only the implant's pair (and a chance collision or two) ever got three beats
  // 200,000 one-off pairs and the implant's, 2.3 new pairs a second (and the implant's second beat).
  EXPECT_NE(s.note.find("200001 new (source, name) pairs (2.3/s, 2.3 slot writes/s)"), std::string::npos) << s.note;
}

TEST(Beaconing, OlderDaysReadAfterNewerOnesStillCount) {
  // Inputs read newest first: a record from today, then yesterday's beacon, a day and more older.
  Feed feed(only("beaconing"));
  const std::int64_t today = 1'796'342'400'000;
  feed.add({today + 3600000, "i-x", "www.fine.org", "fine.org"});
  const std::int64_t yesterday = today - 2 * 86400000LL;
  for (int i = 0; i < 60; ++i) feed.add({yesterday + i * 300000LL, "i-bad", "poll.c2-host.net", "c2-host.net"});
  std::vector<Finding> f = feed.finish();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].first_seen_ms, yesterday);
}

TEST(Beaconing, TheLossBoundFollowsThePoissonTail) {
  // No new pairs: nothing is lost. One new pair per bucket per period on average, 8 ways: P(X >= 8) ~ 1e-5.
  EXPECT_EQ(candidate_loss_bound(0, 3600, 1 << 17, 8), 0.0);
  const double p = candidate_loss_bound(1.0, 3600, 3600, 8);
  EXPECT_GT(p, 1.5e-5);
  EXPECT_LT(p, 2.5e-5);
  EXPECT_GT(candidate_loss_bound(10.0, 3600, 3600, 8), 0.5);  // ten per period: most are lost
}

TEST(Beaconing, CachedAnswersHideBeatsButNotTheBeacon) {
  // Only queries the resolver does not answer from its cache are logged: a 60 s beacon behind a 300 s TTL
  // shows up every 300-360 s; behind a 60 s TTL, intervals of 60 s and 120 s.
  for (int ttl : {300, 60}) {
    Feed feed(only("beaconing"));
    std::mt19937_64 rng(static_cast<std::uint64_t>(ttl));
    const std::int64_t start = 1'796'342'400'000;
    std::int64_t cached_until = 0;
    int logged = 0;
    for (int i = 0; i < 720; ++i) {  // 12 h
      const std::int64_t t = start + i * 60000LL + static_cast<std::int64_t>(rng() % 6000) - 3000;
      if (t < cached_until) continue;
      cached_until = t + ttl * 1000LL;
      feed.add({t, "i-bad", "poll.c2-host.net", "c2-host.net"});
      ++logged;
    }
    std::vector<Finding> f = feed.finish();
    ASSERT_EQ(f.size(), 1u) << "ttl " << ttl << ", " << logged << " logged";
    EXPECT_EQ(f[0].domain, "poll.c2-host.net");
  }
}

TEST(Tunneling, ManyRandomSubdomainsFireFewOrBenignDoNot) {
  std::mt19937_64 rng(3);
  auto run = [&](int queries, std::uint16_t extra_flags, float sub_dga) {
    Feed feed(only("tunneling"));
    for (int i = 0; i < queries; ++i) {
      Rec r{1000000 + i * 1000, "i-1", fmt::format("{}.t.exfil.net", random_label(rng, 40)), "exfil.net"};
      r.flags |= extra_flags;
      r.subdomain_dga = sub_dga;
      feed.add(r);
    }
    return feed.finish();
  };
  auto hit = run(200, 0, 0.9f);
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].type, FindingType::kDnsDataExfiltration);
  EXPECT_EQ(hit[0].domain, "exfil.net");
  EXPECT_NE(hit[0].explanation.find("distinct subdomains"), std::string::npos);
  // The distinct count is an estimate, but never more than the queries it came from.
  const std::size_t tilde = hit[0].explanation.find('~');
  ASSERT_NE(tilde, std::string::npos);
  EXPECT_LE(std::stoi(hit[0].explanation.substr(tilde + 1)), 200);
  EXPECT_TRUE(run(20, 0, 0.9f).empty());                   // below min_queries
  EXPECT_TRUE(run(200, kEventBenignNoise, 0.9f).empty());  // on the noise list
}

TEST(Tunneling, LowAndSlowAcrossDomainsAndAWindowBoundaryFires) {
  // 90 encoded queries over 5 h from 04:00 (across the 06:00 boundary of one window set, whole in the
  // other's 03:00-09:00 window), spread over 4 domains: about 5 an hour per domain.
  Feed feed(only("tunneling"));
  std::mt19937_64 rng(17);
  const std::int64_t four = 1'796'342'400'000 + 4 * 3600000LL;
  const std::string domains[] = {"alpha-cdn.net", "beta-sync.com", "gamma-api.net", "delta-img.com"};
  for (int i = 0; i < 90; ++i) {
    const std::string& d = domains[i % 4];
    Rec r{four + static_cast<std::int64_t>(rng() % (5 * 3600000ULL)), "i-slow", random_label(rng, 40) + "." + d, d};
    r.subdomain_dga = 0.9f;
    feed.add(r);
  }
  // A web server fetching CDN assets: short hex-looking labels, never data.
  for (int i = 0; i < 400; ++i) {
    Rec r{four + i * 45000LL, "i-web", "d" + random_label(rng, 13) + ".cloudfront.net", "cloudfront.net"};
    r.subdomain_dga = 0.9f;
    feed.add(r);
  }
  std::vector<Finding> f = feed.finish();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, FindingType::kDnsDataExfiltration);
  EXPECT_EQ(f[0].entity.source, "i-slow");
  EXPECT_NE(f[0].metrics_json.find("\"registered_domains\":4"), std::string::npos) << f[0].metrics_json;
  EXPECT_NE(f[0].explanation.find("low and slow"), std::string::npos) << f[0].explanation;
}

// dns2tcp's traffic as its real client sends it (bench/real_tunnels.sh logs it): polls, a ten-character
// label of a session id, a counter and a flag, neither random-looking nor of high entropy, and between
// them the queries that carry the data, long base64 labels; all TXT, each name new.
TEST(Tunneling, ATunnelsTxtPollsFireWithoutRandomLabelsMailsTxtLookupsDoNot) {
  const std::int64_t t0 = 1'796'342'400'000;
  std::mt19937_64 rng(9);
  auto run = [&](const std::vector<Rec>& recs) {
    Feed feed(only("tunneling"));
    for (const Rec& r : recs) feed.add(r);
    return feed.finish();
  };
  auto session = [&](int n, bool txt, int every) {  // every `every`-th query carries data (0: none)
    std::vector<Rec> recs;
    for (int i = 0; i < n; ++i) {
      const bool data = every > 0 && i % every == 0;
      Rec r{t0 + i * 130, "i-shell",
            data ? fmt::format("MfIA{:04X}CP{}.tunnel.example.org", i, random_label(rng, 50))
                 : fmt::format("MfIA{:04X}BA.tunnel.example.org", 0x0E13 + i * 0x101),
            "example.org"};
      if (txt) r.flags |= kEventTunnelType;
      r.subdomain_dga = data ? 0.9f : 0.1f;
      r.subdomain_entropy = data ? 4.6f : 3.4f;
      recs.push_back(r);
    }
    return recs;
  };
  std::vector<Finding> hit = run(session(180, true, 5));  // 20% carry data, as in the capture
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].type, FindingType::kDnsDataExfiltration);
  EXPECT_EQ(hit[0].domain, "example.org");
  EXPECT_NE(hit[0].explanation.find("100% TXT/NULL/CNAME/MX"), std::string::npos) << hit[0].explanation;
  EXPECT_TRUE(run(session(180, false, 5)).empty());  // the same names as A queries
  EXPECT_TRUE(run(session(89, true, 5)).empty());    // fewer than 3 x 30 distinct names
  EXPECT_TRUE(run(session(180, true, 0)).empty());   // polls alone: nothing machine-made carried
  // A mail relay's SPF checks of the sending hosts of one provider, a new host name in each TXT query,
  // and its DKIM and DMARC lookups of 60 senders' domains, 45 each.
  std::vector<Rec> mail;
  for (int i = 0; i < 300; ++i) {
    Rec r{t0 + i * 1000, "i-mail", fmt::format("mail{}.sea{}.mcsv.net", 100 + i, 30 + i % 9), "mcsv.net"};
    r.flags |= kEventTunnelType;
    r.subdomain_dga = 0.2f;
    r.subdomain_entropy = 3.3f;
    mail.push_back(r);
  }
  for (int i = 0; i < 2700; ++i) {
    const std::string sender = fmt::format("sender{}.com", i % 60);
    const char* kind[] = {"s1._domainkey.", "_dmarc.", "selector2._domainkey."};
    Rec r{t0 + i * 1000, "i-mail", kind[(i / 60) % 3] + sender, sender};
    r.flags |= kEventTunnelType;
    r.subdomain_entropy = 3.3f;
    mail.push_back(r);
  }
  EXPECT_TRUE(run(mail).empty());
}

TEST(Tunneling, SequenceNumberIsTheFirstLabelsNumber) {
  EXPECT_EQ(sequence_number("17.s.stage-cdn.net", 4), 17);
  EXPECT_EQ(sequence_number("0.stage-cdn.net", 1), 0);
  EXPECT_EQ(sequence_number("123456789.x.net", 11), 123456789);
  EXPECT_EQ(sequence_number("1234567890.x.net", 10), -1);  // ten digits: an id, not a count
  EXPECT_EQ(sequence_number("a1.x.net", 2), -1);
  EXPECT_EQ(sequence_number("1a.x.net", 2), -1);
  EXPECT_EQ(sequence_number("x.net", 0), -1);  // no subdomain
  EXPECT_EQ(sequence_number(".x.net", 1), -1);
  // An IPv4 address in the name, backwards (a DNSBL lookup) or forwards: numbered by the address.
  EXPECT_EQ(sequence_number("4.3.2.1.zen.dq.spamhaus.net", 20), -1);
  EXPECT_EQ(sequence_number("10.0.0.17.nip.io", 9), -1);
  EXPECT_EQ(sequence_number("4.3.2.1.net", 7), -1);
  EXPECT_EQ(sequence_number("4.3.2.x.net", 7), 4);       // three numbers are not an address
  EXPECT_EQ(sequence_number("4.3.2.256.x.net", 11), 4);  // nor four with one past 255
  EXPECT_EQ(sequence_number("17.3.2.1000.x.net", 13), 17);
}

TEST(Tunneling, NumberedLabelsFireWhereTheyCountUpAndNotWhereTheyAreIdsOrFew) {
  const std::int64_t t0 = 1'796'342'400'000;
  auto run = [&](const std::vector<Rec>& recs) {
    Feed feed(only("tunneling"));
    for (const Rec& r : recs) feed.add(r);
    return feed.finish();
  };
  // A stager fetching a payload in 775 TXT pieces, short names the other windows never look at.
  std::vector<Rec> stager;
  for (int i = 0; i < 775; ++i) {
    Rec r{t0 + i * 700, "i-stager", fmt::format("{}.s.stage-cdn.net", i), "stage-cdn.net"};
    r.flags |= kEventTunnelType;
    stager.push_back(r);
  }
  std::vector<Finding> hit = run(stager);
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].type, FindingType::kDnsDataExfiltration);
  EXPECT_EQ(hit[0].entity.source, "i-stager");
  EXPECT_EQ(hit[0].domain, "stage-cdn.net");
  EXPECT_EQ(hit[0].events, 775u);
  EXPECT_NE(hit[0].explanation.find("numbered labels"), std::string::npos) << hit[0].explanation;
  EXPECT_NE(hit[0].metrics_json.find("\"lowest\":0,\"highest\":774"), std::string::npos) << hit[0].metrics_json;
  EXPECT_NE(hit[0].metrics_json.find("\"data_type_share\":1.000"), std::string::npos) << hit[0].metrics_json;

  std::mt19937_64 rng(5);
  std::vector<Rec> benign;
  for (int i = 0; i < 600; ++i) {
    benign.push_back({t0 + i * 900, "i-web", fmt::format("{}.pool.ntp.org", i % 4), "ntp.org"});  // a few, repeated
    // ids, not a count: six-digit cache busters spread over a million
    benign.push_back({t0 + i * 900, "i-web", fmt::format("{}.px.ads-cdn.com", 100000 + rng() % 900000), "ads-cdn.com"});
    Rec ptr{t0 + i * 900, "i-scan", fmt::format("{}.0.10.in-addr.arpa", i % 256), "in-addr.arpa"};
    ptr.flags |= kEventPtr;  // reverse names are numbered by nature
    benign.push_back(ptr);
  }
  for (int i = 0; i < 40; ++i)
    benign.push_back({t0 + i * 1000, "i-web", fmt::format("{}.img.shop.com", i), "shop.com"});
  // A mail relay checking 600 senders against a DNSBL by A query: the first label is an address's last
  // octet, every value of 0-255 within the hour.
  for (int i = 0; i < 600; ++i) {
    benign.push_back(
        {t0 + i * 5000, "i-mail",
         fmt::format("{}.{}.{}.{}.zen.dq.spamhaus.net", rng() % 256, rng() % 256, rng() % 256, 11 + i % 200),
         "spamhaus.net"});
  }
  // (Only the numbered-label rule is asked about: this feed gives every name the same high entropy, so
  // the relay's long DNSBL names look like a tunnel to the hourly window.)
  for (const Finding& f : run(benign))
    EXPECT_EQ(f.metrics_json.find("numbered_labels"), std::string::npos) << f.domain << ": " << f.explanation;
  // The same stager on the noise list is left alone.
  for (Rec& r : stager) r.flags |= kEventBenignNoise;
  EXPECT_TRUE(run(stager).empty());
}

TEST(Tunneling, NumberedLongNamesAreOneFindingNotTwo) {
  // Numbered and long: both the hourly window and the numbered-label one see these names. The next
  // hour's event closes both; the finding is reported once, with the hour's 200 queries.
  Feed feed(only("tunneling"));
  std::mt19937_64 rng(9);
  const std::int64_t t0 = 1'796'342'400'000;
  for (int i = 0; i < 200; ++i) {
    Rec r{t0 + i * 1000, "i-1", fmt::format("{}.{}.exfil.net", i, random_label(rng, 40)), "exfil.net"};
    r.subdomain_dga = 0.9f;
    feed.add(r);
  }
  Rec next{t0 + 3600000, "i-1", "200." + random_label(rng, 40) + ".exfil.net", "exfil.net"};
  next.subdomain_dga = 0.9f;
  feed.add(next);
  std::vector<Finding> f = feed.finish();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].events, 200u);
  EXPECT_EQ(f[0].occurrences, 1u);
}

TEST(DgaActivity, NeedsManyDistinctHighScoringMostlyNxdomainNames) {
  auto run = [](int names, RcodeKind rcode) {
    Feed feed(only("dga"));
    std::mt19937_64 rng(4);
    for (int i = 0; i < names; ++i) {
      std::string d = fmt::format("{}.com", random_label(rng, 14));
      Rec r{5000000 + i * 2000, "i-2", d, d, rcode};
      r.dga_score = 0.95f;
      feed.add(r);
    }
    return feed.finish();
  };
  auto hit = run(30, RcodeKind::kNxDomain);
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].type, FindingType::kDgaDomainRequest);
  EXPECT_TRUE(run(5, RcodeKind::kNxDomain).empty());
  EXPECT_TRUE(run(30, RcodeKind::kNoError).empty());  // resolving names are CDNs more often than DGAs
}

TEST(DgaActivity, NamesOtherHostsAlsoQueriedRaiseTheConfidenceLevel) {
  // Ten DGA names from each of two hosts: alone, a LOW finding each (just over the thresholds); when
  // both hosts ask for the same names (a date-seeded DGA on two infected hosts), HIGH.
  auto run = [](bool same_names) {
    Feed feed(only("dga"));
    std::mt19937_64 rng(4);
    std::vector<std::string> names;
    for (int i = 0; i < 10; ++i) names.push_back(random_label(rng, 14) + ".com");
    for (const char* host : {"i-a", "i-b"}) {
      for (int i = 0; i < 10; ++i) {
        const std::string name = same_names || std::string(host) == "i-a" ? names[i] : random_label(rng, 14) + ".com";
        Rec r{1'796'342'400'000 + i * 1000, host, name, name, i % 2 ? RcodeKind::kNxDomain : RcodeKind::kNoError};
        r.dga_score = 0.8f;
        feed.add(r);
      }
    }
    return feed.finish();
  };
  for (bool same : {false, true}) {
    std::vector<Finding> f = run(same);
    ASSERT_EQ(f.size(), 2u);
    for (const Finding& x : f) {
      EXPECT_NE(x.metrics_json.find(same ? "\"confidence_level\":\"HIGH\"" : "\"confidence_level\":\"LOW\""),
                std::string::npos)
          << x.metrics_json;
      if (same) EXPECT_NE(x.metrics_json.find("\"shared_names\":10,\"hosts_sharing\":2"), std::string::npos);
    }
  }
}

TEST(Footprinting, SequentialSweepFiresScatteredLookupsDoNot) {
  auto run = [](bool sequential) {
    Feed feed(only("footprinting"));
    for (int i = 0; i < 100; ++i) {
      Rec r{i * 1000, "i-3", "x.in-addr.arpa", "x.in-addr.arpa", RcodeKind::kNoError, kEventPtr | kEventReverseParsed};
      r.reverse_group = sequential ? 0x0a1407 : static_cast<std::uint64_t>(0x0a0000 + i * 7);
      r.reverse_host = static_cast<std::uint8_t>(sequential ? i + 1 : (i * 37) % 256);
      feed.add(r);
    }
    return feed.finish();
  };
  auto hit = run(true);
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_NE(hit[0].explanation.find("10.20.7.0/24"), std::string::npos) << hit[0].explanation;
  EXPECT_TRUE(run(false).empty());
}

TEST(Anomaly, ASpikeOverItsOwnBaselineFiresASteadyRateDoesNot) {
  auto run = [](int spike) {
    Feed feed(only("anomaly"));
    for (int hour = 0; hour < 12; ++hour) {
      const int n = hour == 10 ? spike : 100;
      for (int i = 0; i < n; ++i)
        feed.add({hour * 3600000LL + i * (3600000LL / n), "i-4", "a.example.com", "example.com"});
    }
    return feed.finish();
  };
  auto hit = run(1500);
  ASSERT_GE(hit.size(), 1u);  // the source and its VPC
  EXPECT_EQ(hit[0].type, FindingType::kVolumeAnomaly);
  EXPECT_NE(hit[0].explanation.find("queries 1500"), std::string::npos) << hit[0].explanation;
  EXPECT_TRUE(run(100).empty());
}

TEST(KeyedState, StaysUnderItsCapAndCountsEvictions) {
  DetectionConfig c = only("tunneling");
  c.tunneling.max_keys = 16;
  Feed feed(c);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 5000; ++i) {
    std::string domain = fmt::format("d{}.net", i % 500);
    feed.add({i * 100, "i-5", fmt::format("{}.{}", random_label(rng, 20), domain), domain});
  }
  feed.finish();
  DetectorStats s = feed.set().stats().at(0);
  EXPECT_LE(s.peak_keys, 16u);
  EXPECT_GT(s.evicted, 0u);
  EXPECT_EQ(s.keys, 0u);
}

TEST(HyperLogLog, EstimatesWithinItsError) {
  for (int n : {10, 1000, 100000}) {
    HyperLogLog h;
    std::mt19937_64 rng(static_cast<unsigned>(n));
    for (int i = 0; i < n; ++i) h.add(rng());
    EXPECT_NEAR(h.estimate(), n, 0.2 * n + 1) << n;
  }
}

TEST(FindingStore, RepeatsMergeIntoOneAnnouncedFinding) {
  FindingStore store(2);
  int announced = 0;
  store.set_announce([&](const Finding&) { ++announced; });
  Finding a;
  a.type = FindingType::kBeaconing;
  a.entity.source = "i-1";
  a.domain = "x.com";
  a.first_seen_ms = 100;
  a.last_seen_ms = 200;
  a.events = 5;
  a.score = 0.5;
  Finding b = a;
  b.first_seen_ms = 50;
  b.last_seen_ms = 300;
  b.score = 0.9;
  b.explanation = "stronger";
  store.emit(a);
  store.emit(b);
  Finding c = a;
  c.domain = "y.com";
  store.emit(c);
  Finding d = a;
  d.domain = "z.com";
  store.emit(d);  // past the cap
  auto all = store.sorted();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(announced, 2);
  EXPECT_EQ(all[0].first_seen_ms, 50);
  EXPECT_EQ(all[0].last_seen_ms, 300);
  EXPECT_EQ(all[0].events, 10u);
  EXPECT_EQ(all[0].occurrences, 2u);
  EXPECT_EQ(all[0].explanation, "stronger");
  EXPECT_EQ(store.stats().dropped, 1u);
}

// With a threshold, a finding is announced once, when it first reaches it: new, or raised by a repeat.
TEST(FindingStore, AnnouncesAFindingOnceWhenItFirstReachesTheThreshold) {
  FindingStore store;
  std::vector<std::string> announced;
  store.set_announce(
      [&](const Finding& f) { announced.push_back(f.domain + ":" + std::string(finding_severity_name(f.severity))); },
      FindingSeverity::kMedium);
  Finding low;
  low.type = FindingType::kDgaDomainRequest;
  low.entity.source = "i-1";
  low.domain = "a.com";
  low.severity = FindingSeverity::kLow;
  store.emit(low);
  store.emit(low);
  EXPECT_TRUE(announced.empty());
  Finding high = low;
  high.severity = FindingSeverity::kHigh;
  store.emit(high);  // the repeat raises a.com to high: announced now
  store.emit(low);
  store.emit(high);  // not again
  Finding medium = low;
  medium.domain = "b.com";
  medium.severity = FindingSeverity::kMedium;
  store.emit(medium);
  EXPECT_EQ(announced, (std::vector<std::string>{"a.com:high", "b.com:medium"}));
  EXPECT_EQ(store.size(), 2u);
}

TEST(DetectionConfig, ParsesValidatesAndPrintsEveryKey) {
  DetectionConfig c =
      DetectionConfig::parse("tunneling:\n  min_queries: 7\ndga:\n  score_threshold: 0.9\nlateness_seconds: 5\n", "t");
  EXPECT_EQ(c.tunneling.min_queries, 7u);
  EXPECT_DOUBLE_EQ(c.dga.score_threshold, 0.9);
  EXPECT_EQ(c.lateness_seconds, 5);
  DetectionConfig again = DetectionConfig::parse(c.to_yaml(), "round trip");
  EXPECT_EQ(again.to_yaml(), c.to_yaml());
  EXPECT_EQ(DetectionConfig::parse(R"({"beaconing": {"min_events": 20}})", "json").beaconing.min_events, 20u);
  auto error = [](std::string_view text) {
    try {
      (void)DetectionConfig::parse(text, "cfg.yaml");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kConfig);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("tunneling:\n  min_querys: 1\n").find("unknown key 'tunneling.min_querys'"), std::string::npos);
  EXPECT_NE(error("detectors:\n  x: 1\n").find("line 1, column 1: unknown key 'detectors'"), std::string::npos);
  EXPECT_NE(error("dga:\n  score_threshold: 1.5\n").find("dga.score_threshold"), std::string::npos);
  EXPECT_NE(error("tunneling:\n  min_queries: -3\n").find("tunneling.min_queries"), std::string::npos);
  EXPECT_NE(error("tunneling:\n  min_queries: lots\n").find("tunneling.min_queries"), std::string::npos);
  EXPECT_NE(error("beaconing:\n  min_events: 2\n").find("beaconing.min_events"), std::string::npos);
}

}  // namespace
}  // namespace dnslens
