#!/usr/bin/env bash
# A real ClickHouse cluster on loopback for dnslens's tests and benchmarks, from Debian's packages
# (clickhouse-server, zookeeper; scripts/install-deps.sh installs them): one ZooKeeper and SHARDS x
# REPLICAS clickhouse-server processes (default 2 x 2) forming the cluster "dnslens", every port chosen
# free, everything under DIR, nothing of the system's own configuration used.
#
#   scripts/clickhouse-cluster.sh start DIR [SHARDS] [REPLICAS]   # waits until every server answers
#   scripts/clickhouse-cluster.sh stop DIR                        # SIGTERM, then SIGKILL after 10 s
#   scripts/clickhouse-cluster.sh restart DIR SHARD REPLICA       # one server again (after a kill)
#
# Users: default (everything) and reader (a readonly=1 profile: reads only, may set no setting).
# start writes DIR/cluster.env: CLICKHOUSE_URLS (every server's HTTP URL, shard by shard),
# CLICKHOUSE_CLUSTER=dnslens, and per server CLICKHOUSE_<s>_<r>_URL and _PID (1-based), ZOOKEEPER_PORT.
# With CLUSTER_OWNER_PID set, start leaves a watcher that stops the cluster once that process is gone
# (a test killed at its timeout leaves no server behind); a stop ends the watcher too.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[[ -n "$cmd" && -n "$dir" ]] || { echo "usage: $0 start|stop|restart DIR [SHARDS] [REPLICAS]" >&2; exit 2; }

# Running: there and not a zombie (a container's PID 1 may not reap the servers once start has exited).
running() {  # pid
  [[ -r "/proc/$1/stat" ]] && [[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]]
}

stop_cluster() {
  local pids=()
  # The watcher of this cluster (start with CLUSTER_OWNER_PID) goes with it, unless it is the one stopping;
  # a stale pid is signalled only if it is still a watcher. Another stop may remove the files meanwhile.
  local watcher
  watcher=$(cat "$dir/watcher.pid" 2>/dev/null || true)
  rm -f "$dir/watcher.pid"
  if [[ -n "$watcher" && "$watcher" != "${DNSLENS_WATCHER_PID:-}" ]] &&
    grep -qa "watcher.pid" "/proc/$watcher/cmdline" 2>/dev/null; then
    kill "$watcher" 2>/dev/null || true
  fi
  mapfile -t pids < "$dir/pids" 2>/dev/null || return 0
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for p in "${pids[@]}"; do running "$p" && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -f "$dir/pids"
}

if [[ "$cmd" == stop ]]; then
  stop_cluster
  exit 0
fi
[[ "$cmd" == start || "$cmd" == restart ]] || { echo "usage: $0 start|stop|restart DIR ..." >&2; exit 2; }

server=$(command -v clickhouse-server || true)
[[ -x "$server" ]] || { echo "$0: clickhouse-server is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }

wait_for() {  # what, seconds, command...
  local what=$1 seconds=$2
  shift 2
  for _ in $(seq 1 $((seconds * 10))); do
    if "$@" > /dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "$0: $what did not come up within $seconds s; its log is in $dir" >&2
  return 1
}

# Ready: the server answers and reaches ZooKeeper (replicated tables and ON CLUSTER need it).
server_ready() {  # url
  wait_for "clickhouse-server at $1" 60 curl -sf "$1/" --data-binary "SELECT count() FROM system.zookeeper WHERE path = '/'"
}

if [[ "$cmd" == restart ]]; then
  s=${3:?usage: $0 restart DIR SHARD REPLICA} r=${4:?usage: $0 restart DIR SHARD REPLICA}
  d="$dir/s${s}r${r}"
  [[ -f "$d/config.xml" ]] || { echo "$0: no server $s/$r in $dir" >&2; exit 2; }
  old_pid=$(sed -n "s/^CLICKHOUSE_${s}_${r}_PID=//p" "$dir/cluster.env")
  # A killed server may linger as a zombie until PID 1 reaps it: that is gone, not running. One just
  # killed gets a few seconds to go.
  for _ in $(seq 1 50); do running "$old_pid" || break; sleep 0.1; done
  ! running "$old_pid" || { echo "$0: server $s/$r (pid $old_pid) is still running" >&2; exit 1; }
  "$server" --config-file="$d/config.xml" >> "$d/stdout.log" 2>&1 &
  sed -i "/^${old_pid}\$/d" "$dir/pids"  # stop must not signal a pid the kernel may have reused
  echo $! >> "$dir/pids"
  sed -i "s/^CLICKHOUSE_${s}_${r}_PID=.*/CLICKHOUSE_${s}_${r}_PID=$!/" "$dir/cluster.env"
  server_ready "$(sed -n "s/^CLICKHOUSE_${s}_${r}_URL=//p" "$dir/cluster.env")"
  exit 0
fi

shards=${3:-2}
replicas=${4:-2}
[[ -f /usr/share/java/zookeeper.jar ]] || { echo "$0: ZooKeeper is not installed (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[[ -f "$dir/pids" ]] && stop_cluster
: > "$dir/pids"
trap 'stop_cluster' ERR
trap 'stop_cluster; exit 130' INT TERM

# Ports the kernel says are free now (bound and released together, so they differ).
count=$((1 + 3 * shards * replicas))
mapfile -t ports < <(python3 - "$count" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
EOF
)
zk_port=${ports[0]}

# ZooKeeper, standalone.
mkdir -p "$dir/zookeeper/data"
cat > "$dir/zookeeper/zoo.cfg" <<EOF
tickTime=500
initLimit=10
syncLimit=5
dataDir=$dir/zookeeper/data
clientPort=$zk_port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
EOF
java -Xmx256m -cp /usr/share/java/zookeeper.jar -Dzookeeper.log.dir="$dir/zookeeper" \
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zookeeper/zoo.cfg" > "$dir/zookeeper/out.log" 2>&1 &
echo $! >> "$dir/pids"
zk_ok() {  # serving: "ruok" answers before ZooKeeper serves, "srvr" names its mode once it does
  python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$zk_port),timeout=1); s.sendall(b'srvr'); sys.exit(b'Mode: standalone' not in s.recv(4096))"
}
wait_for ZooKeeper 30 zk_ok

remote_servers="<dnslens>"
for s in $(seq 1 "$shards"); do
  remote_servers+="<shard><internal_replication>true</internal_replication>"
  for r in $(seq 1 "$replicas"); do
    i=$(((s - 1) * replicas + r - 1))
    remote_servers+="<replica><host>127.0.0.1</host><port>${ports[$((1 + 3 * i + 1))]}</port></replica>"
  done
  remote_servers+="</shard>"
done
remote_servers+="</dnslens>"

env_file="$dir/cluster.env"
{
  echo "CLICKHOUSE_CLUSTER=dnslens"
  echo "ZOOKEEPER_PORT=$zk_port"
} > "$env_file"
urls=()
for s in $(seq 1 "$shards"); do
  for r in $(seq 1 "$replicas"); do
    i=$(((s - 1) * replicas + r - 1))
    http=${ports[$((1 + 3 * i))]} tcp=${ports[$((1 + 3 * i + 1))]} inter=${ports[$((1 + 3 * i + 2))]}
    d="$dir/s${s}r${r}"
    mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/format_schemas"
    cat > "$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/server.log</log><errorlog>$d/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <interserver_http_port>$inter</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>50</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <format_schema_path>$d/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>$remote_servers</remote_servers>
  <zookeeper><node><host>127.0.0.1</host><port>$zk_port</port></node><session_timeout_ms>10000</session_timeout_ms></zookeeper>
  <macros><shard>$s</shard><replica>s${s}r${r}</replica></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
</yandex>
EOF
    cat > "$d/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default><readonly><readonly>1</readonly></readonly></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <reader><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>readonly</profile><quota>default</quota></reader></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
    "$server" --config-file="$d/config.xml" > "$d/stdout.log" 2>&1 &
    echo $! >> "$dir/pids"
    echo "CLICKHOUSE_${s}_${r}_URL=http://127.0.0.1:$http" >> "$env_file"
    echo "CLICKHOUSE_${s}_${r}_PID=$!" >> "$env_file"
    urls+=("http://127.0.0.1:$http")
  done
done
for u in "${urls[@]}"; do server_ready "$u"; done
echo "CLICKHOUSE_URLS=\"${urls[*]}\"" >> "$env_file"
if [[ -n "${CLUSTER_OWNER_PID:-}" ]]; then
  kill -0 "$CLUSTER_OWNER_PID" 2>/dev/null || { echo "$0: CLUSTER_OWNER_PID $CLUSTER_OWNER_PID is not running" >&2; false; }
  # Checked every second (a zombie owner counts as gone); a stop of the cluster kills the watcher, and a
  # watcher whose pid is no longer in watcher.pid (the directory started again) leaves.
  setsid bash -c 'echo $$ > "$2/watcher.pid"
                  owner_alive() { [[ -r /proc/$1/stat && "$(sed "s/.*) //" "/proc/$1/stat" | cut -c1)" != Z ]]; }
                  mine() { [[ -f "$2/pids" && "$(cat "$2/watcher.pid" 2>/dev/null)" == "$$" ]]; }
                  while owner_alive "$1" && mine "$@"; do sleep 1; done
                  mine "$@" && DNSLENS_WATCHER_PID=$$ "$3" stop "$2"' \
    watcher "$CLUSTER_OWNER_PID" "$dir" "$(readlink -f "$0")" < /dev/null > "$dir/watcher.log" 2>&1 &
  wait_for "the cluster's watcher" 5 test -s "$dir/watcher.pid"  # so a stop right after start finds it
fi
trap - ERR INT TERM
echo "ClickHouse cluster 'dnslens' ($shards x $replicas) up: ${urls[*]}"
