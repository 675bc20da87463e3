# bench_lib.sh: what bench/*_bench.sh share (sourced, not run): ports, key=value fields, medians,
# CPU accounting, and starting sluiced alone or as a three-broker ZooKeeper cluster on loopback.
#
# The caller sets, before using the broker and cluster functions:
#   bench_name  the script's name, for messages (e.g. broker_bench)
#   here        the source tree (for config/server.properties and bin/)
#   sluiced     the sluiced program
#   work        the script's temporary folder (data dirs, configs, logs)
# and calls stop_broker / stop_cluster from its EXIT trap. Every broker gets the socket.* lines of
# config/server.properties, so the benchmarks measure what `make run` serves.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {  # wait_port <port> <what> [pid]: up to 30 s; fails early if pid has exited
  local _
  for _ in $(seq 300); do
    if [[ -n "${3:-}" ]] && ! kill -0 "$3" 2>/dev/null; then
      echo "$bench_name: $2 exited at start" >&2
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$bench_name: $2 not listening on $1 after 30 s" >&2
  return 1
}

field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" 'NF > 1 && $1 == k { print $2 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 100 * a / b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.4g", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# CPU seconds per GiB moved: per_gib <cpu-s> <bytes> [decimals, 2].
per_gib() { awk -v c="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, c * 1073741824 / b }'; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# Writes back the dirty pages left by the previous step (not timed), so every timed write starts
# below the kernel's dirty-page thresholds: without it, writers are throttled to the disk's
# write-back speed and a figure depends on what ran before.
settle() { timeout 120 sync -f "$work" 2>/dev/null || timeout 120 sync; }

# Untimed warm-up: on a VM whose memory the host backs lazily (this one is a Firecracker guest),
# the first write into never-touched guest pages costs up to several times more CPU. Writing and
# deleting about what the benchmark writes makes those pages warm.
warm_up() {  # warm_up <MiB>
  (($1 > 0)) || return 0
  echo "$bench_name: warm-up, $1 MiB through the page cache (not timed)" >&2
  timeout 600 dd if=/dev/zero of="$work/warm.dat" bs=1M count="$1" status=none
  rm -f "$work/warm.dat"
}

# CPU time (user + system) of processes, in clock ticks (/proc/<pid>/stat; 10 ms resolution).
cpu_ticks() {  # cpu_ticks <pid>...
  local pid total=0
  for pid in "$@"; do total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat"))); done
  echo "$total"
}
# The same in nanoseconds, summed over the live threads' /proc/<pid>/task/*/schedstat (the
# scheduler's exact run time; a thread that exits between two readings drops out, so the ticks
# figure is printed beside it as a check).
cpu_ns() {  # cpu_ns <pid>...
  local pid
  for pid in "$@"; do cat /proc/"$pid"/task/*/schedstat 2>/dev/null; done |
    awk '{ s += $1 } END { printf "%.0f", s }'
}

# ---- one broker ----

broker_pid=""
stop_code=""

# start_broker <data-dir> [key=value...]: sluiced with a minimal single-node config, the extra
# settings, then $BENCH_BROKER_PROPERTIES (space-separated; the last occurrence of a key wins); sets
# broker_pid and port (the PLAINTEXT listener's: $start_port when set, else a free one).
start_broker() {
  local dir=$1 metrics_port
  shift
  port=${start_port:-$(free_port)}
  metrics_port=$(free_port)
  mkdir -p "$dir"
  cat >"$dir.properties" <<EOF
broker.id=1
listeners=PLAINTEXT://127.0.0.1:$port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
log.dirs=$dir
metrics.listener=http://127.0.0.1:$metrics_port
offsets.topic.replication.factor=1
EOF
  grep -E '^socket\.' "$here/config/server.properties" >>"$dir.properties"
  if (($# > 0)); then printf '%s\n' "$@" >>"$dir.properties"; fi
  if [[ -n "${BENCH_BROKER_PROPERTIES:-}" ]]; then
    tr ' ' '\n' <<<"$BENCH_BROKER_PROPERTIES" >>"$dir.properties"
  fi
  "$sluiced" "$dir.properties" >>"$dir.log" 2>&1 </dev/null &
  broker_pid=$!
  if ! wait_port "$port" sluiced "$broker_pid"; then
    cat "$dir.log" >&2
    exit 1
  fi
}

stop_broker() {  # SIGTERM, then SIGKILL after 30 s; sets stop_code to sluiced's exit code
  local pid=$broker_pid code=0
  stop_code=""
  [[ -n "$pid" ]] || return 0
  broker_pid=""
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$bench_name: sluiced $pid did not stop in 30 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || code=$?
  stop_code=$code
}

# ---- three brokers and one ZooKeeper ----

cluster_pids=()
zk_config=""

# start_cluster <dir> [key=value...]: one ZooKeeper (Debian's, through
# bin/zookeeper-server-start.sh) and brokers 1-3 under <dir>, each with the extra settings; sets
# bootstrap (the three listeners) and cluster_pids (the brokers).
start_cluster() {
  local dir=$1 zk_port id broker_port config
  shift
  mkdir -p "$dir"
  zk_port=$(free_port)
  zk_config="$dir/zk.properties"
  cat >"$zk_config" <<EOF
dataDir=$dir/zk
clientPort=$zk_port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
EOF
  LOG_DIR="$dir" "$here/bin/zookeeper-server-start.sh" -daemon "$zk_config" >/dev/null
  wait_port "$zk_port" ZooKeeper || exit 1
  bootstrap=""
  cluster_pids=()
  for id in 1 2 3; do
    broker_port=$(free_port)
    config="$dir/server$id.properties"
    cat >"$config" <<EOF
broker.id=$id
listeners=PLAINTEXT://127.0.0.1:$broker_port
advertised.listeners=PLAINTEXT://127.0.0.1:$broker_port
log.dirs=$dir/kdata$id
zookeeper.connect=127.0.0.1:$zk_port/kafka-broker
metrics.listener=http://127.0.0.1:$(free_port)
EOF
    grep -E '^socket\.' "$here/config/server.properties" >>"$config" || true
    if (($# > 0)); then printf '%s\n' "$@" >>"$config"; fi
    "$sluiced" "$config" >>"$dir/server$id.log" 2>&1 </dev/null &
    cluster_pids+=($!)
    if ! wait_port "$broker_port" "sluiced $id" "${cluster_pids[-1]}"; then
      cat "$dir/server$id.log" >&2
      exit 1
    fi
    bootstrap+="${bootstrap:+,}127.0.0.1:$broker_port"
  done
}

stop_cluster() {  # SIGTERM to the brokers, SIGKILL after 10 s; then ZooKeeper
  local pid
  for pid in "${cluster_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${cluster_pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  cluster_pids=()
  if [[ -n "$zk_config" && -f "$zk_config" ]]; then
    LOG_DIR="$(dirname "$zk_config")" "$here/bin/zookeeper-server-stop.sh" "$zk_config" \
      >/dev/null 2>&1 || true
  fi
  zk_config=""
}

# ---- summaries over rounds (the caller sets n, the number of rounds done) ----
rounds_of() {  # rounds_of <expression using $r>: the values of each round, space-separated
  local r out=()
  for ((r = 1; r <= n; ++r)); do out+=("$(eval "$1")"); done
  echo "${out[*]}"
}
cells() {  # "a / b / c (median m)"
  local values joined
  read -r -a values <<<"$1"
  joined=$(printf '%s / ' "${values[@]}")
  echo "${joined% / } (median $(median "${values[@]}"))"
}
# Broker CPU seconds per GiB of a kafka_load line with broker_cpu_s and bytes fields.
cpu_per_gib() { per_gib "$(field "$1" broker_cpu_s)" "$(field "$1" bytes)" 3; }
