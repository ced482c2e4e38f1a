#!/usr/bin/env bash
# CPU the serve process spends per stored record: Firehose request bodies of generated records (direct
# delivery, 500 records per Firehose record, 4 Firehose records per request) POSTed one after another to
# `dnslens serve` on 127.0.0.1; the server's user + system CPU (from /proc) over the stored records.
# Several binaries are measured in turn, twice each (A B A B), so a drifting machine hits them alike.
# Usage: bench/serve_ingest.sh [records, default 400000] BINARY...   (default BINARY: build/dnslens)
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
bench/firehose_bodies.py make "$WORK/logs.jsonl" "$WORK/bodies"
echo "input: $RECORDS records in $(ls "$WORK/bodies" | wc -l) requests of $(du -sh "$WORK/bodies" | cut -f1)"
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime, in clock ticks
TICKS=$(getconf CLK_TCK)
measure() { # binary -> prints "cpu_seconds records"
  local bin=$1 db="$WORK/serve.duckdb"
  rm -f "$db" "$db.wal" "$WORK/port"
  "$bin" serve --db "$db" --listen 127.0.0.1:0 --port-file "$WORK/port" --no-geo --no-detect -q > /dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
  local port; port=$(cat "$WORK/port")
  local before; before=$(cpu_of "$pid")
  bench/firehose_bodies.py post "$port" "$WORK/bodies"
  local after; after=$(cpu_of "$pid")
  kill -TERM "$pid"; wait "$pid" || true
  # `dnslens sql` prints a header, a rule, then the value.
  local stored; stored=$("$bin" sql --db "$db" "SELECT count(*) AS n FROM route53query" 2>/dev/null | sed -n 3p | tr -dc '0-9')
  echo "$(echo "($after - $before) / $TICKS" | bc -l) $stored"
}
for round in $(seq 1 "${ROUNDS:-2}"); do
  for bin in "${BINS[@]}"; do
    read -r cpu stored < <(measure "$bin")
    printf 'round %d  %-40s %8.3f CPU s  %8s records  %6.2f us/record\n' "$round" "$bin" "$cpu" "$stored" \
      "$(echo "$cpu * 1000000 / $stored" | bc -l)"
  done
done
