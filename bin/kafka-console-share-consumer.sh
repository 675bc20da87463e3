#!/usr/bin/env bash
# kafka-console-share-consumer.sh: Kafka's kafka-console-share-consumer tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-console-share-consumer "$@"
