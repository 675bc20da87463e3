#!/usr/bin/env bash
# kafka-consumer-perf-test.sh: Kafka's kafka-consumer-perf-test tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-consumer-perf-test "$@"
