#!/usr/bin/env bash
# kafka-transactions.sh: Kafka's kafka-transactions tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-transactions "$@"
