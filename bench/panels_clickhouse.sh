#!/usr/bin/env bash
# The dashboards' panels from ClickHouse against the same panels from the DuckDB store, on the same day:
# one generated day loaded into a DuckDB store and into a local ClickHouse cluster (scripts/clickhouse-
# cluster.sh, 2 shards x 2 replicas on this machine by default), `serve --read-only` on each, and every
# panel asked 3 times of each server, alternating; the median of the server's own time (the answer's
# "ms": the SQL, dnslens's computed columns and the JSON) is reported per panel with ClickHouse / DuckDB.
# The cluster's servers and ZooKeeper share the machine's cores with DuckDB's server.
# Usage: bench/panels_clickhouse.sh [records, default 10000000] [workdir] [shards, default 2] [replicas, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-10000000}"
WORK="${2:-/tmp/dnslens-bench-panels-clickhouse}"
SHARDS="${3:-2}"
REPLICAS="${4:-2}"
BIN="${DNSLENS_BIN:-$(pwd)/build/dnslens}"
mkdir -p "$WORK"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
DAY="$WORK/day-$RECORDS.jsonl.gz"
[ -f "$DAY" ] || "$BIN" generate --records "$RECORDS" --seed 7 -o "$DAY" > /dev/null 2>&1
printf 'indicator,type,confidence,actor,category\nc2-beacon.xyz,domain,90,Beacon Crew,c2\nevil-tunnel.net,domain,70,Tunnel Folk,exfiltration\n' \
  > "$WORK/intel.csv"
scripts/clickhouse-cluster.sh start "$WORK/cluster" "$SHARDS" "$REPLICAS"
DUCK_PID="" CH_PID=""
trap 'kill $DUCK_PID $CH_PID 2>/dev/null || true; scripts/clickhouse-cluster.sh stop "$WORK/cluster"' EXIT
# shellcheck disable=SC1091
. "$WORK/cluster/cluster.env"
CLUSTER=()
[ "$SHARDS$REPLICAS" = 11 ] || CLUSTER=(--clickhouse-cluster dnslens)
echo "server: ClickHouse $(curl -s "$CLICKHOUSE_1_1_URL/?query=SELECT%20version()"), $SHARDS x $REPLICAS"
if [ ! -f "$WORK/loaded-$RECORDS" ]; then
  rm -f "$WORK/day.duckdb"
  "$BIN" clickhouse init --clickhouse "$CLICKHOUSE_1_1_URL" "${CLUSTER[@]}" > /dev/null
  "$BIN" run "$DAY" -j 2 -q -o none --intel "$WORK/intel.csv" --store "$WORK/day.duckdb" \
    --clickhouse "$CLICKHOUSE_1_1_URL" "${CLUSTER[@]}" --clickhouse-no-gzip
  touch "$WORK/loaded-$RECORDS"
fi
# The replicas and parts settle before timing.
for url in $CLICKHOUSE_URLS; do
  curl -sf "$url/" --data-binary "OPTIMIZE TABLE dnslens.$( [ ${#CLUSTER[@]} = 0 ] && echo route53query || echo route53query_local ) FINAL" > /dev/null || true
done
rm -f "$WORK/duck.port" "$WORK/ch.port"
"$BIN" serve --db "$WORK/day.duckdb" --read-only --listen 127.0.0.1:0 --port-file "$WORK/duck.port" -q &
DUCK_PID=$!
"$BIN" serve --clickhouse "$CLICKHOUSE_1_1_URL" "${CLUSTER[@]}" --read-only --listen 127.0.0.1:0 \
  --port-file "$WORK/ch.port" -q &
CH_PID=$!
for _ in $(seq 1 200); do [ -s "$WORK/duck.port" ] && [ -s "$WORK/ch.port" ] && break; sleep 0.1; done
DP=$(cat "$WORK/duck.port") CP=$(cat "$WORK/ch.port")
RECORDS_DUCK=$(curl -sf "http://127.0.0.1:$DP/api/catalog" | jq -r '.range.records')
# The whole stored range, named in each request as the dashboards name it.
RANGE=$(curl -sf "http://127.0.0.1:$DP/api/catalog" | jq -r '"from=\(.range.min)&to=\(.range.max + 1000)"')
RECORDS_CH=$(curl -sf "http://127.0.0.1:$CP/api/catalog" | jq -r '.range.records')
echo "records: DuckDB store $RECORDS_DUCK, ClickHouse $RECORDS_CH; the whole range; $BIN"
PANELS=$(curl -sf "http://127.0.0.1:$DP/api/catalog" | jq -r '.panels | keys[]')
median() { sort -n | sed -n 2p; }
printf '%-22s %10s %10s %8s\n' panel "DuckDB ms" "CH ms" "CH/Duck"
for p in $PANELS; do
  d=() c=()
  for _ in 1 2 3; do
    d+=("$(curl -sf "http://127.0.0.1:$DP/api/panel/$p?$RANGE" | jq -r '.ms')")
    c+=("$(curl -sf "http://127.0.0.1:$CP/api/panel/$p?$RANGE" | jq -r '.ms')")
  done
  D=$(printf '%s\n' "${d[@]}" | median) C=$(printf '%s\n' "${c[@]}" | median)
  printf '%-22s %10.1f %10.1f %8.2f\n' "$p" "$D" "$C" "$(echo "$C / ($D + 0.001)" | bc -l)"
done | tee "$WORK/panels.txt"
awk 'NR > 0 { d += $2; c += $3; if ($4 > 2) over++ } END { printf "all panels: DuckDB %.0f ms, ClickHouse %.0f ms (%.2fx); panels over 2x: %d of %d\n", d, c, c / d, over, NR }' "$WORK/panels.txt"
