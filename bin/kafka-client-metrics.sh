#!/usr/bin/env bash
# kafka-client-metrics.sh: Kafka's kafka-client-metrics tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-client-metrics "$@"
