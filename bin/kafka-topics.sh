#!/usr/bin/env bash
# kafka-topics.sh: Kafka's kafka-topics tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-topics "$@"
