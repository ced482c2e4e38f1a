#!/usr/bin/env bash
# The dashboards' panels, each alone: the server's own time per panel (the "ms" of its answer: the SQL and
# the JSON, without the network or the browser), over a whole store, one request at a time. Each panel is
# asked 3 times and its median is reported; the summary panel (one pass over every record) is the baseline
# of the same run, since this VM drifts up to 2x between runs.
# Usage: bench/panels.sh [store, default demo/dnslens.duckdb (the setup's demo day)] [target ms, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
STORE="${1:-demo/dnslens.duckdb}"
TARGET="${2:-300}"
BIN="$(pwd)/build/dnslens"
[ -x "$BIN" ] || BIN="$(pwd)/build-dev/dnslens"
PORT="${DNSLENS_BENCH_PORT:-18094}"
[ -f "$STORE" ] || { echo "bench/panels.sh: no store at $STORE (run scripts/setup.sh, or name one)" >&2; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
WORK="$(mktemp -d)"
"$BIN" serve --db "$STORE" --read-only --listen "127.0.0.1:$PORT" -q &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
RECORDS=$(curl -sf "http://127.0.0.1:$PORT/api/catalog" | jq -r '.range.records')
echo "store: $STORE, $RECORDS records, the whole range; $BIN"
PANELS=$(curl -sf "http://127.0.0.1:$PORT/api/catalog" | jq -r '.panels | keys[]')
for p in $PANELS; do
  t=()
  for _ in 1 2 3; do t+=("$(curl -sf "http://127.0.0.1:$PORT/api/panel/$p" | jq -r '.ms')"); done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 2p | awk -v p="$p" '{print $1, p}'
done | sort -rn > "$WORK/panels.txt"
BASE=$(awk '$2 == "summary" {print $1}' "$WORK/panels.txt")
echo "slowest panels (median of 3, server ms; x = / the summary panel's $BASE ms):"
head -8 "$WORK/panels.txt" | awk -v b="$BASE" '{printf "  %-22s %7.1f ms  %5.1fx\n", $2, $1, $1 / b}'
echo "panels over $TARGET ms: $(awk -v t="$TARGET" '$1 > t' "$WORK/panels.txt" | wc -l) of $(wc -l < "$WORK/panels.txt")"
