#!/usr/bin/env bash
# Fetches DuckDB's C library and header from the npm registry into .deps/duckdb-<version>/ (Debian
# has no DuckDB package). libduckdb.so comes from @duckdb/node-bindings-linux-x64, duckdb.h from the
# source tree in the duckdb package of the same DuckDB version; npm checks both tarballs' integrity.
# Idempotent. To use an official DuckDB release instead: cmake -DDNSLENS_DUCKDB_DIR=<unzipped dir>.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.4.4
BINDINGS_VERSION=1.4.4-r.4
DEST=".deps/duckdb-$VERSION"
if [ -f "$DEST/lib/libduckdb.so" ] && [ -f "$DEST/include/duckdb.h" ] && \
   [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$BINDINGS_VERSION" ]; then
  echo "dnslens: DuckDB $VERSION present in $DEST"
  exit 0
fi
echo "dnslens: fetching DuckDB $VERSION from the npm registry"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@duckdb/node-bindings-linux-x64@$BINDINGS_VERSION" "duckdb@$VERSION" > packed.txt 2>npm.log) || {
  cat "$work/npm.log" >&2
  echo "dnslens: npm pack failed (is the npm registry reachable?)" >&2
  exit 1
}
mkdir -p "$work/bindings" "$work/source"
tar -xzf "$work/duckdb-node-bindings-linux-x64-$BINDINGS_VERSION.tgz" -C "$work/bindings" package/libduckdb.so package/LICENSE
tar -xzf "$work/duckdb-$VERSION.tgz" -C "$work/source" package/src/duckdb/src/include/duckdb.h
rm -rf "$DEST"
mkdir -p "$DEST/lib" "$DEST/include"
mv "$work/bindings/package/libduckdb.so" "$DEST/lib/"
mv "$work/bindings/package/LICENSE" "$DEST/LICENSE"
mv "$work/source/package/src/duckdb/src/include/duckdb.h" "$DEST/include/"
echo "$BINDINGS_VERSION" > "$DEST/VERSION"
echo "dnslens: DuckDB $VERSION in $DEST"
