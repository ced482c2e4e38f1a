#!/usr/bin/env bash
# Fetches chdb's library (ClickHouse 26 as an embeddable libchdb.so) from the npm registry into
# .deps/chdb-<version>/ for the tests that check dnslens's current-dialect ClickHouse SQL and DDL:
# Debian's clickhouse-server is 18.16, and the tests run the same statements on a current engine through
# tests/chdb/chdb_http.cpp. npm checks the tarball's integrity. Idempotent; about 570 MB unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=26.7.3-stable.1
DEST=".deps/chdb-$VERSION"
if [ -f "$DEST/lib/libchdb.so" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then
  echo "dnslens: chdb $VERSION present in $DEST"
  exit 0
fi
echo "dnslens: fetching chdb $VERSION from the npm registry"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@chdb/lib-linux-x64-gnu@$VERSION" > packed.txt 2>npm.log) || {
  cat "$work/npm.log" >&2
  echo "dnslens: npm pack failed (is the npm registry reachable?)" >&2
  exit 1
}
tar -xzf "$work/$(cat "$work/packed.txt")" -C "$work" package/libchdb.so package/package.json
rm -rf "$DEST"
mkdir -p "$DEST/lib"
mv "$work/package/libchdb.so" "$DEST/lib/"
mv "$work/package/package.json" "$DEST/"
echo "$VERSION" > "$DEST/VERSION"
echo "dnslens: chdb $VERSION in $DEST"
