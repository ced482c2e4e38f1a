#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time.
# Usage: scripts/fuzz.sh [seconds-per-target]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-20}"
OUT=build-fuzz
mkdir -p "$OUT"
CXX=clang++
FLAGS=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc
       -DDNSLENS_DEFAULT_PSL=\"/usr/share/publicsuffix/public_suffix_list.dat\" -DDNSLENS_VERSION=\"fuzz\")
LIBS=($(pkg-config --libs simdjson libisal libzstd fmt yaml-cpp libxxhash) -labsl_hash -labsl_city -labsl_low_level_hash -labsl_raw_hash_set -labsl_throw_delegate)
COMMON=(src/core/error.cpp src/core/timestamp.cpp src/core/dns_name.cpp src/core/json_escape.cpp src/io/read_file.cpp)
IO=(src/io/base64.cpp src/io/byte_source.cpp src/io/decoders.cpp src/io/decompress_limits.cpp)
build() {
  local name=$1; shift
  if [ ! -x "$OUT/$name" ] || [ -n "$(find src tests/fuzz -newer "$OUT/$name" -name '*.[ch]pp' -print -quit)" ]; then
    echo "fuzz: building $name"
    $CXX "${FLAGS[@]}" "$@" "${COMMON[@]}" -o "$OUT/$name" "${LIBS[@]}"
  fi
}
build parser_fuzz tests/fuzz/parser_fuzz.cpp src/parse/query_log_parser.cpp
build envelope_fuzz tests/fuzz/envelope_fuzz.cpp src/sources/envelope_decoder.cpp "${IO[@]}"
build decoder_fuzz tests/fuzz/decoder_fuzz.cpp "${IO[@]}"
build dns_name_fuzz tests/fuzz/dns_name_fuzz.cpp src/enrich/registered_domain/public_suffix_list.cpp \
  src/enrich/registered_domain/punycode.cpp
build intel_fuzz tests/fuzz/intel_fuzz.cpp src/enrich/threat_intel/feed_loader.cpp src/enrich/threat_intel/threat_intel.cpp \
  src/enrich/threat_intel/ip_address.cpp src/enrich/registered_domain/public_suffix_list.cpp \
  src/enrich/registered_domain/punycode.cpp
build asn_fuzz tests/fuzz/asn_fuzz.cpp src/enrich/geoip/asn_table.cpp src/enrich/threat_intel/ip_address.cpp
build firewall_fuzz tests/fuzz/firewall_fuzz.cpp src/enrich/dns_firewall/firewall_policy.cpp \
  src/enrich/dns_firewall/policy_loader.cpp src/enrich/dns_firewall/firewall_evaluator.cpp \
  src/enrich/dns_firewall/policy_lint.cpp
# The detection target links the whole enrichment and detection stack, plus the two sources CMake
# generates (the built-in DGA model and benign-noise list): run it after the CMake build.
for generated in build/generated/dga_default_model.cpp build/generated/benign_noise_default.cpp; do
  [ -f "$generated" ] || { echo "fuzz: $generated is missing: build with CMake first (scripts/build.sh)"; exit 1; }
done
DETECT=(src/pipeline/record_processor.cpp src/parse/query_log_parser.cpp src/enrich/registered_domain/public_suffix_list.cpp
  src/enrich/registered_domain/punycode.cpp src/enrich/interesting_domains/interesting_domains.cpp
  src/enrich/threat_intel/threat_intel.cpp src/enrich/threat_intel/ip_address.cpp src/enrich/threat_intel/feed_loader.cpp
  src/enrich/dns_firewall/firewall_evaluator.cpp src/enrich/dns_firewall/firewall_policy.cpp
  src/sinks/jsonl/partitioned_writer.cpp src/sinks/output_sink.cpp src/sinks/file_writer.cpp "${IO[@]}" $(ls src/detect/*/*.cpp)
  build/generated/dga_default_model.cpp build/generated/benign_noise_default.cpp $(ls src/store/*.cpp)
  $(ls src/enrich/geoip/*.cpp))
DUCKDB_DIR=.deps/duckdb-1.4.4
build detect_fuzz tests/fuzz/detect_fuzz.cpp "${DETECT[@]}" -isystem "$DUCKDB_DIR/include" -L"$DUCKDB_DIR/lib" -lduckdb -lmaxminddb \
  -Wl,-rpath,"$(pwd)/$DUCKDB_DIR/lib"
for target in parser envelope decoder dns_name intel asn firewall detect; do
  work="$OUT/corpus-$target"
  mkdir -p "$work"
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
  status=0
  "$OUT/${target}_fuzz" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=2048 \
    -print_final_stats=1 "$work" "tests/fuzz/corpus/$target" > "$OUT/$target.log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|==|SUMMARY|ERROR)" "$OUT/$target.log" || true
  # A sanitizer report or a non-zero exit is a failure even when no crash file was written (a seed
  # that crashes while the corpus is read leaves none).
  found=$(find . -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -print)
  if [ "$status" -ne 0 ] || [ -n "$found" ] || grep -q -E "^(==[0-9]+==ERROR|SUMMARY: )" "$OUT/$target.log"; then
    echo "fuzz: $target found a problem (exit $status); log: $OUT/$target.log"; echo "$found"
    exit 1
  fi
done
echo "fuzz: all targets clean"
