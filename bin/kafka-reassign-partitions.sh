#!/usr/bin/env bash
# kafka-reassign-partitions.sh: Kafka's kafka-reassign-partitions tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-reassign-partitions "$@"
