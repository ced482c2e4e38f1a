#include "generate/log_generator.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "sinks/output_sink.hpp"

namespace dnslens {

namespace {

// xoshiro256** seeded by splitmix64: fast, deterministic across platforms.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& s : state_) {
      seed += 0x9e3779b97f4a7c15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> state_{};
};

constexpr std::array<std::string_view, 6> kRegions = {"us-east-1", "us-west-2", "eu-west-1",
                                                      "eu-central-1", "ap-southeast-2", "ap-northeast-1"};

// Popular destinations, weighted by position (earlier = more frequent).
constexpr std::array<std::string_view, 40> kPopular = {
    "s3.amazonaws.com", "dynamodb.{r}.amazonaws.com", "sts.amazonaws.com", "ssm.{r}.amazonaws.com",
    "ec2messages.{r}.amazonaws.com", "logs.{r}.amazonaws.com", "monitoring.{r}.amazonaws.com",
    "api.github.com", "github.com", "registry.npmjs.org", "pypi.org", "files.pythonhosted.org",
    "deb.debian.org", "security.ubuntu.com", "archive.ubuntu.com", "www.google.com", "oauth2.googleapis.com",
    "login.microsoftonline.com", "graph.microsoft.com", "api.datadoghq.com", "intake.logs.datadoghq.com",
    "hooks.slack.com", "api.stripe.com", "sentry.io", "o12345.ingest.sentry.io", "d1a2b3c4d5e6f7.cloudfront.net",
    "cdn.jsdelivr.net", "www.bbc.co.uk", "api.twilio.com", "auth0.com", "app.example-corp.com",
    "api.example-corp.com", "db.internal.example-corp.com", "kafka-1.internal.example-corp.com",
    "smtp.sendgrid.net", "www.amazon.co.jp", "time.aws.com", "ntp.ubuntu.com", "quay.io", "ghcr.io"};

constexpr std::array<std::string_view, 16> kWords = {"alpha", "billing", "cache", "data", "edge", "feed",
                                                     "gateway", "hub", "images", "jobs", "kv", "ledger",
                                                     "metrics", "node", "orders", "payments"};

const std::vector<std::string> kBadDomains = {"malware-delivery.ru", "phish-login-secure.com", "badcdn.top",
                                              "c2-beacon.xyz", "evil-tunnel.net", "cryptominer-pool.io"};

struct Source {
  int account;
  int vpc;
  std::string instance;   // empty for endpoint sources
  std::string endpoint;
  std::string eni;
  std::string ip;
};

struct Fleet {
  std::vector<std::string> account_ids;
  std::vector<std::string> vpc_ids;      // account * vpcs_per_account + vpc
  std::vector<std::string> vpc_regions;
  std::vector<Source> sources;
};

std::string hex_id(Rng& rng, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < digits; ++i) s.push_back(kHex[rng.below(16)]);
  return s;
}

Fleet build_fleet(const GeneratorConfig& c, Rng& rng) {
  Fleet f;
  for (int a = 0; a < c.accounts; ++a) {
    f.account_ids.push_back(fmt::format("{:012d}", 111122223333ull + static_cast<std::uint64_t>(a) * 100010001ull));
    for (int v = 0; v < c.vpcs_per_account; ++v) {
      f.vpc_ids.push_back("vpc-" + hex_id(rng, 17));
      f.vpc_regions.emplace_back(kRegions[static_cast<std::size_t>(a + v) % kRegions.size()]);
      int vpc_index = a * c.vpcs_per_account + v;
      for (int i = 0; i < c.instances_per_vpc; ++i) {
        f.sources.push_back(Source{a, vpc_index, "i-" + hex_id(rng, 17), "", "",
                                   fmt::format("10.{}.{}.{}", vpc_index, 1 + rng.below(8), 10 + rng.below(240))});
      }
      // An inbound resolver endpoint forwarding queries from on-premises.
      f.sources.push_back(Source{a, vpc_index, "", "rslvr-in-" + hex_id(rng, 17), "rni-" + hex_id(rng, 17),
                                 fmt::format("192.168.{}.{}", rng.below(255), 1 + rng.below(250))});
    }
  }
  return f;
}

struct Event {
  std::int64_t ms;
  std::size_t source;
  std::string name;
  std::string_view qtype;
  std::string_view rcode;
  std::string_view firewall_action;  // empty, BLOCK or ALERT
};

class Writer {
 public:
  Writer(const GeneratorConfig& c, const Fleet& f) : config_(c), fleet_(f) {
    if (c.s3_dir.empty()) sink_ = make_file_sink(c.output, compression_for_path(c.output));
    buf_.reserve(kFlush + 8192);
  }

  void record(Rng& rng, const Event& e) {
    const Source& s = fleet_.sources[e.source];
    std::string& o = s3_ ? s3_buffer(s, e.ms) : buf_;
    std::size_t start = o.size();
    CivilTime t = civil_from_ms(e.ms);
    o += "{\"version\":\"1.100000\",\"account_id\":\"";
    o += fleet_.account_ids[static_cast<std::size_t>(s.account)];
    o += "\",\"region\":\"";
    o += fleet_.vpc_regions[static_cast<std::size_t>(s.vpc)];
    o += "\",\"vpc_id\":\"";
    o += fleet_.vpc_ids[static_cast<std::size_t>(s.vpc)];
    fmt::format_to(std::back_inserter(o), "\",\"query_timestamp\":\"{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z\"",
                   t.year, t.month, t.day, t.hour, t.minute, t.second);
    o += ",\"query_name\":\"";
    o += e.name;
    o += ".\",\"query_type\":\"";
    o += e.qtype;
    o += "\",\"query_class\":\"IN\",\"rcode\":\"";
    o += e.rcode;
    o += "\",\"answers\":[";
    if (e.rcode == "NOERROR" && e.firewall_action != "BLOCK") answers(rng, e, o);
    o += "],\"srcaddr\":\"";
    o += s.ip;
    fmt::format_to(std::back_inserter(o), "\",\"srcport\":\"{}\",\"transport\":\"{}\",\"srcids\":{{", 1024 + rng.below(64000),
                   rng.chance(0.03) ? "TCP" : "UDP");
    if (!s.instance.empty()) {
      o += "\"instance\":\"";
      o += s.instance;
      o += '"';
    } else {
      o += "\"resolver_endpoint\":\"";
      o += s.endpoint;
      o += "\",\"resolver_network_interface\":\"";
      o += s.eni;
      o += '"';
    }
    o += '}';
    if (!e.firewall_action.empty()) {
      o += ",\"firewall_rule_action\":\"";
      o += e.firewall_action;
      o += "\",\"firewall_rule_group_id\":\"rslvr-frg-0a1b2c3d4e5f60718\",\"firewall_domain_list_id\":\"";
      o += e.firewall_action == "BLOCK" ? "rslvr-fdl-0badc0de0badc0de0" : "rslvr-fdl-0a1e77a1e77a1e77a";
      o += '"';
    }
    o += "}\n";
    bytes_ += o.size() - start;
    ++records_;
    if (!s3_ && buf_.size() >= kFlush) flush();
  }

  void finish() {
    flush();
    if (sink_) sink_->finish();
    for (auto& [key, file] : s3_files_) file.sink->write(file.buf), file.sink->finish();
  }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t records() const { return records_; }
  std::uint64_t files() const { return s3_ ? s3_files_.size() : 1; }

 private:
  static constexpr std::size_t kFlush = 4 << 20;

  void flush() {
    if (sink_ && !buf_.empty()) sink_->write(buf_);
    buf_.clear();
  }

  struct S3File {
    std::unique_ptr<OutputSink> sink;
    std::string buf;
  };

  // AWS's export layout: AWSLogs/<account>/vpcdnsquerylogs/<vpc>/YYYY/MM/DD/<file>.log.gz, one file
  // per VPC and hour here.
  std::string& s3_buffer(const Source& s, std::int64_t ms) {
    CivilTime t = civil_from_ms(ms);
    const std::string& account = fleet_.account_ids[static_cast<std::size_t>(s.account)];
    const std::string& vpc = fleet_.vpc_ids[static_cast<std::size_t>(s.vpc)];
    std::string key = fmt::format("{}/{}/{:04d}{:02d}{:02d}{:02d}", account, vpc, t.year, t.month, t.day, t.hour);
    auto it = s3_files_.find(key);
    if (it == s3_files_.end()) {
      std::string dir = fmt::format("{}/AWSLogs/{}/vpcdnsquerylogs/{}/{:04d}/{:02d}/{:02d}", config_.s3_dir, account,
                                    vpc, t.year, t.month, t.day);
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) throw Error(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
      std::string path = fmt::format("{}/{}_vpcdnsquerylogs_{}_{:04d}{:02d}{:02d}T{:02d}00Z_{:08x}.log.gz", dir, account,
                                     vpc, t.year, t.month, t.day, t.hour,
                                     static_cast<std::uint32_t>(std::hash<std::string>{}(key)));
      it = s3_files_.emplace(key, S3File{make_file_sink(path, Compression::kGzip), {}}).first;
    }
    if (it->second.buf.size() >= kFlush) {
      it->second.sink->write(it->second.buf);
      it->second.buf.clear();
    }
    return it->second.buf;
  }

  void answers(Rng& rng, const Event& e, std::string& o) {
    auto ipv4 = [&] {
      fmt::format_to(std::back_inserter(o), "{{\"Rdata\":\"{}.{}.{}.{}\",\"Type\":\"A\",\"Class\":\"IN\"}}",
                     3 + rng.below(220), rng.below(256), rng.below(256), 1 + rng.below(254));
    };
    if (e.qtype == "A") {
      int n = 1 + static_cast<int>(rng.below(3));
      if (rng.chance(0.2)) {
        fmt::format_to(std::back_inserter(o), "{{\"Rdata\":\"{}.edge.cdn-{}.net.\",\"Type\":\"CNAME\",\"Class\":\"IN\"}},",
                       kWords[rng.below(kWords.size())], rng.below(40));
      }
      for (int i = 0; i < n; ++i) {
        if (i) o += ',';
        ipv4();
      }
    } else if (e.qtype == "AAAA") {
      fmt::format_to(std::back_inserter(o), "{{\"Rdata\":\"2600:1f18:{:x}:{:x}::{:x}\",\"Type\":\"AAAA\",\"Class\":\"IN\"}}",
                     rng.below(65536), rng.below(65536), 1 + rng.below(65535));
    } else if (e.qtype == "PTR") {
      fmt::format_to(std::back_inserter(o), "{{\"Rdata\":\"ip-10-{}-{}-{}.ec2.internal.\",\"Type\":\"PTR\",\"Class\":\"IN\"}}",
                     rng.below(8), rng.below(256), rng.below(256));
    } else if (e.qtype == "TXT") {
      fmt::format_to(std::back_inserter(o), "{{\"Rdata\":\"\\\"v=spf1 include:_spf.{} ~all\\\"\",\"Type\":\"TXT\",\"Class\":\"IN\"}}",
                     e.name);
    } else if (e.qtype == "MX") {
      fmt::format_to(std::back_inserter(o), "{{\"Rdata\":\"10 mx.{}.\",\"Type\":\"MX\",\"Class\":\"IN\"}}", e.name);
    } else if (e.qtype == "SRV") {
      fmt::format_to(std::back_inserter(o), "{{\"Rdata\":\"0 5 443 {}.\",\"Type\":\"SRV\",\"Class\":\"IN\"}}", e.name);
    } else if (e.qtype == "HTTPS") {
      o += "{\"Rdata\":\"1 . alpn=h2,h3\",\"Type\":\"HTTPS\",\"Class\":\"IN\"}";
    }
  }

  const GeneratorConfig& config_;
  const Fleet& fleet_;
  std::unique_ptr<OutputSink> sink_;
  bool s3_ = !config_.s3_dir.empty();
  absl::flat_hash_map<std::string, S3File> s3_files_;
  std::string buf_;
  std::uint64_t bytes_ = 0;
  std::uint64_t records_ = 0;
};

std::string_view pick_qtype(Rng& rng) {
  double u = rng.unit();
  if (u < 0.56) return "A";
  if (u < 0.80) return "AAAA";
  if (u < 0.88) return "HTTPS";
  if (u < 0.92) return "TXT";
  if (u < 0.95) return "SRV";
  if (u < 0.97) return "MX";
  if (u < 0.99) return "CNAME";
  return "ANY";
}

// A background query at time ms.
Event background(Rng& rng, const Fleet& f, std::int64_t ms) {
  Event e{ms, rng.below(f.sources.size()), {}, pick_qtype(rng), "NOERROR", {}};
  const std::string& region = f.vpc_regions[static_cast<std::size_t>(f.sources[e.source].vpc)];
  double u = rng.unit();
  if (u < 0.05) {
    e.qtype = "PTR";
    e.name = fmt::format("{}.{}.{}.10.in-addr.arpa", 1 + rng.below(254), rng.below(256), rng.below(8));
    if (rng.chance(0.3)) e.rcode = "NXDOMAIN";
  } else if (u < 0.13) {
    e.qtype = "A";
    e.name = fmt::format("ip-10-{}-{}-{}.{}.compute.internal", rng.below(8), rng.below(256), rng.below(256), region);
  } else if (u < 0.135) {
    e.qtype = "A";
    e.name = "metadata.google.internal";  // APM agents probing for GCP
    e.rcode = "NXDOMAIN";
  } else if (u < 0.137) {
    e.qtype = "A";
    e.name = "does-not-exist.example.com";  // cloud-init's DNS-interception check
    e.rcode = "NXDOMAIN";
  } else if (u < 0.20) {
    // Long tail of corporate / SaaS subdomains.
    e.name = fmt::format("{}-{}.{}.example-corp.com", kWords[rng.below(kWords.size())], rng.below(500),
                         kWords[rng.below(kWords.size())]);
    if (rng.chance(0.04)) e.rcode = "NXDOMAIN";
  } else {
    // Zipf-like pick over the popular list.
    double z = rng.unit();
    std::size_t idx = static_cast<std::size_t>(static_cast<double>(kPopular.size()) * z * z * z);
    std::string name(kPopular[std::min(idx, kPopular.size() - 1)]);
    if (auto pos = name.find("{r}"); pos != std::string::npos) name.replace(pos, 3, region);
    e.name = std::move(name);
    double r = rng.unit();
    if (r < 0.01) e.rcode = "SERVFAIL";
    else if (r < 0.02) e.rcode = "NXDOMAIN";
  }
  return e;
}

std::string dga_name(Rng& rng) {
  static constexpr std::string_view kTlds[] = {"com", "net", "info", "org", "biz", "ru"};
  std::string s;
  int len = 10 + static_cast<int>(rng.below(12));
  for (int i = 0; i < len; ++i) s.push_back(static_cast<char>('a' + rng.below(26)));
  s += '.';
  s += kTlds[rng.below(std::size(kTlds))];
  return s;
}

std::string base32_label(Rng& rng, int len) {
  static constexpr char kB32[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string s;
  for (int i = 0; i < len; ++i) s.push_back(kB32[rng.below(32)]);
  return s;
}

std::vector<Event> planted_events(Rng& rng, const Fleet& f, std::int64_t start, std::int64_t span_ms) {
  std::vector<Event> ev;
  auto pick_instance = [&] {
    while (true) {
      std::size_t s = rng.below(f.sources.size());
      if (!f.sources[s].instance.empty()) return s;
    }
  };
  // DGA burst: 300 random-looking names in 5 minutes, mostly NXDOMAIN.
  {
    std::size_t src = pick_instance();
    std::int64_t t0 = start + span_ms / 3;
    for (int i = 0; i < 300; ++i) {
      ev.push_back({t0 + static_cast<std::int64_t>(rng.below(300000)), src, dga_name(rng), "A",
                    rng.chance(0.85) ? "NXDOMAIN" : "NOERROR", {}});
    }
  }
  // Tunneling / exfiltration: 600 TXT queries with base32 chunks under evil-tunnel.net in 20 minutes.
  {
    std::size_t src = pick_instance();
    std::int64_t t0 = start + span_ms / 2;
    for (int i = 0; i < 600; ++i) {
      ev.push_back({t0 + static_cast<std::int64_t>(rng.below(1200000)), src,
                    fmt::format("{}.{}.{}.t.evil-tunnel.net", base32_label(rng, 52), base32_label(rng, 40), i),
                    rng.chance(0.7) ? "TXT" : "CNAME", "NOERROR", {}});
    }
  }
  // Beaconing: every 60 s (+-3 s jitter) for the whole period to c2-beacon.xyz, alerted by the firewall.
  {
    std::size_t src = pick_instance();
    for (std::int64_t t = start + 30000; t < start + span_ms; t += 60000) {
      ev.push_back({t + static_cast<std::int64_t>(rng.below(6000)) - 3000, src, "update.c2-beacon.xyz", "A", "NOERROR",
                    "ALERT"});
    }
  }
  // Reverse-DNS sweep: PTR for a whole /24 in two minutes, mostly NXDOMAIN.
  {
    std::size_t src = pick_instance();
    std::int64_t t0 = start + 2 * span_ms / 3;
    for (int host = 1; host < 255; ++host) {
      ev.push_back({t0 + host * 450, src, fmt::format("{}.7.20.10.in-addr.arpa", host), "PTR",
                    rng.chance(0.8) ? "NXDOMAIN" : "NOERROR", {}});
    }
  }
  // Known-bad domains, a few each, some blocked by the firewall.
  for (const auto& bad : kBadDomains) {
    if (bad == "evil-tunnel.net" || bad == "c2-beacon.xyz") continue;
    for (int i = 0; i < 5; ++i) {
      ev.push_back({start + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span_ms))), pick_instance(),
                    fmt::format("{}.{}", kWords[rng.below(kWords.size())], bad), "A",
                    i % 2 ? "NXDOMAIN" : "NOERROR", std::string_view(i % 2 ? "BLOCK" : "")});
    }
  }
  std::sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.ms < b.ms; });
  return ev;
}

}  // namespace

void GeneratorConfig::validate() const {
  if (hours < 1 || hours > 24 * 366) throw Error(ErrorCode::kUsage, "--hours must be between 1 and 8784");
  if (accounts < 1 || accounts > 100 || vpcs_per_account < 1 || vpcs_per_account > 100 || instances_per_vpc < 1 ||
      instances_per_vpc > 10000) {
    throw Error(ErrorCode::kUsage, "fleet size out of range (accounts/VPCs <= 100, instances <= 10000)");
  }
  if (records == 0 && target_bytes == 0) throw Error(ErrorCode::kUsage, "--records or --bytes must be positive");
}

const std::vector<std::string>& planted_bad_domains() { return kBadDomains; }

GeneratorStats generate_logs(const GeneratorConfig& config) {
  config.validate();
  Rng rng(config.seed);
  Fleet fleet = build_fleet(config, rng);
  std::int64_t start = config.start_ms;
  if (start == 0) {
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    start = (now_ms / 86400000 - 1) * 86400000;
  }
  const std::int64_t span = static_cast<std::int64_t>(config.hours) * 3600000;
  std::vector<Event> planted = config.plant ? planted_events(rng, fleet, start, span) : std::vector<Event>{};
  // With a byte target, estimate the count from the average record size (~470 bytes).
  std::uint64_t total = config.target_bytes ? config.target_bytes / 470 + 1 : config.records;
  Writer writer(config, fleet);
  std::size_t next_planted = 0;
  for (std::uint64_t i = 0; i < total || (config.target_bytes && writer.bytes() < config.target_bytes); ++i) {
    std::int64_t ms = start + static_cast<std::int64_t>(static_cast<double>(span) * static_cast<double>(std::min(i, total)) /
                                                        static_cast<double>(total));
    while (next_planted < planted.size() && planted[next_planted].ms <= ms) writer.record(rng, planted[next_planted++]);
    writer.record(rng, background(rng, fleet, ms));
  }
  while (next_planted < planted.size()) writer.record(rng, planted[next_planted++]);
  writer.finish();
  if (!config.interesting_out.empty()) {
    auto sink = make_file_sink(config.interesting_out, Compression::kNone);
    std::string text = "# known-bad domains planted by dnslens generate\n";
    for (const auto& d : kBadDomains) text += d + "\n";
    sink->write(text);
    sink->finish();
  }
  return GeneratorStats{writer.records(), writer.bytes(), planted.size(), writer.files()};
}

}  // namespace dnslens
