#!/usr/bin/env bash
# Durable ingest of `dnslens serve`: Firehose request bodies of generated records (direct delivery, 500
# records per Firehose record, PER_REQUEST records per request, default 2000) POSTed to `dnslens serve`
# on 127.0.0.1 over CONNECTIONS connections at once (default 4; Firehose delivers concurrently); each
# 200 comes after its commit. Prints the records stored per second of wall clock (the client runs on
# the same machine) and the server's user + system CPU (from /proc) per stored record.
# Several binaries are measured in turn, twice each (A B A B), so a drifting machine hits them alike.
# Usage: [CONNECTIONS=4] [PER_REQUEST=2000] bench/serve_ingest.sh [records, default 400000] BINARY...
#        (default BINARY: build/dnslens)
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-400000}"
shift || true
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=(build/dnslens)
WORK=$(mktemp -d /tmp/dnslens-serve-bench-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"${BINS[0]}" generate --records "$RECORDS" --seed 1 -o "$WORK/logs.jsonl" 2>/dev/null
bench/firehose_bodies.py make "$WORK/logs.jsonl" "$WORK/bodies" "${PER_REQUEST:-2000}"
echo "input: $RECORDS records in $(ls "$WORK/bodies" | wc -l) requests of $(du -sh "$WORK/bodies" | cut -f1)"
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime, in clock ticks
TICKS=$(getconf CLK_TCK)
measure() { # binary -> prints "cpu_seconds records wall_seconds"
  local bin=$1 db="$WORK/serve.duckdb"
  rm -f "$db" "$db.wal" "$WORK/port"
  "$bin" serve --db "$db" --listen 127.0.0.1:0 --port-file "$WORK/port" --no-geo --no-detect -q > /dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
  local port; port=$(cat "$WORK/port")
  local before; before=$(cpu_of "$pid")
  local t0; t0=$(date +%s.%N)
  bench/firehose_bodies.py post "$port" "$WORK/bodies" 1000000 "${CONNECTIONS:-4}"
  local t1; t1=$(date +%s.%N)
  local after; after=$(cpu_of "$pid")
  kill -TERM "$pid"; wait "$pid" || true
  # `dnslens sql` prints a header, a rule, then the value.
  local stored; stored=$("$bin" sql --db "$db" "SELECT count(*) AS n FROM route53query" 2>/dev/null | sed -n 3p | tr -dc '0-9')
  echo "$(echo "($after - $before) / $TICKS" | bc -l) $stored $(echo "$t1 - $t0" | bc -l)"
}
for round in $(seq 1 "${ROUNDS:-2}"); do
  for bin in "${BINS[@]}"; do
    read -r cpu stored wall < <(measure "$bin")
    printf 'round %d  %-40s %8s records  %8.0f records/s  %6.2f CPU us/record\n' "$round" "$bin" "$stored" \
      "$(echo "$stored / $wall" | bc -l)" "$(echo "$cpu * 1000000 / $stored" | bc -l)"
  done
done
