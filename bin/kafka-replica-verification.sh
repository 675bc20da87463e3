#!/usr/bin/env bash
# kafka-replica-verification.sh: Kafka's kafka-replica-verification tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-replica-verification "$@"
