#!/usr/bin/env bash
# kafka-configs.sh: Kafka's kafka-configs tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-configs "$@"
