#!/usr/bin/env bash
# tls_bench.sh: issue #13's TLS benchmark — produce and consume over an SSL listener against the
# same broker's PLAINTEXT listener, in the same run, over loopback only.
#
#   bench/tls_bench.sh [build-dir]        (default build/release; needs sluiced and kafka_load
#                                           built there: `make build`)
#
# One sluiced with a PLAINTEXT and an SSL listener (certificates made with the openssl command line
# by tests/integration/tls_certs.py: P-256 keys; ssl.client.auth=none unless
# BENCH_TLS_CLIENT_AUTH=required) is driven by librdkafka (bench/kafka_load.cc; for SSL
# security.protocol=SSL and ssl.ca.location through KAFKA_LOAD_* variables). Each round starts a
# fresh broker, writes an untimed scratch topic over each listener, then for each listener — the
# order alternating from round to round — on a fresh 1-partition topic, after writing dirty pages
# back (not timed):
#   produce  BENCH_RECORDS keyless 1 KiB records, acks=1, linger.ms=5, as fast as the client goes;
#   consume  the same topic from the page cache, through the same listener.
# The figure is the broker's CPU per GiB (the scheduler's run time of sluiced's threads,
# /proc/<pid>/task/*/schedstat), with MiB/s and the client's CPU beside it; the summary gives each
# round and the medians, and the ratio SSL / PLAINTEXT per round. PLAINTEXT consume uses
# sendfile(2); SSL consume reads the segment into a staging buffer and encrypts it (TLS cannot use
# sendfile without kernel TLS). Sizes in MiB = 2^20 bytes. Progress lines go to stderr, the summary
# to stdout.
#
# Knobs (environment): BENCH_ROUNDS (4: even, so each listener goes first equally often),
# BENCH_BUDGET_SECONDS (no new round starts after this; 300), BENCH_RECORDS per produce run
# (262144 = 256 MiB), BENCH_RUN_SECONDS cap per run (30), BENCH_WARMUP_MIB (2048; 0 skips),
# BENCH_TLS_CLIENT_AUTH (none), BENCH_TLS_CIPHER (librdkafka's ssl.cipher.suites, OpenSSL names;
# unset: the negotiated default), BENCH_TMPDIR (default $TMPDIR or /tmp), BENCH_BROKER_PROPERTIES
# extra key=value settings for sluiced (space-separated). Every step runs under `timeout`; the
# broker and the temporary folder are removed on exit, also on Ctrl-C.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$here/build/release}" && pwd)"
sluiced="$build/src/server/sluiced"
load="$build/bench/kafka_load"
for p in "$sluiced" "$load"; do
  [[ -x "$p" ]] || { echo "tls_bench: $p is not built (make build)" >&2; exit 1; }
done

rounds=${BENCH_ROUNDS:-4}
budget=${BENCH_BUDGET_SECONDS:-300}
records=${BENCH_RECORDS:-262144}
record_size=1024
run_seconds=${BENCH_RUN_SECONDS:-30}
warmup_mib=${BENCH_WARMUP_MIB:-2048}
client_auth=${BENCH_TLS_CLIENT_AUTH:-none}
clk_tck=$(getconf CLK_TCK)
started=$SECONDS

tmp_parent="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
round_kib=$((9 * records / 4 * (record_size + 80) / 1024))
need_kib=$(((warmup_mib * 1024 > round_kib ? warmup_mib * 1024 : round_kib) + 1024 * 1024))
avail_kib=$(df -Pk "$tmp_parent" | awk 'NR == 2 { print $4 }')
if ((avail_kib < need_kib)); then
  echo "tls_bench: $tmp_parent has $((avail_kib / 1024)) MiB free, needs $((need_kib / 1024)) MiB;" \
    "set BENCH_TMPDIR or lower BENCH_RECORDS or BENCH_WARMUP_MIB" >&2
  exit 1
fi
work="$(mktemp -d "$tmp_parent/sluice-tls-bench.XXXXXX")"
bench_name=tls_bench
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

python3 "$here/tests/integration/tls_certs.py" "$work/pki" >&2
pki="$work/pki"

start_tls_broker() {  # a fresh broker on an empty data dir; sets bootstrap_PLAINTEXT, bootstrap_SSL
  local ssl_port
  ssl_port=$(free_port)
  port=$(free_port)
  rm -rf "$work/data"
  # start_broker picks its PLAINTEXT port itself; the listeners line below names both.
  start_port=$port start_broker "$work/data" \
    "listeners=PLAINTEXT://127.0.0.1:$port,SSL://127.0.0.1:$ssl_port" \
    "advertised.listeners=PLAINTEXT://127.0.0.1:$port,SSL://127.0.0.1:$ssl_port" \
    ssl.keystore.type=PEM "ssl.keystore.location=$pki/broker-keystore.pem" \
    ssl.truststore.type=PEM "ssl.truststore.location=$pki/ca.pem" "ssl.client.auth=$client_auth"
  wait_port "$ssl_port" "sluiced's SSL listener" "$broker_pid" || exit 1
  bootstrap_PLAINTEXT="127.0.0.1:$port"
  bootstrap_SSL="127.0.0.1:$ssl_port"
}

# The client settings of a listener, as environment assignments for kafka_load.
client_env() {  # client_env <PLAINTEXT|SSL>
  [[ "$1" == SSL ]] || return 0
  echo KAFKA_LOAD_security_protocol=SSL "KAFKA_LOAD_ssl_ca_location=$pki/ca.pem"
  if [[ "$client_auth" != none ]]; then
    echo "KAFKA_LOAD_ssl_certificate_location=$pki/client.pem" \
      "KAFKA_LOAD_ssl_key_location=$pki/client.key"
  fi
  [[ -z "${BENCH_TLS_CIPHER:-}" ]] || echo "KAFKA_LOAD_ssl_cipher_suites=$BENCH_TLS_CIPHER"
}

# run_load <listener> kafka_load args...: one kafka_load line (after settle) with the broker's CPU
# seconds (schedstat and ticks) and the 1-minute load average added.
run_load() {
  local listener=$1 ns0 ns1 t0 t1 line envs
  shift
  read -r -a envs <<<"$(client_env "$listener") BENCH_LISTENER=$listener"
  settle
  ns0=$(cpu_ns "$broker_pid")
  t0=$(cpu_ticks "$broker_pid")
  line=$(env "${envs[@]}" timeout --foreground --kill-after=5 $((run_seconds + 90)) "$load" "$@") || {
    echo "tls_bench: kafka_load $* over $listener failed (exit $?)" >&2
    exit 1
  }
  ns1=$(cpu_ns "$broker_pid")
  t1=$(cpu_ticks "$broker_pid")
  line+=" listener=$listener broker_cpu_s=$(awk -v d=$((ns1 - ns0)) 'BEGIN { printf "%.4f", d / 1e9 }')"
  line+=" broker_cpu_ticks_s=$(awk -v t=$((t1 - t0)) -v h="$clk_tck" 'BEGIN { printf "%.2f", t / h }')"
  line+=" load1=$(cut -d' ' -f1 /proc/loadavg)"
  echo "$line" >&2
  echo "$line"
}

create() {  # create <listener> <topic>
  local envs
  read -r -a envs <<<"$(client_env "$1") BENCH_LISTENER=$1"
  env "${envs[@]}" timeout --foreground 60 "$load" create-topic "${bootstrap[$1]}" "$2" 1 >&2
}

echo "== tls_bench: $(date -u +%FT%TZ), $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')," \
  "ssl.client.auth=$client_auth" >&2
cpu_model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
load_start=$(load_average)
echo "machine: $cpu_model, $(nproc) CPUs, load average $load_start," \
  "librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?'), $(openssl version)" >&2
warm_up "$warmup_mib"

declare -A bootstrap produced consumed round_load
listeners=(PLAINTEXT SSL)
done_rounds=0
for ((r = 1; r <= rounds; ++r)); do
  if ((r > 1 && SECONDS - started > budget)); then
    echo "-- budget of $budget s spent: stopping after $done_rounds rounds" >&2
    break
  fi
  round_load[$r]=$(load_average)
  echo "-- round $r/$rounds (load average ${round_load[$r]})" >&2
  stop_broker
  start_tls_broker
  bootstrap[PLAINTEXT]=$bootstrap_PLAINTEXT
  bootstrap[SSL]=$bootstrap_SSL
  if ((r % 2 == 1)); then order=(PLAINTEXT SSL); else order=(SSL PLAINTEXT); fi
  for l in "${order[@]}"; do  # untimed: a fresh broker's first runs cost more
    create "$l" "warm-$l"
    run_load "$l" produce "${bootstrap[$l]}" "warm-$l" $((records / 8)) "$record_size" 1 5 \
      "$run_seconds" >/dev/null
  done
  for l in "${order[@]}"; do
    create "$l" "bench-$l-r$r"
    produced[$l,$r]=$(run_load "$l" produce "${bootstrap[$l]}" "bench-$l-r$r" "$records" \
      "$record_size" 1 5 "$run_seconds")
  done
  for l in "${order[@]}"; do
    consumed[$l,$r]=$(run_load "$l" consume "${bootstrap[$l]}" "bench-$l-r$r" 1 \
      $((records * record_size)) "$run_seconds")
  done
  done_rounds=$r
done
stop_broker
load_end=$(load_average)

# ---- summary ----
n=$done_rounds
client_per_gib() { per_gib "$(field "$1" client_cpu_s)" "$(field "$1" bytes)" 3; }

echo
echo "== summary: one broker, PLAINTEXT and SSL listeners (ssl.client.auth=$client_auth);" \
  "$n round(s), $((SECONDS - started)) s; load average $load_start at start, $load_end at end"
echo "machine: $cpu_model, $(nproc) CPUs; build $build; $(openssl version)"
echo "load average (1, 5, 15 min) at the start of each round: $(rounds_of 'echo "${round_load[$r]// /,}"' | sed 's/ / · /g')"
for what in produce consume; do
  echo
  if [[ $what == produce ]]; then
    echo "produce: $records keyless 1 KiB records, acks=1, linger.ms=5, 1 partition, fresh topic:"
  else
    echo "consume: the same topic from the page cache, 1 partition:"
  fi
  for l in PLAINTEXT SSL; do
    if [[ $what == produce ]]; then row="produced[$l,\$r]"; else row="consumed[$l,\$r]"; fi
    echo "  $l:"
    echo "    MiB/s            $(cells "$(rounds_of 'field "${'"$row"'}" mib_s')")"
    echo "    broker CPU s/GiB $(cells "$(rounds_of 'cpu_per_gib "${'"$row"'}"')")"
    echo "    (ticks:          $(cells "$(rounds_of 'per_gib "$(field "${'"$row"'}" broker_cpu_ticks_s)" "$(field "${'"$row"'}" bytes)"')"))"
    echo "    client CPU s/GiB $(cells "$(rounds_of 'client_per_gib "${'"$row"'}"')")"
  done
  if [[ $what == produce ]]; then a="produced[SSL,\$r]" b="produced[PLAINTEXT,\$r]"
  else a="consumed[SSL,\$r]" b="consumed[PLAINTEXT,\$r]"; fi
  echo "  SSL / PLAINTEXT per round: broker CPU per GiB $(cells "$(rounds_of 'ratio "$(cpu_per_gib "${'"$a"'}")" "$(cpu_per_gib "${'"$b"'}")"')")"
  echo "                             MiB/s              $(cells "$(rounds_of 'ratio "$(field "${'"$a"'}" mib_s)" "$(field "${'"$b"'}" mib_s)"')")"
done
