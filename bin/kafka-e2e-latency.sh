#!/usr/bin/env bash
# kafka-e2e-latency.sh: Kafka's kafka-e2e-latency tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-e2e-latency "$@"
