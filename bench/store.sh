#!/usr/bin/env bash
# The DuckDB store against the JSON-lines pipeline, in the same run on the same generated day:
# loading (records/s), DuckDB's own bulk insert of the same rows (the engine's ceiling for this
# table), and the dashboards' panel latencies over the loaded store.
# Usage: bench/store.sh [records, default 1500000] [workdir, default /tmp/dnslens-bench-store]
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-1500000}"
WORK="${2:-/tmp/dnslens-bench-store}"
BIN="$(pwd)/build/dnslens"
PORT="${DNSLENS_BENCH_PORT:-18093}"
mkdir -p "$WORK"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
DAY="$WORK/day-$RECORDS.jsonl"
[ -f "$DAY" ] || $BIN generate --records "$RECORDS" --seed 7 -o "$DAY"
N=$(wc -l < "$DAY")
echo "input: $DAY, $N records, $(stat -c %s "$DAY") bytes"
cat "$DAY" > /dev/null
best() { # best wall time of 3 runs, in seconds; the store file is removed before each run
  local b=999999
  for _ in 1 2 3; do
    rm -f "$WORK/out.jsonl" "$WORK/s.duckdb" "$WORK/s.duckdb.wal"
    local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N)
    b=$(echo "$e - $s" | bc -l | awk -v b="$b" '{print ($1<b)?$1:b}')
  done
  echo "$b"
}
report() { printf '%-58s %7.3f s  %9.0f records/s\n' "$1" "$2" "$(echo "$N / $2" | bc -l)"; }
echo "--- loading (best of 3) ---"
T_JSON=$(best "$BIN" run "$DAY" -j 2 -o "$WORK/out.jsonl" -q --no-detect); report "run -j2 --no-detect, JSON lines to a file" "$T_JSON"
T_NONE=$(best "$BIN" run "$DAY" -j 2 -o none -q --no-detect); report "run -j2 --no-detect, no output" "$T_NONE"
T_S2=$(best "$BIN" run "$DAY" -j 2 -o none -q --no-detect --store "$WORK/s.duckdb"); report "run -j2 --no-detect --store" "$T_S2"
T_S1=$(best "$BIN" run "$DAY" -j 1 -o none -q --no-detect --store "$WORK/s.duckdb"); report "run -j1 --no-detect --store" "$T_S1"
T_DJSON=$(best "$BIN" run "$DAY" -j 2 -o "$WORK/out.jsonl" -q); report "run -j2 (detectors on), JSON lines to a file" "$T_DJSON"
T_DS2=$(best "$BIN" run "$DAY" -j 2 -o none -q --store "$WORK/s.duckdb"); report "run -j2 (detectors on) --store" "$T_DS2"
# The store the dashboards are measured on: detectors on, so the findings and signal panels have data.
rm -f "$WORK/s.duckdb" "$WORK/s.duckdb.wal"
"$BIN" run "$DAY" -j 2 -o none -q --store "$WORK/s.duckdb"
mv "$WORK/s.duckdb" "$WORK/day.duckdb"
ls -l "$WORK/day.duckdb" | awk '{print "store file:", $5, "bytes"}'
echo "--- DuckDB's own bulk insert of the same rows (CREATE TABLE AS from the loaded store's route53query_data) ---"
ctas() {
  rm -f "$WORK/ctas.duckdb" "$WORK/ctas.duckdb.wal"
  printf "ATTACH '%s' AS src (READ_ONLY); SET threads=%s; SET disabled_compression_methods='fsst';\nCREATE TABLE t AS SELECT * FROM src.route53query_data;\n" \
    "$WORK/day.duckdb" "$1" | "$BIN" sql --write --db "$WORK/ctas.duckdb" > /dev/null
}
T_C1=$(best ctas 1); report "CTAS, 1 DuckDB thread" "$T_C1"
T_C2=$(best ctas 2); report "CTAS, 2 DuckDB threads" "$T_C2"
r() { echo "$1 / $2" | bc -l | cut -c1-5; }
echo "ratios (time / time):"
echo "  store -j2 / JSON lines -j2 (--no-detect):       $(r "$T_S2" "$T_JSON")"
echo "  store -j2 / JSON lines -j2 (detectors on):      $(r "$T_DS2" "$T_DJSON")"
echo "  store -j2 / DuckDB CTAS with 2 threads:         $(r "$T_S2" "$T_C2")"
echo "--- dashboards: every panel over the whole day (second request of each; the first warms the cache) ---"
"$BIN" serve --db "$WORK/day.duckdb" --read-only --listen "127.0.0.1:$PORT" -q &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
PANELS=$(curl -sf "http://127.0.0.1:$PORT/api/catalog" | jq -r '.panels | keys[]')
for p in $PANELS; do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/panel/$p"
  printf '%s %s\n' "$(curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/api/panel/$p")" "$p"
done | sort -rn > "$WORK/panels.txt"
head -5 "$WORK/panels.txt" | awk '{printf "  %-20s %6.0f ms\n", $2, $1 * 1000}'
echo "  largest panel latency: $(head -1 "$WORK/panels.txt" | awk '{printf "%.0f ms (%s)", $1 * 1000, $2}') over $(wc -l < "$WORK/panels.txt") panels"
