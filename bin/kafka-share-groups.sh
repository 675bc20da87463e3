#!/usr/bin/env bash
# kafka-share-groups.sh: Kafka's kafka-share-groups tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-share-groups "$@"
