#!/usr/bin/env bash
# kafka-verifiable-consumer.sh: Kafka's kafka-verifiable-consumer tool, with Kafka's flags and output, run by Sluice's `sluice` program.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"
sluice_exec_tool kafka-verifiable-consumer "$@"
