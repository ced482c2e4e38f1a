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
python3 - "$WORK/logs.jsonl" "$WORK/bodies" $PER_REQUEST <<'PY'
import base64, json, os, sys
lines = open(sys.argv[1], 'rb').read().splitlines(keepends=True)
os.makedirs(sys.argv[2])
per_record, step = 500, int(sys.argv[3])
for n, start in enumerate(range(0, len(lines), step)):
    chunk = lines[start:start + step]
    records = [{"data": base64.b64encode(b"".join(chunk[i:i + per_record])).decode()} for i in range(0, len(chunk), per_record)]
    with open(os.path.join(sys.argv[2], "%06d.json" % n), "w") as f:
        json.dump({"requestId": "bench-%06d" % n, "timestamp": 1763683200000, "records": records}, f)
PY
echo "input: $REQUESTS requests of $PER_REQUEST records"
measure() { # binary, requests -> prints "instructions stored_records"
  local bin=$1 requests=$2 db="$WORK/serve.duckdb" out="$WORK/callgrind.out"
  rm -f "$db" "$db.wal" "$WORK/port" "$out"
  valgrind --tool=callgrind --toggle-collect='dnslens::FirehoseIngest::ingest*' --callgrind-out-file="$out" "$bin" serve --db "$db" --listen 127.0.0.1:0 \
    --port-file "$WORK/port" --no-geo --no-detect -q > /dev/null 2> "$WORK/valgrind.log" &
  local pid=$!
  for _ in $(seq 1 600); do [ -s "$WORK/port" ] && break; sleep 0.1; done
  [ -s "$WORK/port" ] || { echo "serve did not start under valgrind:" >&2; cat "$WORK/valgrind.log" >&2; exit 1; }
  python3 - "$(cat "$WORK/port")" "$WORK/bodies" "$requests" <<'PY'
import http.client, os, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=600)
for name in sorted(os.listdir(sys.argv[2]))[:int(sys.argv[3])]:
    body = open(os.path.join(sys.argv[2], name), "rb").read()
    conn.request("POST", "/firehose", body, {"Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    if r.status != 200: sys.exit("request %s: %d" % (name, r.status))
PY
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
