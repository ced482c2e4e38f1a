#!/usr/bin/env bash
# Runs one golden case: tests/golden/<case>/cmd (bash, run in a scratch directory holding a copy of
# the case's input/) and compares what it wrote with the case's expected/ files, byte for byte.
#
# Usage: run-case.sh DNSLENS CASE_DIR [--update]
#
# The command sees $DNSLENS (the binary), $PSL (the public suffix list pinned for golden cases, so
# that the system's copy cannot change the expected output), $GOLDEN (tests/golden: inputs/ holds
# what several cases read; copy it into the scratch directory so record origins stay relative) and
# $DATA (tests/data). Its exit status
# is written to the file exit-status, compared like any other. expected/NAME.gz is compared with
# NAME decompressed (large outputs are kept compressed in the repository); a directory in
# expected/ is compared file by file. In what is compared, the scratch directory's path reads
# @SCRATCH@ and tests/golden's reads @GOLDEN@.
# --update rewrites expected/ from this run: only after checking that the change is intended.
set -uo pipefail
dnslens=$(realpath "$1")
case_dir=$(realpath "$2")
update=${3:-}
golden_root=$(dirname "$case_dir")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
[ -d "$case_dir/input" ] && cp -R "$case_dir/input/." "$scratch/"
(
  cd "$scratch" || exit 99
  export DNSLENS="$dnslens" PSL="$golden_root/public_suffix_list.dat" GOLDEN="$golden_root" \
    DATA="$(realpath "$golden_root/../data")"
  bash -o pipefail "$case_dir/cmd" > stdout 2> stderr
  echo $? > exit-status
)
# What the command printed on stderr is shown when the case fails; it is not compared (timings).
normalise() { sed -e "s#$scratch#@SCRATCH@#g" -e "s#$golden_root#@GOLDEN@#g"; }

if [ "$update" = "--update" ]; then
  [ -d "$case_dir/expected" ] || { echo "golden: $case_dir/expected must list the outputs to keep" >&2; exit 2; }
  (cd "$case_dir/expected" && find . -type f -print) | while read -r rel; do
    rel=${rel#./}
    if [[ "$rel" == *.gz ]]; then
      normalise < "$scratch/${rel%.gz}" | gzip -9n > "$case_dir/expected/$rel"
    else
      normalise < "$scratch/$rel" > "$case_dir/expected/$rel"
    fi
  done
  echo "golden: updated $(basename "$case_dir")"
  exit 0
fi

failed=0
while read -r rel; do
  rel=${rel#./}
  expected="$case_dir/expected/$rel"
  actual="$scratch/${rel%.gz}"
  if [ ! -f "$actual" ]; then
    echo "golden: $(basename "$case_dir"): the command did not write ${rel%.gz}"
    failed=1
    continue
  fi
  if [[ "$rel" == *.gz ]]; then
    want() { gzip -dc "$expected"; }
  else
    want() { cat "$expected"; }
  fi
  if ! diff <(want) <(normalise < "$actual") > "$scratch/diff" 2>&1; then
    echo "golden: $(basename "$case_dir"): ${rel%.gz} differs from the expected output (first differences):"
    head -n 20 "$scratch/diff" | cut -c1-400
    failed=1
  fi
done < <(cd "$case_dir/expected" && find . -type f -print | sort)
if [ "$failed" -ne 0 ]; then
  echo "golden: stderr of the command:"
  head -n 40 "$scratch/stderr"
  exit 1
fi
echo "golden: $(basename "$case_dir") ok"
