#!/usr/bin/env bash
# kafka-delete-records.sh: Kafka's kafka-delete-records tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-delete-records "$@"
