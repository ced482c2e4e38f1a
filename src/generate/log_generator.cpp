#include "generate/log_generator.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <charconv>
#include <filesystem>
#include <memory>
#include <string_view>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>
#include <xxhash.h>

#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "detect/dga/dga_families.hpp"
#include "io/output_sink.hpp"

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

constexpr std::array<std::string_view, 6> kRegions = {"us-east-1",    "us-west-2",      "eu-west-1",
                                                      "eu-central-1", "ap-southeast-2", "ap-northeast-1"};

// Popular destinations, weighted by position (earlier = more frequent).
constexpr std::array<std::string_view, 40> kPopular = {"s3.amazonaws.com",
                                                       "dynamodb.{r}.amazonaws.com",
                                                       "sts.amazonaws.com",
                                                       "ssm.{r}.amazonaws.com",
                                                       "ec2messages.{r}.amazonaws.com",
                                                       "logs.{r}.amazonaws.com",
                                                       "monitoring.{r}.amazonaws.com",
                                                       "api.github.com",
                                                       "github.com",
                                                       "registry.npmjs.org",
                                                       "pypi.org",
                                                       "files.pythonhosted.org",
                                                       "deb.debian.org",
                                                       "security.ubuntu.com",
                                                       "archive.ubuntu.com",
                                                       "www.google.com",
                                                       "oauth2.googleapis.com",
                                                       "login.microsoftonline.com",
                                                       "graph.microsoft.com",
                                                       "api.datadoghq.com",
                                                       "intake.logs.datadoghq.com",
                                                       "hooks.slack.com",
                                                       "api.stripe.com",
                                                       "sentry.io",
                                                       "o12345.ingest.sentry.io",
                                                       "d1a2b3c4d5e6f7.cloudfront.net",
                                                       "cdn.jsdelivr.net",
                                                       "www.bbc.co.uk",
                                                       "api.twilio.com",
                                                       "auth0.com",
                                                       "app.example-corp.com",
                                                       "api.example-corp.com",
                                                       "db.internal.example-corp.com",
                                                       "kafka-1.internal.example-corp.com",
                                                       "smtp.sendgrid.net",
                                                       "www.amazon.co.jp",
                                                       "time.aws.com",
                                                       "ntp.ubuntu.com",
                                                       "quay.io",
                                                       "ghcr.io"};

constexpr std::array<std::string_view, 16> kWords = {"alpha",   "billing", "cache",  "data",    "edge", "feed",
                                                     "gateway", "hub",     "images", "jobs",    "kv",   "ledger",
                                                     "metrics", "node",    "orders", "payments"};

const std::vector<std::string> kBadDomains = {"malware-delivery.ru", "phish-login-secure.com", "badcdn.top",
                                              "c2-beacon.xyz",       "evil-tunnel.net",        "cryptominer-pool.io"};

struct Source {
  int account;
  int vpc;
  std::string instance;  // empty for endpoint sources
  std::string endpoint;
  std::string eni;
  std::string ip;
};

struct Fleet {
  std::vector<std::string> account_ids;
  std::vector<std::string> vpc_ids;  // account * vpcs_per_account + vpc
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

// Networks answers resolve into: real, routed provider prefixes, so geo and AS panels look as they do on
// real traffic. A name always resolves into the same few addresses of one network (chosen by its hash),
// with round-robin among them; AWS, Google and Microsoft names stay on their own networks.
struct AnswerNetwork {
  std::uint32_t base;  // first address
  std::uint32_t size;  // addresses in the prefix
  std::uint32_t weight;
};
constexpr std::uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}
constexpr std::array<AnswerNetwork, 9> kAwsNetworks{{
    {ip4(52, 0, 0, 0), 1u << 21, 30},
    {ip4(54, 144, 0, 0), 1u << 20, 20},
    {ip4(3, 208, 0, 0), 1u << 20, 15},
    {ip4(18, 184, 0, 0), 1u << 17, 8},
    {ip4(13, 112, 0, 0), 1u << 18, 6},
    {ip4(18, 130, 0, 0), 1u << 16, 6},
    {ip4(13, 232, 0, 0), 1u << 18, 5},
    {ip4(54, 252, 0, 0), 1u << 16, 5},
    {ip4(18, 228, 0, 0), 1u << 16, 5},
}};
constexpr std::array<AnswerNetwork, 2> kGoogleNetworks{
    {{ip4(142, 250, 0, 0), 1u << 17, 3}, {ip4(172, 217, 0, 0), 1u << 16, 2}}};
constexpr std::array<AnswerNetwork, 2> kMicrosoftNetworks{
    {{ip4(20, 33, 0, 0), 1u << 16, 1}, {ip4(40, 64, 0, 0), 1u << 22, 2}}};
constexpr std::array<AnswerNetwork, 16> kOtherNetworks{{
    {ip4(104, 16, 0, 0), 1u << 19, 20},    // Cloudflare
    {ip4(172, 64, 0, 0), 1u << 19, 10},    // Cloudflare
    {ip4(151, 101, 0, 0), 1u << 16, 10},   // Fastly
    {ip4(23, 32, 0, 0), 1u << 21, 12},     // Akamai
    {ip4(2, 16, 0, 0), 1u << 19, 5},       // Akamai (Europe)
    {ip4(13, 224, 0, 0), 1u << 18, 10},    // CloudFront
    {ip4(88, 198, 0, 0), 1u << 16, 4},     // Hetzner
    {ip4(51, 68, 0, 0), 1u << 16, 4},      // OVH
    {ip4(128, 199, 0, 0), 1u << 16, 3},    // DigitalOcean
    {ip4(77, 88, 0, 0), 1u << 14, 2},      // Yandex
    {ip4(47, 74, 0, 0), 1u << 17, 3},      // Alibaba Cloud
    {ip4(43, 128, 0, 0), 1u << 20, 2},     // Tencent Cloud
    {ip4(185, 220, 100, 0), 1u << 10, 1},  // small hosting networks
    {ip4(91, 219, 236, 0), 1u << 10, 1},
    {ip4(177, 71, 0, 0), 1u << 16, 2},   // Brazil
    {ip4(200, 160, 0, 0), 1u << 12, 1},  // South America
}};

template <std::size_t N>
const AnswerNetwork& pick_network(const std::array<AnswerNetwork, N>& networks, std::uint64_t h) {
  std::uint32_t total = 0;
  for (const auto& n : networks) total += n.weight;
  std::uint32_t x = static_cast<std::uint32_t>(h % total);
  for (const auto& n : networks) {
    if (x < n.weight) return n;
    x -= n.weight;
  }
  return networks.back();
}

// Parses the address an EC2 private DNS name spells ("ip-10-1-2-3.ec2.internal").
std::optional<std::uint32_t> spelled_address(std::string_view name) {
  if (!name.starts_with("ip-")) return std::nullopt;
  std::uint32_t address = 0;
  const char* p = name.data() + 3;
  const char* end = name.data() + name.size();
  for (int part = 0; part < 4; ++part) {
    unsigned value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || value > 255 || next == end || *next != (part < 3 ? '-' : '.')) return std::nullopt;
    address = (address << 8) | value;
    p = next + 1;
  }
  return address;
}

// The addresses a name resolves to, stable so the same domain resolves alike all day: the VPC address
// an EC2 private DNS name spells (just that one), else a block of four in one network chosen by the
// name's hash, among which round-robin DNS rotates.
struct AnswerBlock {
  std::uint32_t first;
  bool single;
};

AnswerBlock answer_block(std::string_view name) {
  const std::uint64_t h = XXH3_64bits(name.data(), name.size());
  if (name.find(".internal") != std::string_view::npos) {
    const auto spelled = spelled_address(name);
    return {spelled ? *spelled : ip4(10, 0, 0, 0) + static_cast<std::uint32_t>(h % (1u << 24)), true};
  }
  const AnswerNetwork* net;
  // The company's own public names (example-corp.com) are hosted where the company runs: on AWS.
  if (name.find("amazonaws.com") != std::string_view::npos || name.find("aws") != std::string_view::npos ||
      name.ends_with("example-corp.com")) {
    net = &pick_network(kAwsNetworks, h);
  } else if (name.find("google") != std::string_view::npos || name.find("gstatic") != std::string_view::npos) {
    net = &pick_network(kGoogleNetworks, h);
  } else if (name.find("microsoft") != std::string_view::npos || name.find("windows") != std::string_view::npos ||
             name.find("azure") != std::string_view::npos) {
    net = &pick_network(kMicrosoftNetworks, h);
  } else {
    net = &pick_network(kOtherNetworks, h);
  }
  const std::uint32_t offset = static_cast<std::uint32_t>((h >> 24) % (net->size - 8)) & ~3u;
  return {net->base + 1 + offset, false};
}

struct Event {
  std::int64_t ms;
  std::size_t source;
  std::string name;
  std::string_view qtype;
  std::string_view rcode;
  std::string_view firewall_action;  // empty, BLOCK or ALERT
  std::string answer = {};           // when set: the one answer's Rdata (of type qtype) instead of made-up ones
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
    if (e.rcode == "NOERROR" && e.firewall_action != "BLOCK") {
      if (e.answer.empty()) {
        answers(rng, e, o);
      } else {
        o += "{\"Rdata\":\"";
        o += e.answer;
        o += "\",\"Type\":\"";
        o += e.qtype;
        o += "\",\"Class\":\"IN\"}";
      }
    }
    o += "],\"srcaddr\":\"";
    o += s.ip;
    fmt::format_to(std::back_inserter(o), "\",\"srcport\":\"{}\",\"transport\":\"{}\",\"srcids\":{{",
                   1024 + rng.below(64000), rng.chance(0.03) ? "TCP" : "UDP");
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
      std::string path =
          fmt::format("{}/{}_vpcdnsquerylogs_{}_{:04d}{:02d}{:02d}T{:02d}00Z_{:08x}.log.gz", dir, account, vpc, t.year,
                      t.month, t.day, t.hour, static_cast<std::uint32_t>(std::hash<std::string>{}(key)));
      it = s3_files_.emplace(key, S3File{make_file_sink(path, Compression::kGzip), {}}).first;
    }
    if (it->second.buf.size() >= kFlush) {
      it->second.sink->write(it->second.buf);
      it->second.buf.clear();
    }
    return it->second.buf;
  }

  void answers(Rng& rng, const Event& e, std::string& o) {
    const unsigned rotation = static_cast<unsigned>(rng.below(4));  // round-robin DNS
    if (e.qtype == "A") {
      const AnswerBlock block = answer_block(e.name);
      int n = 1 + static_cast<int>(rng.below(3));
      if (block.single) n = 1;
      if (rng.chance(0.2)) {
        fmt::format_to(std::back_inserter(o),
                       "{{\"Rdata\":\"{}.edge.cdn-{}.net.\",\"Type\":\"CNAME\",\"Class\":\"IN\"}},",
                       kWords[rng.below(kWords.size())], rng.below(40));
      }
      for (int i = 0; i < n; ++i) {
        const std::uint32_t a = block.single ? block.first : block.first + (rotation + static_cast<unsigned>(i)) % 4;
        fmt::format_to(std::back_inserter(o), "{}{{\"Rdata\":\"{}.{}.{}.{}\",\"Type\":\"A\",\"Class\":\"IN\"}}",
                       i ? "," : "", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
      }
    } else if (e.qtype == "AAAA") {
      fmt::format_to(std::back_inserter(o),
                     "{{\"Rdata\":\"2600:1f18:{:x}:{:x}::{:x}\",\"Type\":\"AAAA\",\"Class\":\"IN\"}}", rng.below(65536),
                     rng.below(65536), 1 + rng.below(65535));
    } else if (e.qtype == "PTR") {
      fmt::format_to(std::back_inserter(o),
                     "{{\"Rdata\":\"ip-10-{}-{}-{}.ec2.internal.\",\"Type\":\"PTR\",\"Class\":\"IN\"}}", rng.below(8),
                     rng.below(256), rng.below(256));
    } else if (e.qtype == "TXT") {
      fmt::format_to(std::back_inserter(o),
                     "{{\"Rdata\":\"\\\"v=spf1 include:_spf.{} ~all\\\"\",\"Type\":\"TXT\",\"Class\":\"IN\"}}", e.name);
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
    if (r < 0.01)
      e.rcode = "SERVFAIL";
    else if (r < 0.02)
      e.rcode = "NXDOMAIN";
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
      ev.push_back({t0 + static_cast<std::int64_t>(rng.below(300000)),
                    src,
                    dga_name(rng),
                    "A",
                    rng.chance(0.85) ? "NXDOMAIN" : "NOERROR",
                    {}});
    }
  }
  // Tunneling / exfiltration: 600 TXT queries with base32 chunks under evil-tunnel.net in 20 minutes.
  {
    std::size_t src = pick_instance();
    std::int64_t t0 = start + span_ms / 2;
    for (int i = 0; i < 600; ++i) {
      ev.push_back({t0 + static_cast<std::int64_t>(rng.below(1200000)),
                    src,
                    fmt::format("{}.{}.{}.t.evil-tunnel.net", base32_label(rng, 52), base32_label(rng, 40), i),
                    rng.chance(0.7) ? "TXT" : "CNAME",
                    "NOERROR",
                    {}});
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
      ev.push_back({t0 + host * 450,
                    src,
                    fmt::format("{}.7.20.10.in-addr.arpa", host),
                    "PTR",
                    rng.chance(0.8) ? "NXDOMAIN" : "NOERROR",
                    {}});
    }
  }
  // DNS rebinding: a web application made to fetch URLs whose names resolve to the metadata service.
  {
    std::size_t src = pick_instance();
    std::int64_t t0 = start + 3 * span_ms / 5;
    for (int i = 0; i < 4; ++i) {
      ev.push_back({t0 + i * 20000,
                    src,
                    fmt::format("{}.rebind-probe.net", base32_label(rng, 8)),
                    "A",
                    "NOERROR",
                    {},
                    "169.254.169.254"});
    }
  }
  // Malware still calling its botnet's domain, taken down and answering 0.0.0.0.
  {
    std::size_t src = pick_instance();
    for (int i = 0; i < 12; ++i) {
      ev.push_back({start + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span_ms))),
                    src,
                    "cdn.sinkholed-botnet.info",
                    "A",
                    "NOERROR",
                    {},
                    "0.0.0.0"});
    }
  }
  // A dynamic-DNS hostname an instance fetches from now and then.
  {
    std::size_t src = pick_instance();
    for (int i = 0; i < 6; ++i) {
      ev.push_back({start + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span_ms))),
                    src,
                    "files-7.duckdns.org",
                    "A",
                    "NOERROR",
                    {},
                    "203.0.113.77"});
    }
  }
  // Known-bad domains, a few each, some blocked by the firewall.
  for (const auto& bad : kBadDomains) {
    if (bad == "evil-tunnel.net" || bad == "c2-beacon.xyz") continue;
    for (int i = 0; i < 5; ++i) {
      ev.push_back({start + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span_ms))), pick_instance(),
                    fmt::format("{}.{}", kWords[rng.below(kWords.size())], bad), "A", i % 2 ? "NXDOMAIN" : "NOERROR",
                    std::string_view(i % 2 ? "BLOCK" : "")});
    }
  }
  std::sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.ms < b.ms; });
  return ev;
}

// ---------------------------------------------------------------------------------------------
// Scenarios with ground truth, and benign look-alikes

// A VPC that logs nothing from `from` to `to` (every record of its sources in between is dropped).
struct LogGap {
  int vpc;
  std::int64_t from_ms, to_ms;
};

struct ScenarioPlan {
  std::vector<Event> events;
  std::vector<PlantedScenario> truth;
  std::vector<LogGap> gaps;
};

std::string word_label(Rng& rng) {
  return std::string(kWords[rng.below(kWords.size())]) + std::string(kWords[rng.below(kWords.size())]);
}

std::int64_t jitter(Rng& rng, std::int64_t spread_ms) {
  return spread_ms > 0 ? static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(2 * spread_ms + 1))) - spread_ms
                       : 0;
}

void plant_scenario(Rng& rng, const Fleet& f, std::size_t src, const ScenarioSpec& spec, std::int64_t t0,
                    double base_per_hour, ScenarioPlan& plan) {
  PlantedScenario truth{spec.kind,
                        spec.intensity,
                        f.sources[src].instance,
                        f.vpc_ids[static_cast<std::size_t>(f.sources[src].vpc)],
                        {},
                        t0,
                        t0,
                        0};
  const int level = static_cast<int>(spec.intensity);
  auto add = [&](std::int64_t ms, std::string name, std::string_view qtype, std::string_view rcode,
                 std::string answer = {}) {
    if (spec.kind == ScenarioKind::kDga || spec.kind == ScenarioKind::kTunneling ||
        spec.kind == ScenarioKind::kSlowTunneling)
      truth.names.push_back(name);
    plan.events.push_back({ms, src, std::move(name), qtype, rcode, {}, std::move(answer)});
    truth.end_ms = std::max(truth.end_ms, ms);
    truth.start_ms = std::min(truth.start_ms, ms);
    ++truth.records;
  };
  switch (spec.kind) {
    case ScenarioKind::kDga: {
      static constexpr int kNames[] = {6, 25, 300};
      static constexpr std::int64_t kSpanMin[] = {30, 10, 5};
      static constexpr DgaFamily kFamilies[] = {DgaFamily::kNecurs, DgaFamily::kRamnit, DgaFamily::kKraken};
      auto names =
          generate_dga_domains(kFamilies[rng.below(3)], rng.next() % 20000, static_cast<std::size_t>(kNames[level]));
      for (auto& n : names) {
        add(t0 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(kSpanMin[level] * 60000))),
            std::move(n), "A", rng.chance(0.9) ? "NXDOMAIN" : "NOERROR");
      }
      break;
    }
    case ScenarioKind::kTunneling: {
      static constexpr int kQueries[] = {30, 150, 1000};
      static constexpr std::int64_t kSpanMin[] = {60, 30, 20};
      static constexpr int kChunk[] = {16, 36, 50};
      truth.domain = fmt::format("{}-{}.net", word_label(rng), rng.below(1000));
      for (int i = 0; i < kQueries[level]; ++i) {
        std::string name = base32_label(rng, kChunk[level]);
        if (level == 2) name += "." + base32_label(rng, kChunk[level]);
        add(t0 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(kSpanMin[level] * 60000))),
            fmt::format("{}.{}.{}", name, i, truth.domain), rng.chance(0.7) ? "TXT" : "A", "NOERROR");
      }
      break;
    }
    case ScenarioKind::kBeaconing: {
      static constexpr std::int64_t kPeriodS[] = {1800, 300, 60};
      static constexpr std::int64_t kJitterS[] = {90, 10, 3};
      static constexpr double kMissed[] = {0.0, 0.2, 0.05};
      static constexpr std::int64_t kHours[] = {7, 6, 12};
      truth.domain = fmt::format("{}.{}{}.xyz", rng.chance(0.5) ? "update" : "api", word_label(rng), rng.below(100));
      for (std::int64_t t = t0; t < t0 + kHours[level] * 3600000; t += kPeriodS[level] * 1000) {
        if (rng.chance(kMissed[level])) continue;
        add(t + jitter(rng, kJitterS[level] * 1000), truth.domain, "A", "NOERROR");
      }
      break;
    }
    case ScenarioKind::kSweep: {
      static constexpr int kHosts[] = {20, 64, 254};
      static constexpr std::int64_t kSpanS[] = {600, 300, 120};
      const std::uint64_t b = 100 + rng.below(100), c = rng.below(256);
      const int first = 1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(255 - kHosts[level])));
      for (int h = 0; h < kHosts[level]; ++h) {
        add(t0 + kSpanS[level] * 1000 * h / kHosts[level], fmt::format("{}.{}.{}.10.in-addr.arpa", first + h, c, b),
            "PTR", rng.chance(0.7) ? "NXDOMAIN" : "NOERROR");
      }
      truth.domain = fmt::format("10.{}.{}.0/24", b, c);
      break;
    }
    case ScenarioKind::kMetadataRebind: {
      // An application made to fetch URLs whose names resolve to the metadata service (a rebinding
      // service's names, or the attacker's own domain).
      static constexpr int kLookups[] = {1, 3, 30};
      truth.domain = fmt::format("{}{}.com", word_label(rng), rng.below(100));
      for (int i = 0; i < kLookups[level]; ++i) {
        const bool v6 = i % 3 == 2;
        add(t0 + static_cast<std::int64_t>(rng.below(600000)), fmt::format("{}.{}", base32_label(rng, 8), truth.domain),
            v6 ? "AAAA" : "A", "NOERROR", v6 ? "fd00:ec2::254" : "169.254.169.254");
      }
      break;
    }
    case ScenarioKind::kBlackhole: {
      // Malware still calling a domain that was taken down and now resolves to 0.0.0.0.
      static constexpr int kQueries[] = {1, 5, 50};
      static constexpr std::int64_t kSpanMin[] = {1, 60, 240};
      truth.domain = fmt::format("{}-{}.info", word_label(rng), rng.below(1000));
      const std::string name = "api." + truth.domain;
      for (int i = 0; i < kQueries[level]; ++i) {
        add(t0 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(kSpanMin[level] * 60000))), name, "A",
            "NOERROR", "0.0.0.0");
      }
      break;
    }
    case ScenarioKind::kLowReputation: {
      // low: one lookup of a dynamic-DNS name; moderate: a quick tunnel looked up over an hour; high:
      // callbacks of injected payloads to an out-of-band testing service.
      static constexpr int kQueries[] = {1, 12, 40};
      static constexpr std::int64_t kSpanMin[] = {1, 60, 30};
      static constexpr std::string_view kProvider[] = {"duckdns.org", "trycloudflare.com", "oast.fun"};
      const std::string host = level == 2   ? std::string()
                               : level == 1 ? fmt::format("{}-{}-{}", kWords[rng.below(kWords.size())],
                                                          kWords[rng.below(kWords.size())], rng.below(100))
                                            : fmt::format("{}{}", word_label(rng), rng.below(100));
      truth.domain = kProvider[level];
      for (int i = 0; i < kQueries[level]; ++i) {
        std::string name = level == 2 ? fmt::format("{}.{}", base32_label(rng, 20), kProvider[2])
                                      : fmt::format("{}.{}", host, kProvider[level]);
        add(t0 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(kSpanMin[level] * 60000))),
            std::move(name), "A", "NOERROR", fmt::format("203.0.113.{}", 1 + rng.below(254)));
      }
      break;
    }
    case ScenarioKind::kLogGap:
      break;  // planned with the others' times known (plan_log_gap)
    case ScenarioKind::kSlowTunneling: {
      // Encoded chunks to several domains, a few an hour: under every hourly threshold.
      static constexpr int kQueries[] = {40, 90, 240};
      static constexpr int kDomains[] = {1, 4, 3};
      static constexpr int kChunk[] = {24, 40, 50};
      static constexpr std::int64_t kHours[] = {6, 5, 8};
      std::vector<std::string> domains;
      for (int d = 0; d < kDomains[level]; ++d)
        domains.push_back(fmt::format("{}-{}.{}", word_label(rng), rng.below(1000), d % 2 ? "com" : "net"));
      truth.domain = domains.front();
      for (int i = 0; i < kQueries[level]; ++i) {
        add(t0 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(kHours[level] * 3600000))),
            fmt::format("{}.{}", base32_label(rng, kChunk[level]),
                        domains[static_cast<std::size_t>(i) % domains.size()]),
            rng.chance(0.5) ? "TXT" : "A", "NOERROR");
      }
      break;
    }
    case ScenarioKind::kAnomaly: {
      // Extra queries for an hour, a multiple of the source's usual rate, to a name that does not exist.
      static constexpr double kFactor[] = {1.0, 6.0, 20.0};
      const auto extra = static_cast<std::int64_t>(kFactor[level] * base_per_hour);
      const std::string name = fmt::format("{}-primary.db.internal.example-corp.com", kWords[rng.below(kWords.size())]);
      for (std::int64_t i = 0; i < extra; ++i)
        add(t0 + static_cast<std::int64_t>(rng.below(3600000)), name, "A", "NXDOMAIN");
      break;
    }
  }
  plan.truth.push_back(std::move(truth));
}

void plant_benign_stressors(Rng& rng, const Fleet& f, std::int64_t start, std::int64_t span,
                            std::vector<std::size_t>& spare, ScenarioPlan& plan) {
  auto take = [&] {
    std::size_t s = spare.back();
    spare.pop_back();
    return s;
  };
  // Every instance's management agent polls its regional endpoint every 5 minutes.
  for (std::size_t s = 0; s < f.sources.size(); ++s) {
    if (f.sources[s].instance.empty()) continue;
    const std::string& region = f.vpc_regions[static_cast<std::size_t>(f.sources[s].vpc)];
    const std::int64_t phase = static_cast<std::int64_t>(rng.below(300000));
    for (std::int64_t t = start + phase; t < start + span; t += 300000) {
      plan.events.push_back(
          {t + jitter(rng, 15000), s, fmt::format("ssm.{}.amazonaws.com", region), "A", "NOERROR", {}});
    }
  }
  const std::int64_t hours = span / 3600000;
  // A mail relay checking client addresses against DNS blocklists (reversed address labels).
  if (!spare.empty()) {
    std::size_t mail = take();
    for (std::int64_t i = 0; i < 150 * hours; ++i) {
      plan.events.push_back({start + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span))),
                             mail,
                             fmt::format("{}.{}.{}.{}.zen.spamhaus.org", rng.below(256), rng.below(256), rng.below(256),
                                         1 + rng.below(223)),
                             "A",
                             rng.chance(0.9) ? "NXDOMAIN" : "NOERROR",
                             {}});
    }
  }
  // Endpoint protection asking a hash-reputation service about files (40 hex characters per name).
  for (int k = 0; k < 2 && !spare.empty(); ++k) {
    std::size_t av = take();
    for (std::int64_t i = 0; i < 60 * hours; ++i) {
      plan.events.push_back({start + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span))),
                             av,
                             fmt::format("{}.malware.hash.cymru.com", hex_id(rng, 40)),
                             "TXT",
                             "NXDOMAIN",
                             {}});
    }
  }
  // Web front ends fetching assets from many CloudFront distributions (hex-looking labels).
  for (int k = 0; k < 3 && !spare.empty(); ++k) {
    std::size_t web = take();
    for (std::int64_t i = 0; i < 40 * hours; ++i) {
      plan.events.push_back({start + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span))),
                             web,
                             fmt::format("d{}.cloudfront.net", base32_label(rng, 13)),
                             "A",
                             "NOERROR",
                             {}});
    }
  }
  // A log pipeline resolving client addresses: many PTRs, scattered, mostly answered.
  if (!spare.empty()) {
    std::size_t logs = take();
    for (std::int64_t i = 0; i < 120 * hours; ++i) {
      plan.events.push_back({start + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span))),
                             logs,
                             fmt::format("{}.{}.{}.{}.in-addr.arpa", 1 + rng.below(254), rng.below(256), rng.below(256),
                                         1 + rng.below(223)),
                             "PTR",
                             rng.chance(0.25) ? "NXDOMAIN" : "NOERROR",
                             {}});
    }
  }
  // Browsers behind the inbound endpoints probing for DNS hijacking with random single labels.
  for (std::size_t s = 0; s < f.sources.size(); ++s) {
    if (!f.sources[s].instance.empty()) continue;
    for (std::int64_t i = 0; i < 6 * hours; ++i) {
      std::string label;
      const std::uint64_t len = 7 + rng.below(9);
      for (std::uint64_t j = 0; j < len; ++j) label.push_back(static_cast<char>('a' + rng.below(26)));
      plan.events.push_back({start + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span))),
                             s,
                             label,
                             "A",
                             "NXDOMAIN",
                             {}});
    }
  }
}

// A log gap in src's VPC: low 20 min (under the detector's default), moderate 1 h, high the rest of the
// period from 70% on. Placed where no other short scenario of that VPC runs (a beacon may lose beats), so
// the gap takes no other scenario's records away.
void plan_log_gap(Rng& rng, const Fleet& f, std::size_t src, const ScenarioSpec& spec, std::int64_t start,
                  std::int64_t span, ScenarioPlan& plan) {
  const int vpc = f.sources[src].vpc;
  const int level = static_cast<int>(spec.intensity);
  std::vector<std::pair<std::int64_t, std::int64_t>> busy;
  for (const PlantedScenario& t : plan.truth) {
    if (t.vpc == f.vpc_ids[static_cast<std::size_t>(vpc)] && t.kind != ScenarioKind::kBeaconing)
      busy.emplace_back(t.start_ms - 1200000, t.end_ms + 1200000);
  }
  for (const LogGap& g : plan.gaps) {
    if (g.vpc == vpc) busy.emplace_back(g.from_ms - 7200000, g.to_ms + 7200000);
  }
  const std::int64_t end = start + span;
  std::int64_t from = 0, to = 0;
  if (level == 2) {
    from = start + span * 7 / 10 + static_cast<std::int64_t>(rng.below(1800000));
    to = end;
  } else {
    const std::int64_t length = level == 0 ? 1200000 : 3600000;
    const std::int64_t first = start + span / 4 + static_cast<std::int64_t>(rng.below(3600000));
    for (from = first; from + length < start + span * 7 / 10 - 3600000; from += 600000) {
      bool clear = true;
      for (const auto& [b, e] : busy) clear = clear && (from + length <= b || from >= e);
      if (clear) break;
    }
    to = from + length;
  }
  plan.gaps.push_back({vpc, from, to});
  plan.truth.push_back(PlantedScenario{spec.kind,
                                       spec.intensity,
                                       f.sources[src].instance,
                                       f.vpc_ids[static_cast<std::size_t>(vpc)],
                                       f.vpc_ids[static_cast<std::size_t>(vpc)],
                                       from,
                                       to,
                                       0,
                                       {}});
}

ScenarioPlan plan_scenarios(Rng& rng, const Fleet& f, const GeneratorConfig& c, std::int64_t start, std::int64_t span) {
  ScenarioPlan plan;
  std::vector<std::size_t> instances;
  for (std::size_t s = 0; s < f.sources.size(); ++s) {
    if (!f.sources[s].instance.empty()) instances.push_back(s);
  }
  for (std::size_t i = instances.size(); i > 1; --i) std::swap(instances[i - 1], instances[rng.below(i)]);
  const std::size_t stressors = c.benign_stressors ? 6 : 0;
  if (c.scenarios.size() + stressors > instances.size()) {
    throw Error(ErrorCode::kUsage, fmt::format("{} scenarios need at least {} instances; the fleet has {}",
                                               c.scenarios.size(), c.scenarios.size() + stressors, instances.size()));
  }
  const double base_per_hour =
      static_cast<double>(c.records) / static_cast<double>(f.sources.size()) / (static_cast<double>(span) / 3.6e6);
  // Log gaps last: they are placed around the other scenarios of their VPC.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < c.scenarios.size(); ++i) {
      if ((c.scenarios[i].kind == ScenarioKind::kLogGap) != (pass == 1)) continue;
      if (pass == 1) {
        plan_log_gap(rng, f, instances[i], c.scenarios[i], start, span, plan);
        continue;
      }
      // Start after a quarter of the period (the anomaly baseline needs history) and end in time.
      const std::int64_t t0 =
          start + span / 4 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span / 4)));
      plant_scenario(rng, f, instances[i], c.scenarios[i], t0, base_per_hour, plan);
    }
  }
  std::vector<std::size_t> spare(instances.begin() + static_cast<std::ptrdiff_t>(c.scenarios.size()), instances.end());
  if (c.benign_stressors) plant_benign_stressors(rng, f, start, span, spare, plan);
  std::sort(plan.events.begin(), plan.events.end(), [](const Event& a, const Event& b) { return a.ms < b.ms; });
  return plan;
}

}  // namespace

std::string_view scenario_kind_name(ScenarioKind k) {
  switch (k) {
    case ScenarioKind::kDga:
      return "dga";
    case ScenarioKind::kTunneling:
      return "tunneling";
    case ScenarioKind::kBeaconing:
      return "beaconing";
    case ScenarioKind::kSweep:
      return "reverse_dns_sweep";
    case ScenarioKind::kAnomaly:
      return "volume_anomaly";
    case ScenarioKind::kMetadataRebind:
      return "metadata_rebind";
    case ScenarioKind::kBlackhole:
      return "blackhole";
    case ScenarioKind::kLowReputation:
      return "low_reputation";
    case ScenarioKind::kLogGap:
      return "log_gap";
    case ScenarioKind::kSlowTunneling:
      return "slow_tunneling";
  }
  return "?";
}

std::string_view intensity_name(Intensity i) {
  switch (i) {
    case Intensity::kLow:
      return "low";
    case Intensity::kModerate:
      return "moderate";
    case Intensity::kHigh:
      return "high";
  }
  return "?";
}

std::string scenario_description(ScenarioKind k, Intensity i) {
  static constexpr std::string_view kText[10][3] = {
      {"6 DGA names in 30 min", "25 DGA names in 10 min", "300 DGA names in 5 min"},
      {"30 queries, 16-char chunks, 1 h", "150 queries, 36-char chunks, 30 min",
       "1000 queries, 2x50-char chunks, 20 min"},
      {"every 30 min +-90 s for 7 h", "every 5 min +-10 s, 20% missed, 6 h", "every 60 s +-3 s for 12 h"},
      {"20 PTRs of a /24 in 10 min", "64 PTRs of a /24 in 5 min", "254 PTRs of a /24 in 2 min"},
      {"+1x the hourly rate for 1 h", "+6x the hourly rate for 1 h", "+20x the hourly rate for 1 h"},
      {"1 name resolving to 169.254.169.254", "3 names (one AAAA fd00:ec2::254)", "30 names in 10 min"},
      {"1 query answered 0.0.0.0", "5 queries in 1 h", "50 queries in 4 h"},
      {"1 dynamic-DNS lookup", "12 lookups of a quick tunnel in 1 h", "40 out-of-band callbacks in 30 min"},
      {"the VPC silent for 20 min", "the VPC silent for 1 h", "the VPC silent from 70% of the day on"},
      {"40 x 24 chars, 1 domain, 6 h", "90 x 40 chars, 4 domains, 5 h", "240 x 50 chars, 3 domains, 8 h"}};
  return std::string(kText[static_cast<int>(k)][static_cast<int>(i)]);
}

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
    auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    start = (now_ms / 86400000 - 1) * 86400000;
  }
  const std::int64_t span = static_cast<std::int64_t>(config.hours) * 3600000;
  std::vector<Event> planted;
  std::vector<PlantedScenario> truth;
  std::vector<LogGap> gaps;
  if (!config.scenarios.empty() || config.benign_stressors) {
    ScenarioPlan plan = plan_scenarios(rng, fleet, config, start, span);
    planted = std::move(plan.events);
    truth = std::move(plan.truth);
    gaps = std::move(plan.gaps);
  } else if (config.plant) {
    planted = planted_events(rng, fleet, start, span);
  }
  // With a byte target, estimate the count from the average record size (~470 bytes).
  std::uint64_t total = config.target_bytes ? config.target_bytes / 470 + 1 : config.records;
  Writer writer(config, fleet);
  std::size_t next_planted = 0;
  // A record of a VPC inside one of its log gaps is not written.
  auto write = [&](const Event& e) {
    for (const LogGap& g : gaps) {
      if (fleet.sources[e.source].vpc == g.vpc && e.ms >= g.from_ms && e.ms < g.to_ms) return;
    }
    writer.record(rng, e);
  };
  for (std::uint64_t i = 0; i < total || (config.target_bytes && writer.bytes() < config.target_bytes); ++i) {
    std::int64_t ms =
        start + static_cast<std::int64_t>(static_cast<double>(span) * static_cast<double>(std::min(i, total)) /
                                          static_cast<double>(total));
    while (next_planted < planted.size() && planted[next_planted].ms <= ms) write(planted[next_planted++]);
    write(background(rng, fleet, ms));
  }
  while (next_planted < planted.size()) write(planted[next_planted++]);
  writer.finish();
  if (!config.interesting_out.empty()) {
    auto sink = make_file_sink(config.interesting_out, Compression::kNone);
    std::string text = "# known-bad domains planted by dnslens generate\n";
    for (const auto& d : kBadDomains) text += d + "\n";
    sink->write(text);
    sink->finish();
  }
  return GeneratorStats{writer.records(), writer.bytes(), planted.size(), writer.files(), std::move(truth)};
}

}  // namespace dnslens
