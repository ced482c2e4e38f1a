#include "detect/reputation/low_reputation.hpp"

#include <algorithm>

#include "core/domain_set.hpp"

namespace dnslens {

namespace {

// Each entry covers the names below the provider's domain ("*.duckdns.org").
constexpr std::string_view kDynamicDns[] = {
    "duckdns.org",
    "no-ip.com",
    "no-ip.org",
    "no-ip.biz",
    "no-ip.info",
    "noip.me",
    "ddns.net",
    "hopto.org",
    "zapto.org",
    "sytes.net",
    "serveftp.com",
    "servehttp.com",
    "myftp.org",
    "myftp.biz",
    "redirectme.net",
    "servebeer.com",
    "serveblog.net",
    "servegame.com",
    "bounceme.net",
    "dyndns.org",
    "dyndns.info",
    "dyndns.biz",
    "dynalias.com",
    "homeip.net",
    "dnsalias.com",
    "dnsalias.net",
    "dnsalias.org",
    "mooo.com",
    "afraid.org",
    "us.to",
    "strangled.net",
    "chickenkiller.com",
    "crabdance.com",
    "twilightparadox.com",
    "dynu.net",
    "dynu.com",
    "freeddns.org",
    "ddnsfree.com",
    "changeip.com",
    "changeip.org",
    "dynv6.net",
    "dedyn.io",
    "ydns.eu",
    "kozow.com",
    "3utilities.com",
    "ddnsking.com",
    "gotdns.ch",
    "freedynamicdns.net",
    "freedynamicdns.org",
    "duckdns.net",
};
constexpr std::string_view kTunnelServices[] = {
    "ngrok.io",     "ngrok.app",         "ngrok-free.app", "ngrok-free.dev",        "trycloudflare.com",
    "loca.lt",      "localtunnel.me",    "serveo.net",     "serveousercontent.com", "pagekite.me",
    "portmap.io",   "portmap.host",      "ply.gg",         "localhost.run",         "lhr.life",
    "tunnelto.dev", "000webhostapp.com", "pinggy.link",
};
constexpr std::string_view kOutOfBand[] = {
    "oast.fun",     "oast.pro",        "oast.live",
    "oast.site",    "oast.online",     "oast.me",
    "interact.sh",  "oastify.com",     "burpcollaborator.net",
    "dnslog.cn",    "ceye.io",         "requestbin.net",
    "webhook.site", "m.pipedream.net", "canarytokens.com",
};
constexpr std::string_view kParking[] = {
    "sedoparking.com", "parkingcrew.net", "bodis.com", "above.com", "parklogic.com",   "parkingpage.namecheap.com",
    "afternic.com",    "hugedomains.com", "dan.com",   "sedo.com",  "undeveloped.com",
};

template <std::size_t N>
DomainSet below(const std::string_view (&domains)[N]) {
  DomainSet set;
  for (std::string_view d : domains) {
    set.add(d);  // the provider's own name
    char entry[256];
    const std::size_t n = std::min(d.size(), sizeof(entry) - 3);
    entry[0] = '*';
    entry[1] = '.';
    d.copy(entry + 2, n);
    set.add(std::string_view(entry, n + 2));
  }
  return set;
}

}  // namespace

std::string_view reputation_tier_name(ReputationTier tier) {
  switch (tier) {
    case ReputationTier::kNone:
      return "none";
    case ReputationTier::kDynamicDns:
      return "dynamic_dns";
    case ReputationTier::kTunnelService:
      return "tunnel_service";
    case ReputationTier::kOutOfBand:
      return "out_of_band_callback";
    case ReputationTier::kParked:
      return "parked";
  }
  return "none";
}

ReputationTier name_reputation(std::string_view name) {
  static const DomainSet dynamic = below(kDynamicDns), tunnels = below(kTunnelServices), oob = below(kOutOfBand);
  if (oob.matches(name)) return ReputationTier::kOutOfBand;
  if (tunnels.matches(name)) return ReputationTier::kTunnelService;
  if (dynamic.matches(name)) return ReputationTier::kDynamicDns;
  return ReputationTier::kNone;
}

std::string_view reputation_provider(std::string_view name) {
  static const DomainSet providers = [] {
    DomainSet set;
    for (std::string_view d : kDynamicDns) set.add(d);
    for (std::string_view d : kTunnelServices) set.add(d);
    for (std::string_view d : kOutOfBand) set.add(d);
    return set;
  }();
  for (std::string_view rest = name;;) {
    if (providers.matches(rest)) return rest;
    const std::size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return {};
    rest.remove_prefix(dot + 1);
  }
}

bool parking_target(std::string_view name) {
  static const DomainSet parking = below(kParking);
  return parking.matches(name);
}

}  // namespace dnslens
