#!/usr/bin/env bash
# Builds dnslens with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs the
# unit, integration and fuzz-replay tests there, so a use-after-free or an overflow fails the run
# even where the Release build happens to survive it. The browser test runs in the Release build only.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -g1" -DDNSLENS_SANITIZE=ON \
  -DDNSLENS_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$(nproc)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -E '^DashboardsInChromium$'
