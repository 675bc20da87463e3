#!/usr/bin/env bash
# kafka-log-dirs.sh: Kafka's kafka-log-dirs tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-log-dirs "$@"
