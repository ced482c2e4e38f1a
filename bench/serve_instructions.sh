#!/usr/bin/env bash
# Instructions serve executes per stored record while it handles Firehose requests, counted by
# callgrind inside FirehoseIngest::ingest (decode, parse, enrich, the sinks, the store's append and
# commit): a figure that does not drift with the machine, unlike CPU time, and leaves out start-up,
# the HTTP server and idle threads (which spin, and would count the time valgrind takes). Generated
# records, direct delivery, 500 records per Firehose record, 4 Firehose records per request, POSTed
# on 127.0.0.1. Under valgrind this takes minutes per binary.
# Usage: bench/serve_instructions.sh [requests, default 2] BINARY...   (default BINARY: build/dnslens)
#        Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${1:-2}"
shift || true
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=(build/dnslens)
command -v valgrind > /dev/null || { echo "serve_instructions.sh needs valgrind (apt-get install valgrind)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/dnslens-serve-instr-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(valgrind --version)"
PER_REQUEST=2000
"${BINS[0]}" generate --records $((REQUESTS * PER_REQUEST)) --seed 1 -o "$WORK/logs.jsonl" 2>/dev/null
bench/firehose_bodies.py make "$WORK/logs.jsonl" "$WORK/bodies" $PER_REQUEST
echo "input: $REQUESTS requests of $PER_REQUEST records"
measure() { # binary, requests -> prints "instructions stored_records"
  local bin=$1 requests=$2 db="$WORK/serve.duckdb" out="$WORK/callgrind.out"
  rm -f "$db" "$db.wal" "$WORK/port" "$out"
  valgrind --tool=callgrind --toggle-collect='dnslens::FirehoseIngest::ingest*' --callgrind-out-file="$out" "$bin" serve --db "$db" --listen 127.0.0.1:0 \
    --port-file "$WORK/port" --no-geo --no-detect -q > /dev/null 2> "$WORK/valgrind.log" &
  local pid=$!
  for _ in $(seq 1 600); do [ -s "$WORK/port" ] && break; sleep 0.1; done
  [ -s "$WORK/port" ] || { echo "serve did not start under valgrind:" >&2; cat "$WORK/valgrind.log" >&2; exit 1; }
  bench/firehose_bodies.py post "$(cat "$WORK/port")" "$WORK/bodies" "$requests"
  kill -TERM "$pid"; wait "$pid" || true
  local stored; stored=$("$bin" sql --db "$db" "SELECT count(*) AS n FROM route53query" 2>/dev/null | sed -n 3p | tr -dc '0-9')
  local instr; instr=$(awk '/^summary:/{s+=$2} END{printf "%.0f", s}' "$out"*)
  echo "$instr $stored"
}
for bin in "${BINS[@]}"; do
  read -r instr stored < <(measure "$bin" "$REQUESTS")
  printf '%-40s %8d records  %14d instructions  %8.0f instructions/record\n' "$bin" "$stored" "$instr" \
    "$(echo "$instr / $stored" | bc -l)"
done
