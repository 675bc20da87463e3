#!/usr/bin/env bash
# cluster_bench.sh: issue #7's replicated benchmark, over loopback only.
#
#   bench/cluster_bench.sh [build-dir]       (default build/release; needs sluiced and kafka_load)
#
# One ZooKeeper (Debian's, through bin/zookeeper-server-start.sh) and three sluiced brokers on this
# machine; one topic with replication factor 3 (1 partition, then 3 partitions), acks=all,
# 1 KiB records, linger.ms=5, driven by librdkafka (bench/kafka_load.cc):
#   1. as fast as the client goes: the maximum producer MiB/s (latency includes client queueing);
#   2. paced at 50 % of that maximum: p50/p99/p99.9 latency without client-side queueing.
# In the same run, as a baseline, the same two steps against a topic with replication factor 1 on
# the same cluster, so the cost of replication reads as a ratio on this machine.
# Knobs (environment): BENCH_RECORDS (262144 = 256 MiB per max run), BENCH_RUN_SECONDS (30),
# BENCH_PACED_SECONDS (3), BENCH_WARMUP_MIB (16384; 0 skips the warm-up), BENCH_TMPDIR. Dirty
# pages are written back (untimed) before each run. Everything is stopped and removed on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build/release}" && pwd)"
sluiced="$build/src/server/sluiced"
load="$build/bench/kafka_load"
for p in "$sluiced" "$load"; do
  [[ -x "$p" ]] || { echo "cluster_bench: $p is not built (make build)" >&2; exit 1; }
done
records=${BENCH_RECORDS:-262144}
run_seconds=${BENCH_RUN_SECONDS:-30}
paced_seconds=${BENCH_PACED_SECONDS:-3}
warmup_mib=${BENCH_WARMUP_MIB:-16384}
work="$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/sluice-cluster-bench.XXXXXX")"
pids=()
zk_config="$work/zk.properties"

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  [[ -f "$zk_config" ]] && LOG_DIR="$work" "$here/bin/zookeeper-server-stop.sh" "$zk_config" \
    >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # wait_port <port> <what>
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "cluster_bench: $2 not listening on $1 after 30 s" >&2
  exit 1
}
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# Untimed warm-up, as in broker_bench.sh: on a VM whose memory the host backs lazily, the first
# write into never-used page cache costs several times more CPU; a run then measures the host,
# not the brokers (the RF 3 runs came out 3-4x slower after the RF 1 runs had used fresh memory).
# Writing and deleting more than the whole benchmark writes (up to ~10 GiB) makes them warm.
if ((warmup_mib > 0)); then
  echo "cluster_bench: warm-up, ${warmup_mib} MiB through the page cache (not timed)" >&2
  dd if=/dev/zero of="$work/warm.dat" bs=1M count="$warmup_mib" status=none
  rm -f "$work/warm.dat"
fi

zk_port=$(free_port)
cat >"$zk_config" <<EOF
dataDir=$work/zk
clientPort=$zk_port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
EOF
LOG_DIR="$work" "$here/bin/zookeeper-server-start.sh" -daemon "$zk_config" >/dev/null
wait_port "$zk_port" ZooKeeper

bootstrap=""
for id in 1 2 3; do
  port=$(free_port)
  cat >"$work/server$id.properties" <<EOF
broker.id=$id
listeners=PLAINTEXT://127.0.0.1:$port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
log.dirs=$work/kdata$id
zookeeper.connect=127.0.0.1:$zk_port/kafka-broker
metrics.listener=http://127.0.0.1:$(free_port)
EOF
  grep -E '^socket\.' "$here/config/server.properties" >>"$work/server$id.properties" || true
  "$sluiced" "$work/server$id.properties" >>"$work/server$id.log" 2>&1 </dev/null &
  pids+=($!)
  wait_port "$port" "sluiced $id"
  bootstrap+="${bootstrap:+,}127.0.0.1:$port"
done

create() {  # create <topic> <partitions> <rf>
  timeout 60 "$here/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --topic "$1" \
    --partitions "$2" --replication-factor "$3" >/dev/null
  # Wait until every partition has a leader that answers.
  for _ in $(seq 100); do
    if timeout 10 "$here/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --describe \
      --topic "$1" | grep -q "Leader: -1\|Leader: none"; then sleep 0.2; else return 0; fi
  done
}

# Dirty pages are written back (not timed) before every timed run: the paced RF 1 run alone
# leaves gigabytes to write back, and writeback throttling would otherwise slow the next run.
settle() { sync -f "$work" 2>/dev/null || sync; }

run() {  # run <topic> [rate]: one kafka_load produce line
  settle
  timeout $((run_seconds + 60)) "$load" produce "$bootstrap" "$1" "$records" 1024 all 5 \
    "$run_seconds" ${2:+"$2"}
}

echo "cluster_bench: 3 brokers + ZooKeeper in $work" >&2
for partitions in 1 3; do
  for rf in 1 3; do
    topic="bench-p$partitions-rf$rf"
    create "$topic" "$partitions" "$rf"
    max=$(run "$topic")
    rate=$(field "$max" records_s | awk '{ printf "%d", $1 / 2 }')
    saved=$records
    records=$((rate * paced_seconds))
    paced=$(run "$topic" "$rate")
    records=$saved
    printf '%d partition(s), RF %d, acks=all: max %s MiB/s (p50 %s ms, p99 %s ms); paced at %s records/s (50%%): p50 %s ms, p99 %s ms, p99.9 %s ms, max %s ms\n' \
      "$partitions" "$rf" "$(field "$max" mib_s)" "$(field "$max" p50_ms)" "$(field "$max" p99_ms)" \
      "$rate" "$(field "$paced" p50_ms)" "$(field "$paced" p99_ms)" "$(field "$paced" p999_ms)" \
      "$(field "$paced" max_ms)"
  done
done
