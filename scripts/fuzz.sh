#!/usr/bin/env bash
# Coverage-guided fuzzing with clang's libFuzzer (ASan + UBSan), for a campaign you run yourself
# before resolving a change to a parser or loader. CI never runs this: it replays the committed
# corpora deterministically (ctest's fuzz_replay.* tests).
#
# Usage: scripts/fuzz.sh --long [SECONDS-PER-TARGET] [TARGET...]   (default 600 s, every target)
#
# Targets are tests/fuzz/<name>_fuzz.cpp. New inputs libFuzzer finds go to build-fuzz/corpus-<name>/
# (not committed); a crash is written as build-fuzz/crash-<name>-*, and the script stops with its
# path. Fix it, then commit that input to tests/fuzz/corpus/<name>/ so CI replays it for ever.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--long" ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
shift
SECONDS_PER_TARGET="${1:-600}"
[ $# -gt 0 ] && shift
OUT=build-fuzz
CC=clang CXX=clang++ cmake -S . -B "$OUT" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -g" \
  -DDNSLENS_LIBFUZZER=ON -DDNSLENS_BUILD_BENCH=OFF >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in tests/fuzz/*_fuzz.cpp; do
    name=$(basename "$source" .cpp)
    targets+=("${name%_fuzz}")
  done
fi
cmake --build "$OUT" -j"$(nproc)" --target $(printf '%s_fuzz ' "${targets[@]}")
for target in "${targets[@]}"; do
  work="$OUT/corpus-$target"
  mkdir -p "$work"
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
  status=0
  "$OUT/tests/fuzz/${target}_fuzz" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=2048 \
    -timeout=20 -print_final_stats=1 -artifact_prefix="$OUT/crash-$target-" "$work" "tests/fuzz/corpus/$target" \
    > "$OUT/$target.log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY)" "$OUT/$target.log" || true
  found=$(find "$OUT" -maxdepth 1 -name "crash-$target-*" -print)
  if [ "$status" -ne 0 ] || [ -n "$found" ] || grep -q -E "^(==[0-9]+==ERROR|SUMMARY: )" "$OUT/$target.log"; then
    echo "fuzz: $target found a problem (exit $status); log: $OUT/$target.log"
    [ -n "$found" ] && echo "$found"
    exit 1
  fi
done
echo "fuzz: every target ran clean"
