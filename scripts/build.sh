#!/usr/bin/env bash
# Configures and builds dnslens (Release) into build/, and the dashboards' front end into web/dist.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
scripts/build-web.sh
