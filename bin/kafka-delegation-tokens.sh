#!/usr/bin/env bash
# kafka-delegation-tokens.sh: Kafka's kafka-delegation-tokens tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-delegation-tokens "$@"
