#!/usr/bin/env bash
# kafka-console-producer.sh: Kafka's kafka-console-producer tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-console-producer "$@"
