#!/usr/bin/env bash
# The second README command: install dependencies, build, run every test: unit, integration, the
# dashboards in Chromium and the fuzz targets' committed corpora (replayed with fixed seeds, so
# every run tests the same inputs), then the same tests again in an ASan + UBSan build.
# Fails when any test fails. Open-ended fuzzing is scripts/fuzz.sh --long, never part of this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
scripts/sanitize.sh
