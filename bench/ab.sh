#!/usr/bin/env bash
# A/B of two dnslens builds on the same generated file, in the same run: first that their outputs are
# byte-identical (enriched lines with every enrichment and the name signals, dead letters, findings),
# then the time of each configuration below, best of 3, the two builds alternating run by run so a
# drifting machine hits both alike, and the CPU seconds of one -j1 run each.
# Usage: bench/ab.sh BASELINE_BINARY [BINARY, default build/dnslens] [size, default 1G] [workdir]
set -euo pipefail
cd "$(dirname "$0")/.."
A="${1:?usage: bench/ab.sh BASELINE_BINARY [BINARY] [size] [workdir]}"
B="${2:-build/dnslens}"
SIZE="${3:-1G}"
WORK="${4:-/tmp/dnslens-bench}"
mkdir -p "$WORK"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
echo "A (baseline): $A"
echo "B:            $B"
[ -f "$WORK/r53.jsonl" ] || "$A" generate --bytes "$SIZE" --seed 1 -o "$WORK/r53.jsonl"
[ -f "$WORK/r53.jsonl.gz" ] || igzip -1 -c "$WORK/r53.jsonl" > "$WORK/r53.jsonl.gz"
printf 'malware-delivery.ru\nphish-login-secure.com\nbadcdn.top\nc2-beacon.xyz\nevil-tunnel.net\n' > "$WORK/interesting.txt"
printf 'c2-beacon.xyz\nevil-tunnel.net\n' > "$WORK/intel.txt"
ls -l "$WORK/r53.jsonl" | awk '{print "input:", $5, "bytes"}'

echo "--- the same output ---"
for side in A B; do
  bin=$A; [ "$side" = B ] && bin=$B
  "$bin" run "$WORK/r53.jsonl" -j 2 -o "$WORK/out-$side.jsonl" --interesting "$WORK/interesting.txt" --intel "$WORK/intel.txt" \
    --dead-letter "$WORK/dead-$side.jsonl" --findings "$WORK/findings-$side.jsonl" -q
done
for f in out dead findings; do
  if [ ! -e "$WORK/$f-A.jsonl" ] && [ ! -e "$WORK/$f-B.jsonl" ]; then echo "  $f: neither wrote one"; continue; fi
  if cmp -s "$WORK/$f-A.jsonl" "$WORK/$f-B.jsonl"; then echo "  $f: identical ($(stat -c %s "$WORK/$f-B.jsonl") bytes)"
  else echo "  $f: DIFFERENT"; DIFFERENT=1; fi
done
rm -f "$WORK"/out-?.jsonl

echo "--- time, best of 3, A and B alternating ---"
declare -A best
run_pair() { # label, then the arguments after the binary
  local label=$1; shift
  for side in A B; do best[$side]=999999; done
  for _ in 1 2 3; do
    for side in A B; do
      local bin=$A; [ "$side" = B ] && bin=$B
      rm -f "$WORK/out.jsonl"
      local s e; s=$(date +%s.%N); "$bin" "$@" > /dev/null 2>&1; e=$(date +%s.%N)
      best[$side]=$(echo "$e - $s" | bc -l | awk -v b="${best[$side]}" '{print ($1<b)?$1:b}')
    done
  done
  printf '%-44s A %7.3f s   B %7.3f s   B/A %5.3f\n' "$label" "${best[A]}" "${best[B]}" "$(echo "${best[B]} / ${best[A]}" | bc -l)"
}
IN="$WORK/r53.jsonl"
run_pair "run -j1 -o file --no-detect" run "$IN" -j 1 -o "$WORK/out.jsonl" --interesting "$WORK/interesting.txt" -q --no-detect
run_pair "run -j1 -o /dev/null --no-detect" run "$IN" -j 1 -o /dev/null --interesting "$WORK/interesting.txt" -q --no-detect
run_pair "run -j2 -o /dev/null --no-detect" run "$IN" -j 2 -o /dev/null --interesting "$WORK/interesting.txt" -q --no-detect
run_pair "run -j1 -o /dev/null, detectors on" run "$IN" -j 1 -o /dev/null -q --findings "$WORK/f.jsonl"
run_pair "run -j2 -o /dev/null, detectors on" run "$IN" -j 2 -o /dev/null -q --findings "$WORK/f.jsonl"
run_pair "run .gz -j2 -o /dev/null --no-detect" run "$WORK/r53.jsonl.gz" -j 2 -o /dev/null -q --no-detect
echo "--- CPU seconds (user + system) of run -j1 -o /dev/null --no-detect ---"
for side in A B A B; do
  bin=$A; [ "$side" = B ] && bin=$B
  cpu=$( { /usr/bin/time -f "%U %S" "$bin" run "$IN" -j 1 -o /dev/null --interesting "$WORK/interesting.txt" -q --no-detect; } 2>&1 | tail -1 | awk '{print $1 + $2}')
  echo "  $side: $cpu"
done
[ -z "${DIFFERENT:-}" ] || { echo "ab: the outputs differ"; exit 1; }
