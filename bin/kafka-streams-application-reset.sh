#!/usr/bin/env bash
# kafka-streams-application-reset.sh: Kafka's kafka-streams-application-reset tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-streams-application-reset "$@"
