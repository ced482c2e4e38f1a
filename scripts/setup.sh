#!/usr/bin/env bash
# The first README command: install dependencies, build, generate a realistic demo day and run
# the main job on it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/dnslens demo --dir demo
