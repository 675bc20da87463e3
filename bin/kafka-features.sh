#!/usr/bin/env bash
# kafka-features.sh: Kafka's kafka-features tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-features "$@"
