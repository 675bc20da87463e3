#!/usr/bin/env bash
# kafka-consumer-groups.sh: Kafka's kafka-consumer-groups tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-consumer-groups "$@"
