#!/usr/bin/env bash
# dnslens serve's durable ingest into ClickHouse beside the same into the DuckDB store, in one run: the
# same Firehose request bodies of generated records (2,000 records per request) POSTed one after another
# to `serve --db` and to `serve --clickhouse` (a real cluster on loopback from
# scripts/clickhouse-cluster.sh, SHARDS x REPLICAS, default 1 x 1), each answered 200 only once stored.
# Wall-clock records/s per target, interleaved (DuckDB, ClickHouse, DuckDB, ClickHouse). The servers and
# ZooKeeper share the machine with dnslens.
# Usage: bench/serve_clickhouse.sh [records, default 200000] [SHARDS] [REPLICAS]   (BIN=build/dnslens)
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-200000}"
SHARDS="${2:-1}"
REPLICAS="${3:-1}"
BIN="${BIN:-build/dnslens}"
WORK=$(mktemp -d /tmp/dnslens-serve-ch-bench-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; scripts/clickhouse-cluster.sh stop "$WORK/cluster" || true; rm -rf "$WORK"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
scripts/clickhouse-cluster.sh start "$WORK/cluster" "$SHARDS" "$REPLICAS" > /dev/null
# shellcheck disable=SC1091
source "$WORK/cluster/cluster.env"
echo "server: ClickHouse $(curl -s "$CLICKHOUSE_1_1_URL/?query=SELECT%20version()") ($SHARDS x $REPLICAS)"
CLUSTER=()
[ "$SHARDS$REPLICAS" = "11" ] || CLUSTER=(--clickhouse-cluster dnslens)
"$BIN" generate --records "$RECORDS" --seed 1 -o "$WORK/logs.jsonl" 2>/dev/null
bench/firehose_bodies.py make "$WORK/logs.jsonl" "$WORK/bodies"
echo "input: $RECORDS records in $(ls "$WORK/bodies" | wc -l) requests of $(du -sh "$WORK/bodies" | cut -f1)"
measure() { # target round -> prints "seconds"
  local target=$1 round=$2 args
  rm -f "$WORK/port"
  if [ "$target" = duckdb ]; then
    args=(--db "$WORK/serve-$round.duckdb")
  else
    "$BIN" clickhouse init --clickhouse "$CLICKHOUSE_1_1_URL" "${CLUSTER[@]}" --clickhouse-database "bench$round" > /dev/null
    args=(--clickhouse "$CLICKHOUSE_1_1_URL" "${CLUSTER[@]}" --clickhouse-database "bench$round")
  fi
  "$BIN" serve "${args[@]}" --listen 127.0.0.1:0 --port-file "$WORK/port" --no-geo --no-detect -q > /dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
  local start end
  start=$(date +%s.%N)
  bench/firehose_bodies.py post "$(cat "$WORK/port")" "$WORK/bodies"
  end=$(date +%s.%N)
  kill -TERM "$pid"; wait "$pid" || true
  echo "$end - $start" | bc -l
}
for round in 1 2; do
  for target in duckdb clickhouse; do
    s=$(measure "$target" "$round")
    printf 'round %d  %-10s %7.2f s  %9.0f records/s\n' "$round" "$target" "$s" "$(echo "$RECORDS / $s" | bc -l)"
  done
done
