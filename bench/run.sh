#!/usr/bin/env bash
# End-to-end benchmarks against baselines measured in the same run on the same generated file.
# Usage: bench/run.sh [size, default 1G] [workdir, default /tmp/dnslens-bench]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE="${1:-1G}"
WORK="${2:-/tmp/dnslens-bench}"
BIN="${DNSLENS_BIN:-build/dnslens}"  # DNSLENS_BIN: another build to measure (an A/B against a baseline)
mkdir -p "$WORK"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
[ -f "$WORK/r53.jsonl" ] || $BIN generate --bytes "$SIZE" --seed 1 -o "$WORK/r53.jsonl"
[ -f "$WORK/r53.jsonl.gz" ] || igzip -1 -c "$WORK/r53.jsonl" > "$WORK/r53.jsonl.gz"
[ -f "$WORK/slice100m.jsonl" ] || head -c 100000000 "$WORK/r53.jsonl" | head -n -1 > "$WORK/slice100m.jsonl"
printf 'malware-delivery.ru\nphish-login-secure.com\nbadcdn.top\nc2-beacon.xyz\nevil-tunnel.net\n' > "$WORK/interesting.txt"
ls -l "$WORK/r53.jsonl" "$WORK/r53.jsonl.gz" | awk '{print "input:", $5, $9}'
cat "$WORK/r53.jsonl" > /dev/null
best() { # best wall time of 3 runs of a command, in seconds
  local b=999999
  for _ in 1 2 3; do
    rm -f "$WORK/out.jsonl"  # truncating last run's output is the file system's work, not the command's
    local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N)
    b=$(echo "$e - $s" | bc -l | awk -v b="$b" '{print ($1<b)?$1:b}')
  done
  echo "$b"
}
BYTES=$(stat -c %s "$WORK/r53.jsonl")
report() { printf '%-48s %8.3f s  %8.1f MB/s\n' "$1" "$2" "$(echo "$BYTES / $2 / 1000000" | bc -l)"; }
echo "--- baselines and dnslens on the same file (best of 3) ---"
build/bench/bench_bare_parse "$WORK/r53.jsonl"
build/bench/bench_bare_parse --stream "$WORK/r53.jsonl"
T_BARE_MEM=$(best build/bench/bench_bare_parse "$WORK/r53.jsonl"); report "bare simdjson parse, whole file read first" "$T_BARE_MEM"
T_BARE=$(best build/bench/bench_bare_parse --stream "$WORK/r53.jsonl"); report "bare simdjson parse, streaming 4 MiB reads" "$T_BARE"
T_J1=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o "$WORK/out.jsonl" --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j1 (parse+PSL+match+write file)" "$T_J1"
T_J1N=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o /dev/null --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j1, output formatted to /dev/null" "$T_J1N"
# -o FILE writes around the page cache (direct I/O); stdout redirected to the same file goes through it.
T_J1PC=$(best sh -c "$BIN run '$WORK/r53.jsonl' -j 1 -o - --interesting '$WORK/interesting.txt' -q --no-detect > '$WORK/out.jsonl'"); report "dnslens run -j1, stdout > file (page cache)" "$T_J1PC"
T_J2=$(best $BIN run "$WORK/r53.jsonl" -j 2 -o "$WORK/out.jsonl" --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j2 (write file)" "$T_J2"
T_J2PC=$(best sh -c "$BIN run '$WORK/r53.jsonl' -j 2 -o - --interesting '$WORK/interesting.txt' -q --no-detect > '$WORK/out.jsonl'"); report "dnslens run -j2, stdout > file (page cache)" "$T_J2PC"
T_J2N=$(best $BIN run "$WORK/r53.jsonl" -j 2 -o /dev/null --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j2, output to /dev/null" "$T_J2N"
$BIN run "$WORK/r53.jsonl" -j 1 -o "$WORK/enriched.jsonl" --interesting "$WORK/interesting.txt" -q --no-detect
T_CAT=$(best sh -c "cat '$WORK/enriched.jsonl' > '$WORK/out.jsonl'"); report "cat of run's output > file (writing those bytes)" "$T_CAT"
echo "  (run's output: $(stat -c %s "$WORK/enriched.jsonl") bytes)"; rm -f "$WORK/enriched.jsonl"
# CPU seconds (user + system, all threads) of one -j1 run: -j1 has one enrichment worker, and the
# reader and writer threads overlap I/O with it, so wall time alone understates the work.
CPU_J1N=$( { /usr/bin/time -f "%U %S" $BIN run "$WORK/r53.jsonl" -j 1 -o /dev/null --interesting "$WORK/interesting.txt" -q --no-detect; } 2>&1 | tail -1 | awk '{print $1 + $2}')
echo "dnslens run -j1 to /dev/null: $CPU_J1N CPU seconds (user + system)"
# One core for everything: the bare parse and every thread of run -j1 pinned to CPU 0, so the reader
# and writer threads cannot borrow the second core.
T_BARE_1C=$(best taskset -c 0 build/bench/bench_bare_parse --stream "$WORK/r53.jsonl"); report "bare streaming parse, pinned to one core" "$T_BARE_1C"
T_J1N_1C=$(best taskset -c 0 $BIN run "$WORK/r53.jsonl" -j 1 -o /dev/null --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j1 /dev/null, pinned to one core" "$T_J1N_1C"
T_J1_1C=$(best taskset -c 0 $BIN run "$WORK/r53.jsonl" -j 1 -o "$WORK/out.jsonl" --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j1 (write file), pinned to one core" "$T_J1_1C"
T_J1PC_1C=$(best taskset -c 0 sh -c "$BIN run '$WORK/r53.jsonl' -j 1 -o - --interesting '$WORK/interesting.txt' -q --no-detect > '$WORK/out.jsonl'"); report "dnslens run -j1, stdout > file, pinned to one core" "$T_J1PC_1C"
T_IGZ=$(best sh -c "igzip -dc '$WORK/r53.jsonl.gz' > /dev/null"); report "igzip -dc > /dev/null (.gz baseline)" "$T_IGZ"
T_GZ=$(best $BIN run "$WORK/r53.jsonl.gz" -j 2 -o /dev/null --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run .gz -j2, output to /dev/null" "$T_GZ"
T_GZ1=$(best $BIN run "$WORK/r53.jsonl.gz" -j 1 -o /dev/null --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run .gz -j1, output to /dev/null" "$T_GZ1"
r() { echo "$1 / $2" | bc -l | cut -c1-5; }
echo "ratios (throughput = 1/time):"
echo "  -j1 (file) / bare streaming:           $(r "$T_BARE" "$T_J1")   (target >= 0.40)"
echo "  -j1 (/dev/null) / bare streaming:      $(r "$T_BARE" "$T_J1N")   (in CPU time: $(r "$T_BARE" "$CPU_J1N"))"
echo "  -j1 (stdout > file, page cache) / bare: $(r "$T_BARE" "$T_J1PC");  -j2: $(r "$T_BARE" "$T_J2PC")"
echo "  -j1 (file) / bare streaming + writing the output: $(r "$(echo "$T_BARE + $T_CAT" | bc -l)" "$T_J1")"
echo "  -j1 (file) / bare whole-file:          $(r "$T_BARE_MEM" "$T_J1")"
echo "  one core: -j1 (/dev/null) / bare:      $(r "$T_BARE_1C" "$T_J1N_1C"),  -j1 (file) / bare: $(r "$T_BARE_1C" "$T_J1_1C"),  -j1 (stdout > file) / bare: $(r "$T_BARE_1C" "$T_J1PC_1C")"
echo "  -j2 / -j1 speed-up (file, /dev/null):  $(r "$T_J1" "$T_J2"), $(r "$T_J1N" "$T_J2N")"
echo "  .gz -j2 time added over plain -j2 / igzip time: $(echo "($T_GZ - $T_J2N) / $T_IGZ" | bc -l | cut -c1-5)   (target <= 1.3)"
echo "  .gz -j1 time added over plain -j1 / igzip time: $(echo "($T_GZ1 - $T_J1N) / $T_IGZ" | bc -l | cut -c1-5)"
echo "--- output formats: OCSF and ECS against route53 (target: >= 0.60 of route53's records/s) ---"
T_FR=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o "$WORK/out.jsonl" --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j1 (write file), --output-format route53" "$T_FR"
T_FO=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o "$WORK/out.jsonl" --output-format ocsf-1.1 --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j1 (write file), --output-format ocsf-1.1" "$T_FO"
test "$(wc -l < "$WORK/out.jsonl")" = "$(wc -l < "$WORK/r53.jsonl")" || { echo "bench: the OCSF output lost lines" >&2; exit 1; }
echo "  (OCSF output: $(stat -c %s "$WORK/out.jsonl") bytes)"
# Writing those bytes alone (the disk holds the OCSF output twice meanwhile): where the disk (or the
# page cache's dirty limit) is slower than the encoder, the OCSF file run above takes about what this takes.
mv "$WORK/out.jsonl" "$WORK/ocsf.jsonl"
T_CATO=$(best sh -c "cat '$WORK/ocsf.jsonl' > '$WORK/out.jsonl'"); report "cat of the OCSF output > file (writing those bytes)" "$T_CATO"
test "$(stat -c %s "$WORK/out.jsonl")" = "$(stat -c %s "$WORK/ocsf.jsonl")" || { echo "bench: cat did not write the OCSF output (disk full?)" >&2; exit 1; }
rm -f "$WORK/ocsf.jsonl"
T_FE=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o "$WORK/out.jsonl" --output-format ecs --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j1 (write file), --output-format ecs" "$T_FE"
test "$(wc -l < "$WORK/out.jsonl")" = "$(wc -l < "$WORK/r53.jsonl")" || { echo "bench: the ECS output lost lines" >&2; exit 1; }
echo "  (ECS output: $(stat -c %s "$WORK/out.jsonl") bytes)"
T_FR2=$(best $BIN run "$WORK/r53.jsonl" -j 2 -o "$WORK/out.jsonl" --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j2 (write file), --output-format route53" "$T_FR2"
T_FO2=$(best $BIN run "$WORK/r53.jsonl" -j 2 -o "$WORK/out.jsonl" --output-format ocsf-1.1 --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j2 (write file), --output-format ocsf-1.1" "$T_FO2"
T_FE2=$(best $BIN run "$WORK/r53.jsonl" -j 2 -o "$WORK/out.jsonl" --output-format ecs --interesting "$WORK/interesting.txt" -q --no-detect); report "dnslens run -j2 (write file), --output-format ecs" "$T_FE2"
echo "  writing a file: ocsf-1.1 / route53 records/s: -j1 $(r "$T_FR" "$T_FO"), -j2 $(r "$T_FR2" "$T_FO2")   (target >= 0.60; the OCSF file run takes $(r "$T_FO" "$T_CATO") times what cat of its bytes takes)"
echo "  writing a file: ecs / route53 records/s: -j1 $(r "$T_FR" "$T_FE"), -j2 $(r "$T_FR2" "$T_FE2")   (target >= 0.60)"
# The formats' own cost, without the device: an OCSF event is about 3.9 times the input line and a
# route53 line 1.4 times, so where the disk is slower than the encoder the file runs above time the disk.
declare -A TN
for j in 1 2; do
  for f in route53 ocsf-1.1 ecs; do
    TN[$j$f]=$(best $BIN run "$WORK/r53.jsonl" -j $j -o /dev/null --output-format $f --interesting "$WORK/interesting.txt" -q --no-detect)
    report "dnslens run -j$j (/dev/null), --output-format $f" "${TN[$j$f]}"
  done
  echo "  /dev/null -j$j: ocsf-1.1 / route53 records/s $(r "${TN[${j}route53]}" "${TN[${j}ocsf-1.1]}"), ecs / route53 $(r "${TN[${j}route53]}" "${TN[${j}ecs]}")   (target >= 0.60)"
done
echo "--- threat intel: 1M indicators (900k domains, 100k IPv4 addresses and prefixes) ---"
if [ ! -f "$WORK/intel-1m.txt" ]; then
  awk 'BEGIN { for (i = 0; i < 900000; i++) printf "ioc%07d-%x.com\n", i, (i * 2654435761) % 65536;
               for (i = 0; i < 100000; i++) printf "%d.%d.%d.%d%s\n", 11 + i % 200, int(i / 200) % 256, (i * 7) % 256, (i % 4) * 64, (i % 10 == 0) ? "/26" : "";
               print "c2-beacon.xyz"; print "badcdn.top" }' > "$WORK/intel-1m.txt"
fi
$BIN run /dev/null --intel "$WORK/intel-1m.txt" -o none 2>&1 | grep "intel feed"
T_NOI=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o /dev/null -q); report "dnslens run -j1 /dev/null, no intel" "$T_NOI"
T_I=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o /dev/null -q --intel "$WORK/intel-1m.txt"); report "dnslens run -j1 /dev/null, 1M indicators (incl. load)" "$T_I"
/usr/bin/time -f "peak RSS with 1M indicators: %M KB" $BIN run "$WORK/slice100m.jsonl" -j 2 -o /dev/null -q --intel "$WORK/intel-1m.txt"
echo "--- DNS Firewall: a 100k-domain policy (50k exact names, 50k *.suffix specifications) ---"
if [ ! -f "$WORK/fw/policy.yaml" ]; then
  mkdir -p "$WORK/fw"
  awk 'BEGIN { srand(11); for (i = 0; i < 50000; i++) { printf "blk%07d-%x.example-bad.net\n", i, int(rand()*1e9);
               printf "*.zone%07d-%x.test\n", i, int(rand()*1e9) }
               print "*.c2-beacon.xyz"; print "*.evil-tunnel.net"; print "*.badcdn.top"; print "malware-delivery.ru" }' > "$WORK/fw/blocked.txt"
  printf '*.amazonaws.com\n*.compute.internal\n' > "$WORK/fw/allowed.txt"
  cat > "$WORK/fw/policy.yaml" <<'YAML'
version: 1
domain_lists:
  allowed: {file: allowed.txt}
  blocked: {file: blocked.txt}
rule_groups:
  bench:
    rules:
      - {name: allow-aws, priority: 100, action: ALLOW, domain_list: allowed}
      - {name: block-100k, priority: 200, action: BLOCK, block_response: NXDOMAIN, domain_list: blocked}
associations: [{rule_group: bench, vpc: "*", priority: 101}]
YAML
fi
$BIN firewall lint "$WORK/fw/policy.yaml" | tail -1
T_FW=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o /dev/null -q --firewall-policy "$WORK/fw/policy.yaml"); report "dnslens run -j1 /dev/null, 100k-domain policy (incl. load)" "$T_FW"
T_FWS=$(best $BIN firewall simulate "$WORK/r53.jsonl" -j 1 -q --policy "$WORK/fw/policy.yaml" -o "$WORK/fw/sim.json" --json); report "dnslens firewall simulate -j1 (report only)" "$T_FWS"
T_FWS2=$(best $BIN firewall simulate "$WORK/r53.jsonl" -j 2 -q --policy "$WORK/fw/policy.yaml" -o "$WORK/fw/sim.json" --json); report "dnslens firewall simulate -j2 (report only)" "$T_FWS2"
SIM_RECORDS=$(jq .records "$WORK/fw/sim.json"); SIM_BLOCK=$(jq .simulated.BLOCK "$WORK/fw/sim.json")
echo "  check: simulate saw $SIM_RECORDS records, $SIM_BLOCK simulated BLOCKs (must be > 0)"
[ "$SIM_BLOCK" -gt 0 ] || { echo "bench: the 100k policy blocked nothing: the benchmark is not measuring matches"; exit 1; }
echo "  100k policy cost: $(echo "($T_FW - $T_NOI) * 1000000000 / $SIM_RECORDS" | bc -l | cut -d. -f1) ns/record over the run without it"
echo "--- reference points (100 MB slice) ---"
SLICE_LINES=$(wc -l < "$WORK/slice100m.jsonl")
S=$(date +%s.%N); jq -c 'select(.rcode=="NXDOMAIN")' "$WORK/slice100m.jsonl" > /dev/null; E=$(date +%s.%N)
echo "jq select NXDOMAIN: $(echo "$SLICE_LINES / ($E - $S)" | bc -l | cut -d. -f1) records/s"
S=$(date +%s.%N); $BIN run "$WORK/slice100m.jsonl" -j 1 -o /dev/null -q; E=$(date +%s.%N)
echo "dnslens -j1 on the slice (full enrichment): $(echo "$SLICE_LINES / ($E - $S)" | bc -l | cut -d. -f1) records/s"
if /usr/bin/python3 -c 'import tldextract' 2>/dev/null; then
  grep -m 200000 -o '"query_name":"[^"]*' "$WORK/slice100m.jsonl" | cut -d'"' -f4 > "$WORK/names.txt"
  /usr/bin/python3 - "$WORK/names.txt" <<'PY'
import sys, time, tldextract
names = [l.strip() for l in open(sys.argv[1])]
# The same Debian list dnslens reads, no network, no cache.
ex = tldextract.TLDExtract(suffix_list_urls=('file:///usr/share/publicsuffix/public_suffix_list.dat',), cache_dir=None,
                           include_psl_private_domains=True)
t = time.time()
for n in names: ex(n).registered_domain
print(f"python tldextract: {len(names)/(time.time()-t):.0f} names/s")
PY
fi
echo "--- detection: name signals + all detectors against the same run without them ---"
T_DN1=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o /dev/null -q --no-detect --findings "$WORK/f.jsonl"); report "dnslens run -j1 /dev/null, --no-detect" "$T_DN1"
T_D1=$(best $BIN run "$WORK/r53.jsonl" -j 1 -o /dev/null -q --findings "$WORK/f.jsonl"); report "dnslens run -j1 /dev/null, detectors on" "$T_D1"
T_DN2=$(best $BIN run "$WORK/r53.jsonl" -j 2 -o /dev/null -q --no-detect --findings "$WORK/f.jsonl"); report "dnslens run -j2 /dev/null, --no-detect" "$T_DN2"
T_D2=$(best $BIN run "$WORK/r53.jsonl" -j 2 -o /dev/null -q --findings "$WORK/f.jsonl"); report "dnslens run -j2 /dev/null, detectors on" "$T_D2"
echo "  detectors on / off, -j1: $(r "$T_DN1" "$T_D1"); -j2: $(r "$T_DN2" "$T_D2")"
test "$(wc -l < "$WORK/f.jsonl")" -gt 0 || { echo "bench: the detectors found nothing in the generated day" >&2; exit 1; }
echo "--- peak memory (streaming: should not grow with input) ---"
/usr/bin/time -f "100 MB input: %M KB max RSS" $BIN run "$WORK/slice100m.jsonl" -j 2 -o /dev/null -q
/usr/bin/time -f "1 GB input:   %M KB max RSS" $BIN run "$WORK/r53.jsonl" -j 2 -o /dev/null -q
if [ "${BENCH_10G:-0}" = 1 ]; then
  # The 1 GB day ten times over stdin: detector state must stay capped, not grow with the input.
  /usr/bin/time -f "10 GB input:  %M KB max RSS" sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do cat '$WORK/r53.jsonl'; done | $BIN run - -j 2 -o /dev/null -q --findings '$WORK/f10.jsonl'"
fi
echo "--- micro ---"
build/bench/bench_micro --benchmark_min_time=0.5 2>/dev/null | grep BM_
