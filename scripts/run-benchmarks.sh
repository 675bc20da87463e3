#!/usr/bin/env bash
# run-benchmarks.sh <build-dir>: what `make bench` runs. First every Google Benchmark program
# <build-dir>/bench/*_bench (bench/*_bench.cc), each with a short --benchmark_min_time, then the
# single-broker benchmarks bench/broker_bench.sh, bench/txn_bench.sh and bench/tls_bench.sh (SSL
# against PLAINTEXT), then the three-broker
# bench/txn_bench.sh --cluster (named txn_bench_cluster; skipped when ZooKeeper is not installed),
# all against the same build; prints a summary at the end.
# Figures and the machines they came from: docs/benchmarks.md.
#
# Environment: BENCH_MIN_TIME (seconds per Google Benchmark case, default 0.05), BENCH_ONLY (a
# regular expression: run only the programs whose name matches, e.g. 'crc32c|broker' or
# '^txn_bench$'), BENCH_PROGRAM_TIMEOUT (seconds allowed to each program, default 600). The
# scripts' own knobs (BENCH_RECORDS, ...) pass through.
set -uo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <build-dir>   (e.g. build/release)" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "$1" && pwd)" || exit 1
min_time=${BENCH_MIN_TIME:-0.05}
only=${BENCH_ONLY:-.}
limit=${BENCH_PROGRAM_TIMEOUT:-600}

out="$(mktemp -d "${TMPDIR:-/tmp}/sluice-run-benchmarks.XXXXXX")"
trap 'rm -rf "$out"' EXIT

summary=()
failed=0
run() {  # run <name> <command...>: runs under the timeout, tees the output, records the outcome
  local name=$1 start=$SECONDS code=0
  shift
  echo "== $name"
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$out/$name.txt" || code=$?
  local took=$((SECONDS - start)) status=ok
  if ((code == 124 || code == 137)); then
    status="timed out after ${limit} s"
  elif ((code != 0)); then
    status="failed (exit $code)"
  fi
  [[ "$status" == ok ]] || failed=1
  summary+=("$(printf '%-22s %-24s %5d s' "$name" "$status" "$took")")
  echo
}

shopt -s nullglob
programs=("$build"/bench/*_bench)
if ((${#programs[@]} == 0)); then
  echo "run-benchmarks: no Google Benchmark programs in $build/bench (build with SLUICE_BENCH=ON)" >&2
  failed=1
fi
for program in "${programs[@]}"; do
  name=$(basename "$program")
  [[ -x "$program" && "$name" =~ $only ]] || continue
  run "$name" "$program" --benchmark_min_time="$min_time"
done
if [[ broker_bench =~ $only ]]; then
  run broker_bench "$here/bench/broker_bench.sh" "$build"
fi
if [[ txn_bench =~ $only ]]; then
  run txn_bench "$here/bench/txn_bench.sh" "$build"
fi
if [[ tls_bench =~ $only ]]; then
  run tls_bench "$here/bench/tls_bench.sh" "$build"
fi
if [[ txn_bench_cluster =~ $only ]]; then
  if [[ -f "${SLUICE_ZOOKEEPER_JAR:-/usr/share/java/zookeeper.jar}" ]] && command -v java >/dev/null; then
    run txn_bench_cluster "$here/bench/txn_bench.sh" --cluster "$build"
  else
    summary+=("$(printf '%-22s %-24s' txn_bench_cluster 'skipped: no ZooKeeper')")
  fi
fi

echo "== summary ($(date -u +%FT%TZ); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${summary[@]}"
# The scripts end with their own summaries; repeat them here so they are the last thing printed.
for name in broker_bench txn_bench tls_bench txn_bench_cluster; do
  if [[ -f "$out/$name.txt" ]]; then
    echo
    echo "== $name"
    sed -n '/^== summary/,$p' "$out/$name.txt"
  fi
done
exit "$failed"
