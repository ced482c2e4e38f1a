#!/usr/bin/env bash
# Many-core scaling by simulation (this VM has 2 cores): `dnslens run --serial-stages N` reads, enriches
# and writes each chunk in turn on one thread pinned to one core, timing each stage alone, with the
# sinks set up as for N workers. A serial stage (the reader, the in-order writer's sinks: the output
# with its copy into aligned blocks, the detectors' merge, the dead letters) feeds as many workers as
# its records/s over one worker's records/s; the implied N-worker speed-up is the pipeline's records/s
# with N workers (each serial stage on a core of its own) over its records/s with one.
# Usage: bench/stages.sh [size, default 1G] [workdir, default /tmp/dnslens-bench] [workers, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE="${1:-1G}"
WORK="${2:-/tmp/dnslens-bench}"
N="${3:-16}"
BIN="${DNSLENS_BIN:-build/dnslens}"
mkdir -p "$WORK"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
[ -f "$WORK/r53.jsonl" ] || $BIN generate --bytes "$SIZE" --seed 1 -o "$WORK/r53.jsonl"
ls -l "$WORK/r53.jsonl" | awk '{print "input:", $5, $9}'
cat "$WORK/r53.jsonl" > /dev/null
stages() { # label, then run's arguments; the report of the fastest of 3 runs (wall time)
  local label="$1"; shift
  echo "--- $label: dnslens run --serial-stages $N $* (pinned to CPU 0) ---"
  local best="" best_t=999999
  for _ in 1 2 3; do
    rm -f "$WORK/out.jsonl"
    local s e out
    s=$(date +%s.%N)
    out=$(taskset -c 0 $BIN run "$WORK/r53.jsonl" --serial-stages "$N" "$@" 2>&1) || { echo "bench: the run failed: $out" >&2; exit 1; }
    # The summary's stage table: from "  stages" to the implied figures and their continuation lines.
    out=$(echo "$out" | awk '/^  stages/ { p = 1 } p && /^  [a-z]/ && !/^  (stages|implied)/ { p = 0 } p')
    e=$(date +%s.%N)
    local t; t=$(echo "$e - $s" | bc -l)
    if (( $(echo "$t < $best_t" | bc -l) )); then best_t=$t; best=$out; fi
  done
  echo "$best"
}
stages "no detectors, output to /dev/null" -o /dev/null --no-detect
stages "no detectors, output to a file" -o "$WORK/out.jsonl" --no-detect
stages "detectors on (the default), output to a file" -o "$WORK/out.jsonl"
stages "detectors on, OCSF 1.1 to a file" -o "$WORK/out.jsonl" --output-format ocsf-1.1
rm -f "$WORK/out.jsonl"
# The 2-core machine's measured speed-up beside the implied one.
best() { # best wall time of 3 runs; a failed run stops the bench
  local b=999999
  for _ in 1 2 3; do
    rm -f "$WORK/out.jsonl"
    local s e; s=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }
    e=$(date +%s.%N)
    b=$(echo "$e - $s" | bc -l | awk -v b="$b" '{print ($1<b)?$1:b}')
  done
  echo "$b"
}
T1=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o "$WORK/out.jsonl" -q --no-detect)
T2=$(best $BIN run "$WORK/r53.jsonl" -j 2 -o "$WORK/out.jsonl" -q --no-detect)
echo "measured on this machine, no detectors, output to a file: -j1 $T1 s, -j2 $T2 s: $(echo "$T1 / $T2" | bc -l | cut -c1-5)x"
rm -f "$WORK/out.jsonl"
