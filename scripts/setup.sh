#!/usr/bin/env bash
# The first README command: install dependencies, build (dnslens and the dashboards), generate a
# realistic demo day, run the main job on it (enriched output, findings, the DuckDB store), then
# serve the dashboards on localhost until Ctrl-C. DNSLENS_DEMO_PORT picks the port (8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
# A demo server left running by an earlier setup would go on serving the store this run replaces: stop it.
if [ -f demo/serve.pid ]; then
  old="$(cat demo/serve.pid)"
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null && tr '\0' ' ' < "/proc/$old/cmdline" 2>/dev/null | grep -q 'dnslens serve'; then
    echo "dnslens: stopping the demo server of an earlier setup (pid $old)"
    kill "$old"
    for _ in $(seq 50); do  # gone, or a zombie PID 1 has not reaped yet
      state="$(sed 's/.*) //' "/proc/$old/stat" 2>/dev/null | cut -c1)"
      { [ -z "$state" ] || [ "$state" = Z ]; } && break
      sleep 0.1
    done
  fi
fi
build/dnslens demo --dir demo
port="${DNSLENS_DEMO_PORT:-8080}"
echo
echo "dnslens: the demo dashboards are at http://127.0.0.1:${port}/ (Ctrl-C stops them;"
echo "         again later with: build/dnslens serve --db demo/dnslens.duckdb --read-only)"
echo $$ > demo/serve.pid  # exec keeps the pid: the server's
exec build/dnslens serve --db demo/dnslens.duckdb --read-only --listen "127.0.0.1:${port}"
