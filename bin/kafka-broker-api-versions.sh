#!/usr/bin/env bash
# kafka-broker-api-versions.sh: Kafka's kafka-broker-api-versions tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-broker-api-versions "$@"
