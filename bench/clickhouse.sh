#!/usr/bin/env bash
# One `dnslens run` into a local ClickHouse cluster (2 shards x 2 replicas on this machine, started by
# scripts/clickhouse-cluster.sh) against the JSON-lines run of the same day, in the same run, best of 3
# each, interleaved. The cluster's four servers and ZooKeeper share the machine with dnslens.
# Usage: bench/clickhouse.sh [records, default 1000000] [workdir, default /tmp/dnslens-bench-clickhouse]
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-1000000}"
WORK="${2:-/tmp/dnslens-bench-clickhouse}"
BIN="${DNSLENS_BIN:-$(pwd)/build/dnslens}"
mkdir -p "$WORK"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
DAY="$WORK/day-$RECORDS.jsonl"
[ -f "$DAY" ] || "$BIN" generate --records "$RECORDS" --seed 7 -o "$DAY" > /dev/null 2>&1
N=$(wc -l < "$DAY")
echo "input: $DAY, $N records, $(stat -c %s "$DAY") bytes"
scripts/clickhouse-cluster.sh start "$WORK/cluster" 2 2
trap 'scripts/clickhouse-cluster.sh stop "$WORK/cluster"' EXIT
# shellcheck disable=SC1091
. "$WORK/cluster/cluster.env"
"$BIN" clickhouse init --clickhouse "$CLICKHOUSE_1_1_URL" --clickhouse-cluster dnslens > /dev/null
echo "server: ClickHouse $(curl -s "$CLICKHOUSE_1_1_URL/?query=SELECT%20version()")"
cat "$DAY" > /dev/null
T_JSON=999999 T_CH=999999
for _ in 1 2 3; do
  rm -f "$WORK/out.jsonl"
  s=$(date +%s.%N); "$BIN" run "$DAY" -j 2 --no-detect -q -o "$WORK/out.jsonl"; e=$(date +%s.%N)
  T_JSON=$(echo "$e - $s" | bc -l | awk -v b="$T_JSON" '{print ($1<b)?$1:b}')
  curl -sf "$CLICKHOUSE_1_1_URL/" --data-binary "TRUNCATE TABLE dnslens.route53query_local ON CLUSTER dnslens" > /dev/null
  s=$(date +%s.%N)
  "$BIN" run "$DAY" -j 2 --no-detect -q -o none --clickhouse "$CLICKHOUSE_1_1_URL" --clickhouse-cluster dnslens
  e=$(date +%s.%N)
  T_CH=$(echo "$e - $s" | bc -l | awk -v b="$T_CH" '{print ($1<b)?$1:b}')
done
STORED=$(curl -s "$CLICKHOUSE_2_2_URL/" --data-binary "SELECT count() FROM dnslens.route53query")
report() { printf '%-62s %7.3f s  %9.0f records/s\n' "$1" "$2" "$(echo "$N / $2" | bc -l)"; }
echo "--- best of 3 ---"
report "run -j2 --no-detect, JSON lines to a file" "$T_JSON"
report "run -j2 --no-detect --clickhouse (2x2 cluster, sync inserts)" "$T_CH"
printf 'ClickHouse / JSON lines records/s: %.2f (rows stored: %s of %s)\n' "$(echo "$T_JSON / $T_CH" | bc -l)" "$STORED" "$N"
