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
bench_name=cluster_bench
# shellcheck source=bench_lib.sh
. "$here/bench/bench_lib.sh"

cleanup() {
  stop_cluster
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The warm-up writes more than the whole benchmark writes (up to ~10 GiB): the RF 3 runs came out
# 3-4x slower after the RF 1 runs had used fresh memory (see warm_up in bench_lib.sh).
warm_up "$warmup_mib"
start_cluster "$work"

create() {  # create <topic> <partitions> <rf>: returns once every partition has its full ISR
  timeout 120 "$load" create-topic "$bootstrap" "$1" "$2" "$3" >/dev/null
}

# run <topic> [rate]: one kafka_load produce line. Dirty pages are written back (settle, not timed)
# first: the paced RF 1 run alone leaves gigabytes to write back, and writeback throttling would
# otherwise slow the next run.
run() {
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
