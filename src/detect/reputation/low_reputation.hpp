#pragma once
// Low-reputation tiers of a name, from built-in lists of providers whose names anyone can get: what
// GuardDuty's *DomainRequest.Reputation findings weigh besides threat intel.
// - dynamic DNS: free hostnames under a provider's domain that point wherever their owner says
//   (duckdns.org, no-ip's domains, afraid.org's, dynu, ...): cheap, disposable C2 rendezvous.
// - tunnel services: public URLs for a process on any machine (ngrok, Cloudflare quick tunnels,
//   localtunnel, serveo, playit, ...) and free hosting subdomains: command and control or
//   exfiltration through a reputable-looking service.
// - out-of-band callbacks: the domains of exploitation-testing services (interactsh's oast.*, Burp
//   Collaborator, dnslog.cn, ceye.io, request bins): a server that resolves one was very likely
//   made to by an injected payload (Log4Shell's ${jndi:ldap://x.oast.fun}).
// - parked: the name is an alias (CNAME) of a domain-parking or domain-sale service: an expired or
//   squatted domain that software still looks up.
// A threat-intel feed with a category extends these for a site's own lists.
#include <cstdint>
#include <string_view>

namespace dnslens {

enum class ReputationTier : std::uint8_t { kNone, kDynamicDns, kTunnelService, kOutOfBand, kParked };
[[nodiscard]] std::string_view reputation_tier_name(ReputationTier tier);

// The tier of a normalized query name (kNone, kDynamicDns, kTunnelService or kOutOfBand).
[[nodiscard]] ReputationTier name_reputation(std::string_view name);
// The provider's domain a name of that tier is under ("duckdns.org" for "x.duckdns.org"), or empty.
[[nodiscard]] std::string_view reputation_provider(std::string_view name);
// Whether a normalized CNAME target belongs to a parking or domain-sale service.
[[nodiscard]] bool parking_target(std::string_view name);

}  // namespace dnslens
