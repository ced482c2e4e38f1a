#!/usr/bin/env bash
# The second README command: install dependencies, build, run every test (unit, integration,
# bounded fuzzing). Fails when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
scripts/fuzz.sh 20
