#!/usr/bin/env bash
# Tunnel detection on a real tool's traffic, not on dnslens's generator: dns2tcp (Debian's package, the
# real client and server) carries data over DNS on loopback, a logging relay between them records every
# query the client sends, and those queries become Route 53 Resolver records of one instance, merged into
# a generated clean day (--no-plant) at their own pace. `dnslens run` must report DNSDataExfiltration for
# the tunnel's domain from that instance, and nothing the clean day alone does not report.
# Two sessions of the tool: a bulk upload (SIZE bytes at once) and an interactive one (a short write every
# PAUSE seconds, like a shell over the tunnel).
# Needs root (the client only speaks to port 53) and installs dns2tcp when it is missing.
# Usage: [SIZE=60000] [WRITES=40] [PAUSE=0.5] bench/real_tunnels.sh [workdir: a new or empty directory,
#        default a new one under /tmp]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${DNSLENS_BIN:-build/dnslens}"
WORK="${1:-$(mktemp -d /tmp/dnslens-tunnels-XXXXXX)}"
SIZE="${SIZE:-60000}"
WRITES="${WRITES:-40}"
PAUSE="${PAUSE:-0.5}"
DOMAIN=tunnel.example.org
[ "$(id -u)" = 0 ] || { echo "real_tunnels: needs root (dns2tcpc sends to port 53)" >&2; exit 1; }
command -v dns2tcpd > /dev/null || { apt-get update -q > /dev/null && apt-get install -y -q dns2tcp > /dev/null; }
mkdir -p "$WORK"
[ -z "$(ls -A "$WORK")" ] || { echo "real_tunnels: $WORK is not empty" >&2; exit 1; }
mkdir "$WORK/chroot"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
echo "dns2tcp $(dpkg-query -W -f='${Version}' dns2tcp), $(nproc) cores"

cat > "$WORK/dns2tcpd.conf" <<EOF
listen = 127.0.0.3
port = 5353
user = nobody
chroot = $WORK/chroot
domain = $DOMAIN
resources = sink:127.0.0.1:7777
EOF
# The relay: listens where the client sends (127.0.0.2:53), logs each query's time, name and type, and
# passes queries and answers through unchanged.
cat > "$WORK/relay.py" <<'PY'
import socket, sys, threading, time
log = open(sys.argv[1], "w")
front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); front.bind(("127.0.0.2", 53))
back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
asked = {}
def question(packet):
    i, labels = 12, []
    while packet[i]:
        n = packet[i]; labels.append(packet[i + 1:i + 1 + n].decode("ascii", "backslashreplace")); i += 1 + n
    return ".".join(labels) + ".", int.from_bytes(packet[i + 1:i + 3], "big")
def logged(packet):
    try:
        return question(packet)
    except IndexError:  # not a well-formed query: passed on, not logged
        return None
def answers():
    while True:
        packet, _ = back.recvfrom(65535)
        if packet[:2] in asked: front.sendto(packet, asked[packet[:2]])
threading.Thread(target=answers, daemon=True).start()
while True:
    packet, client = front.recvfrom(65535)
    if (q := logged(packet)):
        log.write("%.3f\t%s\t%d\n" % (time.time(), q[0], q[1])); log.flush()
    asked[packet[:2]] = client
    back.sendto(packet, ("127.0.0.3", 5353))
PY
# What the tunnel delivers to: counts the bytes.
cat > "$WORK/sink.py" <<'PY'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 7777)); s.listen(4)
total = 0
while True:
    c, _ = s.accept()
    while (d := c.recv(65536)):
        total += len(d)
        open(sys.argv[1], "w").write(str(total))
    c.close()
PY
cat > "$WORK/session.py" <<'PY'
import os, socket, sys, time
port, size, writes, pause = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
c = socket.create_connection(("127.0.0.1", port))
if writes == 0:
    c.sendall(os.urandom(size))
else:
    for _ in range(writes):
        c.sendall(os.urandom(64)); time.sleep(pause)
time.sleep(5)
c.close()
PY
dns2tcpd -F -f "$WORK/dns2tcpd.conf" > "$WORK/dns2tcpd.log" 2>&1 & pids+=($!)
python3 "$WORK/relay.py" "$WORK/queries.tsv" & pids+=($!)
python3 "$WORK/sink.py" "$WORK/delivered" & pids+=($!)
sleep 1
session() { # name, then session.py's arguments
  local port; port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  dns2tcpc -z "$DOMAIN" -r sink -l "$port" 127.0.0.2 > "$WORK/client-$1.log" 2>&1 & local client=$!
  pids+=("$client")
  sleep 1
  python3 "$WORK/session.py" "$port" "${@:2}"
  kill "$client" 2>/dev/null || true; wait "$client" 2>/dev/null || true
  sleep 1
  echo "$1 $(wc -l < "$WORK/queries.tsv")" >> "$WORK/sessions"
  echo "$1 session: $(wc -l < "$WORK/queries.tsv") queries logged so far"
}
session bulk "$SIZE" 0 0
session interactive 0 "$WRITES" "$PAUSE"
sleep 2
expected=$((SIZE + WRITES * 64))
[ "$(cat "$WORK/delivered" 2>/dev/null || echo 0)" = "$expected" ] ||
  { echo "real_tunnels: the tunnel delivered $(cat "$WORK/delivered" 2>/dev/null || echo 0) of $expected bytes (see $WORK/dns2tcpd.log)" >&2; exit 1; }
echo "delivered through the tunnel: $expected bytes"

# The clean day, and the same day with each session's queries as the records of an instance of its own,
# at its own pace: the bulk one from 10:00, the interactive one from 14:00.
"$BIN" generate --records 300000 --seed 5 --no-plant --start 2026-11-21T00:00:00Z -o "$WORK/clean.jsonl" 2> /dev/null
python3 - "$WORK/queries.tsv" "$WORK/sessions" "$WORK/clean.jsonl" "$WORK/tunnel.jsonl" <<'PY'
import datetime, json, sys
queries = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
sessions = [l.split() for l in open(sys.argv[2])]
first = json.loads(open(sys.argv[3]).readline())
types = {16: "TXT", 25: "KEY", 1: "A", 28: "AAAA", 5: "CNAME"}
begin = 0
with open(sys.argv[4], "w") as out:
    for n, (name, end) in enumerate(sessions):
        mine = queries[begin:int(end)]
        begin = int(end)
        if not mine:
            sys.exit("real_tunnels: the %s session sent no query" % name)
        start = datetime.datetime(2026, 11, 21, 10 + 4 * n, tzinfo=datetime.timezone.utc).timestamp()
        t0 = float(mine[0][0])
        for t, qname, qtype in mine:
            ts = datetime.datetime.fromtimestamp(start + float(t) - t0, datetime.timezone.utc)
            out.write(json.dumps({"version": "1.100000", "account_id": first["account_id"], "region": first["region"],
                "vpc_id": first["vpc_id"],
                "query_timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts.microsecond // 1000),
                "query_name": qname, "query_type": types.get(int(qtype), "TYPE%s" % qtype), "query_class": "IN",
                "rcode": "NOERROR", "answers": [], "srcaddr": "10.99.0.%d" % (n + 1), "srcport": "53000",
                "transport": "UDP", "srcids": {"instance": "i-0d2t000000000000%d" % (n + 1)}},
                separators=(",", ":")) + "\n")
        print("%s session: %d queries over %.0f s, as i-0d2t000000000000%d" % (name, len(mine),
              float(mine[-1][0]) - t0, n + 1))
PY
python3 - "$WORK/clean.jsonl" "$WORK/tunnel.jsonl" "$WORK/day.jsonl" <<'PY'
import heapq, json, sys
def keyed(path):
    for line in open(path):
        yield json.loads(line)["query_timestamp"], line
with open(sys.argv[3], "w") as out:
    for _, line in heapq.merge(keyed(sys.argv[1]), keyed(sys.argv[2]), key=lambda x: x[0]):
        out.write(line)
PY
"$BIN" run "$WORK/clean.jsonl" -o none -q --findings "$WORK/clean-findings.jsonl"
"$BIN" run "$WORK/day.jsonl" -o none -q --findings "$WORK/day-findings.jsonl"
python3 - "$WORK/clean-findings.jsonl" "$WORK/day-findings.jsonl" "$WORK/sessions" <<'PY'
import json, sys
def load(path):
    return [json.loads(l) for l in open(path)]
clean, day = load(sys.argv[1]), load(sys.argv[2])
sessions = [l.split()[0] for l in open(sys.argv[3])]
ours = {"i-0d2t000000000000%d" % (n + 1): name for n, name in enumerate(sessions)}
def key(f):
    return (f["finding_type"], f.get("source") or "", f.get("domain") or "")
added = {key(f) for f in day} - {key(f) for f in clean}
print("findings on the clean day: %d; with the tunnels: %d" % (len(clean), len(day)))
missed = []
for source, name in ours.items():
    mine = [f for f in day if f.get("source") == source]
    for f in mine:
        print("  %s session: %s, severity %s, confidence %s, domain %s" % (name, f["finding_type"], f.get("severity"),
              f.get("confidence"), f.get("domain")))
    if not any(f["finding_type"] == "DNSDataExfiltration" for f in mine):
        missed.append(name)
        print("  %s session: NOT FOUND" % name)
others = sorted(k for k in added if k[1] not in ours)
for k in others:
    print("  added on another source: %s %s %s" % k)
print("dns2tcp sessions found: %d of %d; findings added on other sources (false): %d" %
      (len(ours) - len(missed), len(ours), len(others)))
sys.exit(0 if not missed and not others else 1)
PY
