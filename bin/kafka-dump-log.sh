#!/usr/bin/env bash
# kafka-dump-log.sh: Kafka's kafka-dump-log tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-dump-log "$@"
