#!/usr/bin/env bash
# txn_bench.sh: issue #12's benchmark of idempotent and transactional produce, over loopback only.
#
#   bench/txn_bench.sh [--cluster] [build-dir]   (default build/release; needs sluiced and
#                                                 kafka_load built there: `make build`)
#
# Topology: one sluiced (default; __transaction_state with replication factor 1), or with
# --cluster one ZooKeeper and three sluiced (transaction.state.log.replication.factor=3,
# transaction.state.log.min.isr=2; every topic replication factor 3 with min.insync.replicas=2).
# librdkafka (bench/kafka_load.cc) drives it. Each round starts a fresh broker or cluster on empty
# data dirs, writes BENCH_RECORDS / 8 records with each variant to a scratch topic (not timed: the
# first produce runs on a fresh broker cost more), then measures, each on a fresh topic and after
# writing back dirty pages (not timed):
#   (a) plain produce: BENCH_RECORDS keyless 1 KiB records, acks=all, linger.ms=5, as fast as the
#       client goes, enable.idempotence=false;
#   (b) the same records to the same topic layout with enable.idempotence=true;
#       (a) and (b) for each layout in BENCH_PARTITIONS (partitions per topic);
#   (t) BENCH_TXNS transactions of BENCH_TXN_RECORDS keyless 1 KiB records (librdkafka's
#       transactional producer: begin, produce, commit_transaction) on a topic of
#       BENCH_TXN_PARTITIONS partitions, after an untimed warm-up transaction run that makes the
#       broker create __transaction_state.
# Odd rounds run a, b, t; even rounds t, b, a: the two produce variants alternate in going first,
# and the transactions go first or last. For every run: the brokers' CPU seconds (the scheduler's
# run time of sluiced's threads, /proc/<pid>/task/*/schedstat; the 10 ms-tick figure of
# /proc/<pid>/stat beside it as a check) per GiB produced, MiB/s, the client's CPU, the load
# average. The summary gives every round and the median of: the broker CPU ratio (b)/(a) per round
# (the issue's target: at most 1.05); the transactions' transactions/s, MiB/s and the latency of
# commit_transaction (p50/p90/p99/p99.9); their broker CPU per GiB against (b)'s with the same layout.
# Sizes in MiB = 2^20 bytes. Progress lines go to stderr, the summary to stdout.
#
# Knobs (environment): BENCH_ROUNDS (4: even, so each variant goes first equally often),
# BENCH_BUDGET_SECONDS (no new round starts after this; 420), BENCH_RECORDS per produce run
# (262144 = 256 MiB), BENCH_PARTITIONS (space-separated layouts; "1 16", with --cluster "3"),
# BENCH_TXNS (2000), BENCH_TXN_RECORDS (100),
# BENCH_TXN_PARTITIONS (1), BENCH_RUN_SECONDS cap per run (30), BENCH_WARMUP_MIB (4096; 0 skips
# the warm-up), BENCH_TMPDIR (default $TMPDIR or /tmp), BENCH_BROKER_PROPERTIES extra key=value
# settings for every sluiced (space-separated). Every step runs under `timeout`; the brokers,
# ZooKeeper and the temporary folder are removed on exit, also on Ctrl-C.
set -euo pipefail

cluster=0
if [[ "${1:-}" == --cluster ]]; then
  cluster=1
  shift
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build/release}" && pwd)"
sluiced="$build/src/server/sluiced"
load="$build/bench/kafka_load"
for p in "$sluiced" "$load"; do
  [[ -x "$p" ]] || { echo "txn_bench: $p is not built (make build)" >&2; exit 1; }
done

rounds=${BENCH_ROUNDS:-4}
budget=${BENCH_BUDGET_SECONDS:-420}
records=${BENCH_RECORDS:-262144}
record_size=1024
if ((cluster)); then layouts=${BENCH_PARTITIONS:-3}; else layouts=${BENCH_PARTITIONS:-1 16}; fi
read -r -a layouts <<<"$layouts"
txns=${BENCH_TXNS:-2000}
txn_records=${BENCH_TXN_RECORDS:-100}
txn_partitions=${BENCH_TXN_PARTITIONS:-1}
run_seconds=${BENCH_RUN_SECONDS:-30}
warmup_mib=${BENCH_WARMUP_MIB:-4096}
clk_tck=$(getconf CLK_TCK)
started=$SECONDS
if ((cluster)); then rf=3; mode="three brokers + ZooKeeper, RF 3, min.insync.replicas=2"
else rf=1; mode="one broker"; fi

tmp_parent="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
# Room for the warm-up file, or for one round's data (every replica; deleted after the round),
# plus 1 GiB.
round_kib=$((rf * (9 * ${#layouts[@]} * records / 4 + (txns + 10) * txn_records) * (record_size + 80) / 1024))
need_kib=$(((warmup_mib * 1024 > round_kib ? warmup_mib * 1024 : round_kib) + 1024 * 1024))
avail_kib=$(df -Pk "$tmp_parent" | awk 'NR == 2 { print $4 }')
if ((avail_kib < need_kib)); then
  echo "txn_bench: $tmp_parent has $((avail_kib / 1024)) MiB free, needs $((need_kib / 1024)) MiB;" \
    "set BENCH_TMPDIR or lower BENCH_RECORDS or BENCH_WARMUP_MIB" >&2
  exit 1
fi
work="$(mktemp -d "$tmp_parent/sluice-txn-bench.XXXXXX")"
bench_name=txn_bench
# shellcheck source=bench_lib.sh
. "$here/bench/bench_lib.sh"

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  stop_broker || true
  stop_cluster || true
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Settings for every broker. The transaction state log's replication is set explicitly (its
# default, 3 / min ISR 2, cannot be met by one broker).
if ((cluster)); then
  broker_settings=(transaction.state.log.replication.factor=3 transaction.state.log.min.isr=2
    offsets.topic.replication.factor=3)
else
  broker_settings=(transaction.state.log.replication.factor=1 transaction.state.log.min.isr=1)
fi
if [[ -n "${BENCH_BROKER_PROPERTIES:-}" ]] && ((cluster)); then
  read -r -a extra <<<"$BENCH_BROKER_PROPERTIES"
  broker_settings+=("${extra[@]}")  # start_broker appends them itself
fi

brokers=()  # the pids whose CPU is counted
start_topology() {  # a fresh broker or cluster on empty data dirs; sets bootstrap and brokers
  rm -rf "$work/data"
  if ((cluster)); then
    start_cluster "$work/data" "${broker_settings[@]}"
    brokers=("${cluster_pids[@]}")
  else
    start_broker "$work/data/broker" "${broker_settings[@]}"
    bootstrap="127.0.0.1:$port"
    brokers=("$broker_pid")
  fi
}
stop_topology() {
  if ((cluster)); then stop_cluster; else stop_broker; fi
  brokers=()
  rm -rf "$work/data"
}

create() {  # create <topic> <partitions>: with the mode's replication, returns once in sync
  local configs=()
  ((cluster)) && configs=(min.insync.replicas=2)
  timeout --foreground 150 "$load" create-topic "$bootstrap" "$1" "$2" "$rf" "${configs[@]}" >&2
}

# run_load [env...] -- kafka_load args...: one kafka_load line (after settle), with the brokers'
# CPU seconds (schedstat and ticks) and the 1-minute load average added.
run_load() {
  local envs=() ns0 ns1 t0 t1 line
  while [[ "$1" != -- ]]; do envs+=("$1"); shift; done
  shift
  settle
  ns0=$(cpu_ns "${brokers[@]}")
  t0=$(cpu_ticks "${brokers[@]}")
  line=$(env "${envs[@]}" timeout --foreground --kill-after=5 $((run_seconds + 90)) "$load" "$@") || {
    echo "txn_bench: kafka_load $* failed (exit $?)" >&2
    exit 1
  }
  ns1=$(cpu_ns "${brokers[@]}")
  t1=$(cpu_ticks "${brokers[@]}")
  line+=" broker_cpu_s=$(awk -v d=$((ns1 - ns0)) 'BEGIN { printf "%.4f", d / 1e9 }')"
  line+=" broker_cpu_ticks_s=$(awk -v t=$((t1 - t0)) -v h="$clk_tck" 'BEGIN { printf "%.2f", t / h }')"
  line+=" load1=$(cut -d' ' -f1 /proc/loadavg)"
  echo "$line" >&2
  echo "$line"
}

# Untimed, at the start of every round: the first produce runs on a fresh broker cost 10-15 %
# more broker CPU per GiB than the later ones (seen in both topologies), which would otherwise
# land on whichever variant goes first. Both variants write BENCH_RECORDS / 8 to a scratch topic
# of each layout.
warm_round() {  # warm_round <round>
  local parts idempotence
  for parts in "${layouts[@]}"; do
    create "bench-warm-p$parts-r$1" "$parts"
    for idempotence in false true; do
      KAFKA_LOAD_enable_idempotence=$idempotence timeout --foreground $((run_seconds + 90)) \
        "$load" produce "$bootstrap" "bench-warm-p$parts-r$1" $((records / 8)) "$record_size" all \
        5 "$run_seconds" >/dev/null
    done
  done
}

produce_variant() {  # produce_variant <a|b> <round> <partitions>
  local topic="bench-$1-p$3-r$2" idempotence=false
  [[ "$1" == b ]] && idempotence=true
  create "$topic" "$3"
  produced[$1,$3,$2]=$(run_load KAFKA_LOAD_enable_idempotence=$idempotence -- produce "$bootstrap" \
    "$topic" "$records" "$record_size" all 5 "$run_seconds")
}

transactions_run() {  # transactions_run <round>
  local topic="bench-txn-p$txn_partitions-r$1"
  create "$topic" "$txn_partitions"
  # Untimed: the first InitProducerId creates __transaction_state (50 partitions by default).
  timeout --foreground 150 "$load" transactions "$bootstrap" "$topic" 10 "$txn_records" \
    "$record_size" 60 "bench-txn-warm-r$1" >&2
  txn[$1]=$(run_load -- transactions "$bootstrap" "$topic" "$txns" "$txn_records" "$record_size" \
    "$run_seconds" "bench-txn-r$1")
}

echo "== txn_bench: $(date -u +%FT%TZ), $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'), $mode" >&2
cpu_model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
load_start=$(load_average)
echo "machine: $cpu_model, $(nproc) CPUs, load average $load_start," \
  "librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?')" >&2
warm_up "$warmup_mib"

declare -A produced txn round_load
done_rounds=0
for ((r = 1; r <= rounds; ++r)); do
  if ((r > 1 && SECONDS - started > budget)); then
    echo "-- budget of $budget s spent: stopping after $done_rounds rounds" >&2
    break
  fi
  round_load[$r]=$(load_average)
  echo "-- round $r/$rounds (load average ${round_load[$r]})" >&2
  start_topology
  warm_round "$r"
  if ((r % 2 == 1)); then order=(a b); else order=(b a); transactions_run "$r"; fi
  for parts in "${layouts[@]}"; do
    for v in "${order[@]}"; do produce_variant "$v" "$r" "$parts"; done
  done
  ((r % 2 == 1)) && transactions_run "$r"
  stop_topology
  done_rounds=$r
done
load_end=$(load_average)

# ---- summary ----
n=$done_rounds

echo
echo "== summary: $mode; $n round(s), $((SECONDS - started)) s; load average $load_start at start," \
  "$load_end at end"
echo "machine: $cpu_model, $(nproc) CPUs; build $build"
echo "load average (1, 5, 15 min) at the start of each round: $(rounds_of 'echo "${round_load[$r]// /,}"' | sed 's/ / · /g')"
echo
echo "produce, acks=all, linger.ms=5, $records keyless 1 KiB records per run, fresh topic each:"
for parts in "${layouts[@]}"; do
  echo "  $parts partition(s), replication factor $rf:"
  for v in a b; do
    [[ $v == a ]] && label="(a) plain     " || label="(b) idempotent"
    echo "    $label MiB/s $(cells "$(rounds_of 'field "${produced['"$v,$parts"',$r]}" mib_s')")"
    echo "                   broker CPU s/GiB $(cells "$(rounds_of 'cpu_per_gib "${produced['"$v,$parts"',$r]}"')")"
    echo "                   (ticks: $(cells "$(rounds_of 'per_gib "$(field "${produced['"$v,$parts"',$r]}" broker_cpu_ticks_s)" "$(field "${produced['"$v,$parts"',$r]}" bytes)"')"))"
    echo "                   client CPU s/GiB $(cells "$(rounds_of 'per_gib "$(field "${produced['"$v,$parts"',$r]}" client_cpu_s)" "$(field "${produced['"$v,$parts"',$r]}" bytes)"')")"
    echo "                   p50 / p99 ms $(rounds_of 'echo "$(field "${produced['"$v,$parts"',$r]}" p50_ms)/$(field "${produced['"$v,$parts"',$r]}" p99_ms)"' | sed 's/ / · /g')"
  done
  cpu_ratios=$(rounds_of 'ratio "$(cpu_per_gib "${produced[b,'"$parts"',$r]}")" "$(cpu_per_gib "${produced[a,'"$parts"',$r]}")"')
  echo "    broker CPU per GiB, (b) / (a), per round: $(cells "$cpu_ratios") (target: at most 1.05)"
  if ((n >= 2)); then
    read -r -a values <<<"$cpu_ratios"
    odd=() even=()
    for ((i = 0; i < n; ++i)); do if ((i % 2 == 0)); then odd+=("${values[i]}"); else even+=("${values[i]}"); fi; done
    echo "      with (a) going first: $(cells "${odd[*]}"); with (b) going first: $(cells "${even[*]}")"
  fi
  echo "    MiB/s, (b) / (a), per round: $(cells "$(rounds_of 'ratio "$(field "${produced[b,'"$parts"',$r]}" mib_s)" "$(field "${produced[a,'"$parts"',$r]}" mib_s)"')")"
done
echo
echo "transactions: $txns x $txn_records keyless 1 KiB records (at most $run_seconds s)," \
  "$txn_partitions partition(s), replication factor $rf:"
t() { echo "$(cells "$(rounds_of 'field "${txn[$r]}" '"$1")")"; }
echo "  committed          $(t transactions) (aborted: $(rounds_of 'field "${txn[$r]}" aborted'))"
echo "  transactions/s     $(t txn_s)"
echo "  MiB/s              $(t mib_s)"
echo "  commit p50 ms      $(t commit_p50_ms)"
echo "  commit p90 ms      $(t commit_p90_ms)"
echo "  commit p99 ms      $(t commit_p99_ms)"
echo "  commit p99.9 ms    $(t commit_p999_ms)"
echo "  commit max ms      $(t commit_max_ms)"
echo "  transaction p50 ms $(t txn_p50_ms) (begin to commit's return)"
echo "  transaction p99 ms $(t txn_p99_ms)"
echo "  init_transactions s $(t init_s)"
echo "  broker CPU s/GiB   $(cells "$(rounds_of 'cpu_per_gib "${txn[$r]}"')")"
echo "  client CPU s/GiB   $(cells "$(rounds_of 'per_gib "$(field "${txn[$r]}" client_cpu_s)" "$(field "${txn[$r]}" bytes)"')")"
if [[ -n "${produced[b,$txn_partitions,1]:-}" ]]; then
  echo "  against (b) idempotent produce on $txn_partitions partition(s), same round:"
  echo "    broker CPU per GiB, transactions / (b): $(cells "$(rounds_of 'ratio "$(cpu_per_gib "${txn[$r]}")" "$(cpu_per_gib "${produced[b,'"$txn_partitions"',$r]}")"')")"
  echo "    MiB/s, transactions / (b):              $(cells "$(rounds_of 'ratio "$(field "${txn[$r]}" mib_s)" "$(field "${produced[b,'"$txn_partitions"',$r]}" mib_s)"')")"
fi
