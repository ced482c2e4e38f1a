#!/usr/bin/env bash
# Builds the benign side of the DGA scorer's training and measurement from lists of real domain names
# nobody here wrote, into .deps/benign-names/ (host names one per line, '#' comments naming sources):
#   popular-sites.txt: web sites people visit -
#     - the sites Privacy Badger's maintainers crawled (the top of a popularity ranking), from its
#       seed data in Debian's webext-privacy-badger;
#     - the Moz Top 500 (npm top-sites);
#     - the sites EasyList and EasyPrivacy carry element-hiding rules for (uBlock Origin's copy in
#       Debian's webext-ublock-origin-firefox);
#   trackers.txt: the ad, analytics and CDN domains those pages load - Privacy Badger's third-party
#     domains and Ghostery's TrackerDB (npm @ghostery/trackerdb). Some ad networks rotate machine-made
#     domains to dodge blockers, so this list is reported apart, not used to set thresholds.
# dnslens splits popular-sites.txt by a hash of each registered label: one half trains the shipped
# DGA model, the other is what `dnslens dga eval` measures false positives on (never trained on).
# Idempotent; npm checks the tarballs' integrity.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP_SITES=1.1.222
TRACKERDB=1.0.945
SEED=/usr/share/webext/privacy-badger/data/seed.json
EASYLIST=$(ls -d /usr/share/mozilla/extensions/*/uBlock0@raymondhill.net/assets/thirdparties/easylist 2>/dev/null | head -1 || true)
DEST=.deps/benign-names
STAMP="top-sites@$TOP_SITES @ghostery/trackerdb@$TRACKERDB $(dpkg-query -W -f='${Version}' webext-privacy-badger webext-ublock-origin-firefox 2>/dev/null || true)"
if [ -f "$DEST/popular-sites.txt" ] && [ -f "$DEST/trackers.txt" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$STAMP" ]; then
  echo "dnslens: benign name lists present in $DEST"
  exit 0
fi
[ -f "$SEED" ] || { echo "dnslens: $SEED is missing (Debian package webext-privacy-badger)" >&2; exit 1; }
[ -n "$EASYLIST" ] || { echo "dnslens: EasyList is missing (Debian package webext-ublock-origin-firefox)" >&2; exit 1; }
echo "dnslens: fetching popular-domain lists from the npm registry"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "top-sites@$TOP_SITES" "@ghostery/trackerdb@$TRACKERDB" > packed.txt 2>npm.log) || {
  cat "$work/npm.log" >&2
  echo "dnslens: npm pack failed (is the npm registry reachable?)" >&2
  exit 1
}
tar -xzf "$work/top-sites-$TOP_SITES.tgz" -C "$work" package/top-sites.json
mkdir -p "$work/tdb"
tar -xzf "$work/ghostery-trackerdb-$TRACKERDB.tgz" -C "$work/tdb" package/dist/trackerdb.txt
mkdir -p "$DEST"
python3 - "$SEED" "$work/package/top-sites.json" "$work/tdb/package/dist/trackerdb.txt" "$EASYLIST" \
  "$TOP_SITES" "$TRACKERDB" "$DEST" <<'PY'
import json, os, re, sys
seed_path, top_path, tdb_path, easylist, top_version, tdb_version, dest = sys.argv[1:8]
seed = json.load(open(seed_path))
def element_hiding_sites(path):
    # "site1.com,site2.org##.ad": the sites a rule hides elements on ("~site" excepts one).
    sites = set()
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"^([a-z0-9.,~-]+)#[@?$]*#", line.strip())
        if m:
            sites.update(h.lstrip("~") for h in m.group(1).split(",") if "." in h)
    return sites
lists = {
    "popular-sites.txt": {
        "Privacy Badger seed (Debian webext-privacy-badger): sites crawled":
            {site for sites in seed["snitch_map"].values() for site in sites},
        f"Moz Top 500 (npm top-sites@{top_version})": {entry["rootDomain"] for entry in json.load(open(top_path))},
        "EasyList and EasyPrivacy element-hiding sites (Debian webext-ublock-origin-firefox)":
            element_hiding_sites(os.path.join(easylist, "easylist.txt"))
            | element_hiding_sites(os.path.join(easylist, "easyprivacy.txt")),
    },
    "trackers.txt": {
        "Privacy Badger seed (Debian webext-privacy-badger): third-party domains":
            set(seed["action_map"]) | set(seed["snitch_map"]),
        f"Ghostery TrackerDB domains (npm @ghostery/trackerdb@{tdb_version})":
            {m.group(1) for m in (re.match(r"^\|\|([a-z0-9.-]+)\^$", line.strip()) for line in open(tdb_path)) if m},
    },
}
for file, sources in lists.items():
    seen = set()
    with open(os.path.join(dest, file + ".tmp"), "w") as out:
        for title, names in sources.items():
            out.write(f"# {title}: {len(names)} names\n")
        for names in sources.values():
            for name in sorted(names):
                if name not in seen:
                    seen.add(name)
                    out.write(name + "\n")
PY
for f in popular-sites trackers; do mv "$DEST/$f.txt.tmp" "$DEST/$f.txt"; done
rm -f "$DEST/popular-domains.txt"
echo "$STAMP" > "$DEST/VERSION"
echo "dnslens: $(grep -vc '^#' "$DEST/popular-sites.txt") popular sites and $(grep -vc '^#' "$DEST/trackers.txt") tracker domains in $DEST"
