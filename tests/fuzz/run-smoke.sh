#!/usr/bin/env bash
# Runs a libFuzzer binary for a while over a private copy of a seed corpus, so the seeds in the repo
# are never modified: run-smoke.sh <fuzzer-binary> <seed-corpus-dir> [seconds, default 60].
# The exit code is the fuzzer's (0: no crash, leak or timeout found). Crash inputs are written to
# the current folder as crash-<sha1>.
set -uo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <fuzzer-binary> <seed-corpus-dir> [seconds]" >&2
  exit 2
fi
fuzzer=$1
seeds=$2
seconds=${3:-60}

corpus=$(mktemp -d "${TMPDIR:-/tmp}/sluice-fuzz-corpus.XXXXXX")
trap 'rm -rf "$corpus"' EXIT
find "$seeds" -maxdepth 1 -type f ! -name '*.md' -exec cp {} "$corpus"/ \;

"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$corpus"
exit $?
