#!/usr/bin/env bash
# Fetches the default geo data from the npm registry into .deps/geo-<version>/ (npm checks each
# tarball's integrity):
#   country.mmdb          @ip-location-db/geo-whois-asn-country-mmdb (CC0-1.0; built from NRO data,
#                         CC BY 4.0), IPv4 and IPv6 in one MaxMind DB file
#   asn-ipv4.csv, asn-ipv6.csv   @ip-location-db/asn (CC BY 4.0: RouteViews, DB-IP, NRO)
#   attribution.json      what the dashboards show for each file, as the licenses require
# Idempotent. Users can point dnslens at their own MaxMind / DB-IP files instead (--geo-country,
# --geo-asn); see docs/GEO.md.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=2.3.2026061719
DEST=".deps/geo-$VERSION"
if [ -f "$DEST/country.mmdb" ] && [ -f "$DEST/asn-ipv4.csv" ] && [ -f "$DEST/asn-ipv6.csv" ] && \
   [ -f "$DEST/attribution.json" ]; then
  echo "dnslens: geo data $VERSION present in $DEST"
  exit 0
fi
echo "dnslens: fetching geo data $VERSION from the npm registry"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@ip-location-db/geo-whois-asn-country-mmdb@$VERSION" \
   "@ip-location-db/asn@$VERSION" > packed.txt 2>npm.log) || {
  cat "$work/npm.log" >&2
  echo "dnslens: npm pack failed (is the npm registry reachable?)" >&2
  exit 1
}
mkdir -p "$work/country" "$work/asn"
tar -xzf "$work/ip-location-db-geo-whois-asn-country-mmdb-$VERSION.tgz" -C "$work/country" \
  package/geo-whois-asn-country.mmdb package/NRO_LICENSE package/README.md
tar -xzf "$work/ip-location-db-asn-$VERSION.tgz" -C "$work/asn" package/asn-ipv4.csv package/asn-ipv6.csv \
  package/DBIP-LICENSE package/ROUTEVIEWS-LICENSE package/NRO_LICENSE package/MODIFICATIONS
rm -rf "$DEST"
mkdir -p "$DEST/licenses"
mv "$work/country/package/geo-whois-asn-country.mmdb" "$DEST/country.mmdb"
mv "$work/asn/package/asn-ipv4.csv" "$work/asn/package/asn-ipv6.csv" "$DEST/"
mv "$work/country/package/NRO_LICENSE" "$DEST/licenses/NRO_LICENSE"
for f in DBIP-LICENSE ROUTEVIEWS-LICENSE MODIFICATIONS; do mv "$work/asn/package/$f" "$DEST/licenses/ASN-$f"; done
cat > "$DEST/attribution.json" <<'EOF'
{
  "country.mmdb": [
    {"text": "Country data: ip-location-db geo-whois-asn-country (CC0-1.0)", "url": "https://github.com/sapics/ip-location-db"},
    {"text": "includes NRO statistics data (CC BY 4.0)", "url": "https://www.nro.net/"}
  ],
  "asn-ipv4.csv": [
    {"text": "ASN data: ip-location-db asn, CC BY 4.0, from RouteViews", "url": "https://www.routeviews.org/"},
    {"text": "IP Geolocation by DB-IP", "url": "https://db-ip.com"},
    {"text": "and NRO", "url": "https://www.nro.net/"}
  ],
  "asn-ipv6.csv": [
    {"text": "ASN data: ip-location-db asn, CC BY 4.0, from RouteViews", "url": "https://www.routeviews.org/"},
    {"text": "IP Geolocation by DB-IP", "url": "https://db-ip.com"},
    {"text": "and NRO", "url": "https://www.nro.net/"}
  ]
}
EOF
echo "$VERSION" > "$DEST/VERSION"
echo "dnslens: geo data $VERSION in $DEST"
