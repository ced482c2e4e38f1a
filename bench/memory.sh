#!/usr/bin/env bash
# Memory stays flat as the input grows: the peak resident memory (VmHWM, from GNU time) of `dnslens run`
# with the detectors on (the default run) over a generated day of SMALL bytes and over one of LARGE
# bytes (default 1G and 10G: the same fleet, ten times as many queries). The records come through a
# pipe from `dnslens generate`, so no 10 GB file is written; the generator is a process of its own and
# is not counted. Target: the large run's peak within 1.1x of the small one's.
# Usage: bench/memory.sh [BINARY, default build/dnslens] [SMALL, default 1G] [LARGE, default 10G]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-build/dnslens}"
SMALL="${2:-1G}"
LARGE="${3:-10G}"
[ -x /usr/bin/time ] || { echo "bench/memory.sh needs GNU time (apt install time)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/dnslens-memory-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GB"
measure() { # size -> prints "peak_kb seconds records findings"
  local size=$1
  "$BIN" generate --bytes "$size" --seed 3 -o - 2>/dev/null |
    /usr/bin/time -f "%M %e" -o "$WORK/time" "$BIN" run -j2 -o /dev/null --summary-json "$WORK/summary.json" - \
      > /dev/null 2> "$WORK/stderr" || { cat "$WORK/stderr" >&2; exit 1; }
  read -r peak seconds < "$WORK/time"
  local records findings
  records=$(python3 -c "import json; print(json.load(open('$WORK/summary.json'))['records'])")
  findings=$(python3 -c "import json; print(json.load(open('$WORK/summary.json'))['detection']['findings'])")
  echo "$peak $seconds $records $findings"
}
read -r small_kb small_s small_n small_f < <(measure "$SMALL")
printf '%-5s %10s records  %6.1f s  peak RSS %7.1f MB  %s findings\n' "$SMALL" "$small_n" "$small_s" \
  "$(echo "$small_kb / 1024" | bc -l)" "$small_f"
read -r large_kb large_s large_n large_f < <(measure "$LARGE")
printf '%-5s %10s records  %6.1f s  peak RSS %7.1f MB  %s findings\n' "$LARGE" "$large_n" "$large_s" \
  "$(echo "$large_kb / 1024" | bc -l)" "$large_f"
printf 'peak RSS %s / %s: %.3f (target <= 1.10)\n' "$LARGE" "$SMALL" "$(echo "$large_kb / $small_kb" | bc -l)"
