#!/usr/bin/env bash
# kafka-leader-election.sh: Kafka's kafka-leader-election tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-leader-election "$@"
