#!/usr/bin/env bash
# Installs everything dnslens needs to build and test on Debian 12. Idempotent; works as root on a
# fresh machine with no prior apt-get update.
set -euo pipefail
PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libsimdjson-dev libisal-dev isal libzstd-dev zstd zlib1g-dev
  libpsl-dev publicsuffix libabsl-dev libxxhash-dev
  libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libcpp-httplib-dev libssl-dev libbrotli-dev libmaxminddb-dev mmdb-bin
  libgtest-dev libbenchmark-dev clang libclang-rt-dev clang-format
  libyaml-cpp-dev libboost1.81-dev
  wamerican wngerman wfrench wspanish witalian wportuguese wdutch webext-privacy-badger webext-ublock-origin-firefox
  bc time jq python3-tldextract openssl curl
  chromium fonts-dejavu-core
  clickhouse-server clickhouse-client zookeeper default-jre-headless
)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches DuckDB (no Debian package) and, later, the dashboard's front-end packages.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "dnslens: all Debian packages present"
else
  echo "dnslens: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # The packaged ClickHouse and ZooKeeper services are not wanted running: the tests start their own
  # cluster on free ports (scripts/clickhouse-cluster.sh). policy-rc.d keeps apt from starting them.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" > /dev/null
    $SUDO chmod +x "$policy"
    made_policy=1
  fi
  status=0
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
  if [ "$made_policy" = 1 ]; then $SUDO rm -f "$policy"; fi
  [ "$status" = 0 ] || exit "$status"
fi
"$(dirname "$0")/fetch-duckdb.sh"
"$(dirname "$0")/fetch-geo.sh"
"$(dirname "$0")/fetch-chdb.sh"
"$(dirname "$0")/fetch-benign-names.sh"
