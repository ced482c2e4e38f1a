#!/usr/bin/env bash
# The first README command: install dependencies, build (dnslens and the dashboards), generate a
# realistic demo day, run the main job on it (enriched output, findings, the DuckDB store), then
# serve the dashboards on localhost until Ctrl-C. DNSLENS_DEMO_PORT picks the port (8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/dnslens demo --dir demo
port="${DNSLENS_DEMO_PORT:-8080}"
echo
echo "dnslens: the demo dashboards are at http://127.0.0.1:${port}/ (Ctrl-C stops them;"
echo "         again later with: build/dnslens serve --db demo/dnslens.duckdb --read-only)"
exec build/dnslens serve --db demo/dnslens.duckdb --read-only --listen "127.0.0.1:${port}"
