#!/usr/bin/env bash
# broker_bench.sh: issue #4's single-broker benchmark, in one run, over loopback only.
#
#   bench/broker_bench.sh [build-dir]        (default build/release; needs sluiced, tcp_ceiling and
#                                             kafka_load built there: `make build`)
#
# sluiced (the socket settings of config/server.properties, fresh data dir) is driven by
# librdkafka (bench/kafka_load.cc). Each round starts a fresh broker and measures, back to back:
#   - the machine's ceilings (bench/tcp_ceiling.cc): a plain TCP sender -> receiver appending to a
#     file, then sendfile(2) of that file to a socket;
#   - producer MiB/s and p50/p99 latency, 1 KiB records, linger.ms=5, as fast as the client goes,
#     for 1 topic x 1 partition and x 16 partitions, acks=1 and acks=-1;
#   - consumer MiB/s reading 1 GiB of each topic from the page cache.
# Produce is compared with the same round's TCP->file figure and consume with its sendfile figure;
# the summary gives every round and the medians. An untimed warm-up first writes 3 GiB through the
# page cache, and dirty pages are written back (sync, not timed) before each timed write, so every
# write starts from a clean page cache. Then, once: the four produce cases paced (latency without
# client-side queueing), a cross-check with bin/kafka-*-perf-test.sh, and a fresh sluiced's VmRSS
# idle, with 1,000 empty partitions, and after a restart with them.
# Sizes in MiB = 2^20 bytes. Progress lines go to stderr, the summary to stdout.
#
# Knobs (environment): BENCH_ROUNDS (3), BENCH_BUDGET_SECONDS (no new round starts after this,
# 240), BENCH_RECORDS records per produce run (524288 = 512 MiB: a round leaves 1 GiB per topic),
# BENCH_CONSUME_BYTES (1 GiB), BENCH_CEILING_BYTES (1 GiB), BENCH_RUN_SECONDS cap per produce or
# consume run (30), BENCH_PACED_RATE records/s (2000) and BENCH_PACED_SECONDS (3),
# BENCH_RSS_PARTITIONS (1000), BENCH_PERF_TOOLS=0 skips the perf-test cross-check, BENCH_TMPDIR
# (default $TMPDIR or /tmp), BENCH_BROKER_PROPERTIES extra key=value settings for sluiced,
# space-separated (after the socket.* lines copied from config/server.properties; the last
# occurrence of a key wins, e.g. socket.receive.buffer.bytes=102400 for Kafka's default). Every
# step runs under `timeout`; the broker and the temporary folder are removed on exit, also on
# Ctrl-C.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build/release}" && pwd)"
sluiced="$build/src/server/sluiced"
ceiling="$build/bench/tcp_ceiling"
load="$build/bench/kafka_load"
for p in "$sluiced" "$ceiling" "$load"; do
  [[ -x "$p" ]] || { echo "broker_bench: $p is not built (make build)" >&2; exit 1; }
done

rounds=${BENCH_ROUNDS:-3}
budget=${BENCH_BUDGET_SECONDS:-240}
records=${BENCH_RECORDS:-524288}
record_size=1024
consume_bytes=${BENCH_CONSUME_BYTES:-1073741824}
ceiling_bytes=${BENCH_CEILING_BYTES:-1073741824}
run_seconds=${BENCH_RUN_SECONDS:-30}
paced_rate=${BENCH_PACED_RATE:-2000}
paced_seconds=${BENCH_PACED_SECONDS:-3}
rss_partitions=${BENCH_RSS_PARTITIONS:-1000}
perf_tools=${BENCH_PERF_TOOLS:-1}
clk_tck=$(getconf CLK_TCK)
started=$SECONDS

# Room for the warm-up file, or for the ceiling file and one round's four produce runs, plus slack.
tmp_parent="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
need_kib=$(((3 * ceiling_bytes + 4 * records * (record_size + 80)) / 1024 + 512 * 1024))
avail_kib=$(df -Pk "$tmp_parent" | awk 'NR == 2 { print $4 }')
if ((avail_kib < need_kib)); then
  echo "broker_bench: $tmp_parent has $((avail_kib / 1024)) MiB free, needs $((need_kib / 1024)) MiB;" \
    "set BENCH_TMPDIR or lower BENCH_ROUNDS, BENCH_RECORDS or BENCH_CEILING_BYTES" >&2
  exit 1
fi
work="$(mktemp -d "$tmp_parent/sluice-bench.XXXXXX")"
bench_name=broker_bench
# shellcheck source=bench_lib.sh
. "$here/bench/bench_lib.sh"

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  stop_broker || true
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

broker_cpu_ticks() { cpu_ticks "$broker_pid"; }
status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$broker_pid/status"; }

# run_load <timeout> args...: runs kafka_load; prints its line with the broker's CPU seconds added.
run_load() {
  local limit=$1 before after line
  shift
  before=$(broker_cpu_ticks)
  line=$(timeout --foreground --kill-after=5 "$limit" "$load" "$@") || {
    echo "broker_bench: kafka_load $* failed (exit $?)" >&2
    exit 1
  }
  after=$(broker_cpu_ticks)
  line+=" broker_cpu_s=$(awk -v t=$((after - before)) -v h="$clk_tck" 'BEGIN { printf "%.2f", t / h }')"
  echo "$line" >&2
  echo "$line"
}
run_ceiling() {
  local line
  line=$(timeout --foreground 120 "$ceiling" "$@")
  echo "$line" >&2
  echo "$line"
}

echo "== broker_bench: $(date -u +%FT%TZ), $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')" >&2
cpu_model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "machine: $cpu_model, $(nproc) CPUs, load average $load_start," \
  "librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?')" >&2

# Untimed warm-up: on a VM whose memory the host backs lazily (this one is a Firecracker guest),
# the first write into never-touched guest pages costs up to several times more CPU (most likely
# host page faults; seen as a slow copy into the page cache). Writing and deleting a file of about one round's footprint
# makes the pages the rounds use warm; every round then starts from a fresh broker data dir, so
# the memory is recycled instead of growing.
echo "-- warm-up: $((3 * ceiling_bytes >> 20)) MiB through the page cache (not timed)" >&2
timeout --foreground 120 "$ceiling" file $((3 * ceiling_bytes)) "$work/warm.dat" >/dev/null
rm -f "$work/warm.dat"

declare -A tcp sendfile produced consumed paced
done_rounds=0
for ((r = 1; r <= rounds; ++r)); do
  if ((r > 1 && SECONDS - started > budget)); then
    echo "-- budget of $budget s spent: stopping after $done_rounds rounds" >&2
    break
  fi
  echo "-- round $r/$rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  stop_broker
  rm -rf "$work/data"
  start_broker "$work/data"
  bootstrap="127.0.0.1:$port"
  timeout --foreground 60 "$load" create-topic "$bootstrap" bench-p1 1 >&2
  timeout --foreground 60 "$load" create-topic "$bootstrap" bench-p16 16 >&2
  settle
  tcp[$r]=$(run_ceiling file "$ceiling_bytes" "$work/ceiling.dat")
  sendfile[$r]=$(run_ceiling sendfile "$work/ceiling.dat")
  rm -f "$work/ceiling.dat"
  for parts in 1 16; do
    for acks in 1 -1; do
      settle
      produced[$r,$parts,$acks]=$(run_load $((run_seconds + 60)) produce "$bootstrap" \
        "bench-p$parts" "$records" "$record_size" "$acks" 5 "$run_seconds")
    done
  done
  if ((r == 1)) && command -v fincore >/dev/null; then
    cached=$(find "$work/data/bench-p1-0" -name '*.log' -exec fincore -nb -o RES,SIZE {} + |
      awk '{ r += $1; s += $2 } END { printf "%.0f%% of %.0f MiB", s ? 100 * r / s : 0, s / 1048576 }')
    echo "page cache holds $cached of bench-p1's segments" >&2
  fi
  for parts in 1 16; do
    consumed[$r,$parts]=$(run_load $((run_seconds + 60)) consume "$bootstrap" "bench-p$parts" \
      "$parts" "$consume_bytes" "$run_seconds")
  done
  done_rounds=$r
done

echo "-- paced produce, $paced_rate records/s for $paced_seconds s (last round's broker)" >&2
for parts in 1 16; do
  for acks in 1 -1; do
    paced[$parts,$acks]=$(run_load $((paced_seconds + 60)) produce "$bootstrap" "bench-p$parts" \
      $((paced_rate * paced_seconds)) "$record_size" "$acks" 5 "$run_seconds" "$paced_rate")
  done
done

perf_producer="" perf_consumer=""
if [[ "$perf_tools" == 1 ]]; then
  echo "-- cross-check: bin/kafka-producer-perf-test.sh and bin/kafka-consumer-perf-test.sh" >&2
  perf_producer=$(SLUICE_BUILD_DIR="$build" timeout --foreground 120 \
    "$here/bin/kafka-producer-perf-test.sh" --topic bench-p1 --num-records $((records / 4)) \
    --record-size "$record_size" --throughput -1 \
    --producer-props "bootstrap.servers=$bootstrap" acks=1 linger.ms=5 | tail -1)
  echo "$perf_producer" >&2
  perf_consumer=$(SLUICE_BUILD_DIR="$build" timeout --foreground 120 \
    "$here/bin/kafka-consumer-perf-test.sh" --bootstrap-server "$bootstrap" --topic bench-p1 \
    --messages $((consume_bytes / record_size)) --timeout 20000 | tail -1)
  echo "$perf_consumer" >&2
fi
bench_rss=$(status_kib VmRSS)
bench_hwm=$(status_kib VmHWM)
shutdown_start=$SECONDS
stop_broker
echo "load broker: VmRSS $(mib "$bench_rss") MiB, VmHWM $(mib "$bench_hwm") MiB;" \
  "SIGTERM -> exit $stop_code in $((SECONDS - shutdown_start)) s" >&2
rm -rf "$work/data"

echo "-- RSS with $rss_partitions empty partitions" >&2
start_broker "$work/rss"
sleep 2
rss_idle=$(status_kib VmRSS)
timeout --foreground 120 "$load" create-topic "127.0.0.1:$port" bench-rss "$rss_partitions" >&2
sleep 3
rss_full=$(status_kib VmRSS)
rss_detail="RssAnon $(mib "$(status_kib RssAnon)") MiB, RssFile $(mib "$(status_kib RssFile)") MiB,"
rss_detail+=" VmHWM $(mib "$(status_kib VmHWM)") MiB, $(status_kib Threads) threads"
echo "VmRSS idle $(mib "$rss_idle") MiB; with $rss_partitions partitions $(mib "$rss_full") MiB ($rss_detail)" >&2
stop_broker
rss_exit=$stop_code
start_broker "$work/rss"
sleep 3
rss_restart=$(status_kib VmRSS)
echo "after restart: VmRSS $(mib "$rss_restart") MiB (the first SIGTERM exited $rss_exit)" >&2
stop_broker
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- summary ----
n=$done_rounds
rounds_of() {  # rounds_of <expression using $r>: the values of each round, space-separated
  local r out=()
  for ((r = 1; r <= n; ++r)); do out+=("$(eval "$1")"); done
  echo "${out[*]}"
}
cells() {  # "a / b / c (median m)"
  local values
  read -r -a values <<<"$1"
  local joined
  joined=$(printf '%s / ' "${values[@]}")
  echo "${joined% / } (median $(median "${values[@]}"))"
}
echo
echo "== summary: $n round(s), $((SECONDS - started)) s; load average $load_start at start, $load_end at end"
echo "machine: $cpu_model, $(nproc) CPUs"
echo "ceilings, MiB/s per round: TCP->file $(cells "$(rounds_of 'field "${tcp[$r]}" mib_s')");" \
  "sendfile $(cells "$(rounds_of 'field "${sendfile[$r]}" mib_s')")"
echo "ceilings, CPU s per GiB: TCP->file $(cells "$(rounds_of 'per_gib "$(field "${tcp[$r]}" cpu_s)" "$(field "${tcp[$r]}" bytes)"')");" \
  "sendfile $(cells "$(rounds_of 'per_gib "$(field "${sendfile[$r]}" cpu_s)" "$(field "${sendfile[$r]}" bytes)"')")"
echo
echo "produce, 1 KiB records, linger.ms=5, as fast as possible (latency includes client queueing):"
for parts in 1 16; do
  for acks in 1 -1; do
    k="$parts,$acks"
    echo "  ${parts} partition(s), acks=$acks:"
    echo "    MiB/s         $(cells "$(rounds_of 'field "${produced[$r,'"$k"']}" mib_s')")"
    echo "    % of TCP->file $(cells "$(rounds_of 'pct "$(field "${produced[$r,'"$k"']}" mib_s)" "$(field "${tcp[$r]}" mib_s)"')")"
    echo "    p50 ms        $(cells "$(rounds_of 'field "${produced[$r,'"$k"']}" p50_ms')")"
    echo "    p99 ms        $(cells "$(rounds_of 'field "${produced[$r,'"$k"']}" p99_ms')")"
    echo "    CPU s/GiB     broker $(cells "$(rounds_of 'per_gib "$(field "${produced[$r,'"$k"']}" broker_cpu_s)" "$(field "${produced[$r,'"$k"']}" bytes)"')")," \
      "client $(cells "$(rounds_of 'per_gib "$(field "${produced[$r,'"$k"']}" client_cpu_s)" "$(field "${produced[$r,'"$k"']}" bytes)"')")"
  done
done
echo
echo "produce paced at $paced_rate records/s (latency without client queueing):"
for parts in 1 16; do
  for acks in 1 -1; do
    l=${paced[$parts,$acks]}
    echo "  ${parts} partition(s), acks=$acks: p50 $(field "$l" p50_ms) ms, p99 $(field "$l" p99_ms) ms," \
      "p99.9 $(field "$l" p999_ms) ms, max $(field "$l" max_ms) ms"
  done
done
echo
echo "consume $((consume_bytes >> 20)) MiB from the page cache:"
for parts in 1 16; do
  echo "  ${parts} partition(s):"
  echo "    MiB/s         $(cells "$(rounds_of 'field "${consumed[$r,'"$parts"']}" mib_s')")"
  echo "    % of sendfile $(cells "$(rounds_of 'pct "$(field "${consumed[$r,'"$parts"']}" mib_s)" "$(field "${sendfile[$r]}" mib_s)"')")"
  echo "    CPU s/GiB     broker $(cells "$(rounds_of 'per_gib "$(field "${consumed[$r,'"$parts"']}" broker_cpu_s)" "$(field "${consumed[$r,'"$parts"']}" bytes)"')")," \
    "client $(cells "$(rounds_of 'per_gib "$(field "${consumed[$r,'"$parts"']}" client_cpu_s)" "$(field "${consumed[$r,'"$parts"']}" bytes)"')")"
done
if [[ -n "$perf_producer" ]]; then
  echo
  echo "cross-check, kafka-producer-perf-test (bench-p1, acks=1, $((records / 4)) records):"
  echo "  $perf_producer"
  echo "cross-check, kafka-consumer-perf-test (bench-p1):"
  echo "  $perf_consumer"
fi
echo
echo "RSS: idle $(mib "$rss_idle") MiB; with $rss_partitions empty partitions $(mib "$rss_full") MiB" \
  "(target < 100 MiB); after a restart with them $(mib "$rss_restart") MiB"
echo "  ($rss_detail)"
echo "last round's broker at the end: VmRSS $(mib "$bench_rss") MiB, VmHWM $(mib "$bench_hwm") MiB"
