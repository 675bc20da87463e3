#!/usr/bin/env bash
# kafka-get-offsets.sh: Kafka's kafka-get-offsets tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-get-offsets "$@"
