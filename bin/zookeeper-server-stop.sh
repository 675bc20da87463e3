#!/usr/bin/env bash
# zookeeper-server-stop.sh [pid | zookeeper.properties]
# Sends SIGTERM to the ZooKeeper servers started by zookeeper-server-start.sh: all of them, the one
# with the given pid, or the ones started with the given config file. Exits 1 when none is running,
# as Kafka's script does. (Kafka's stops every QuorumPeerMain java process; this one leaves alone
# ZooKeeper servers it did not start, such as a system service.)
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"

if [ $# -gt 1 ]; then
  echo "USAGE: $0 [pid | zookeeper.properties]"
  exit 1
fi
target="${1:-}"
marker="-Dsluice.zookeeper.config="
if [ -z "$target" ]; then
  pids="$(pgrep -u "$(id -u)" -f -- "$marker" || true)"
elif [[ "$target" =~ ^[0-9]+$ ]]; then
  pids="$target"
elif [ -e "$target" ]; then
  # pgrep takes an extended regular expression; match the path literally.
  path="$(readlink -f "$target" | sed 's/[][\.*^$+?(){}|]/\\&/g')"
  pids="$(pgrep -u "$(id -u)" -f -- "$marker$path( |\$)" || true)"
else
  echo "$(basename "$0"): $target is neither a pid nor a config file" >&2
  exit 1
fi
if [ -z "$pids" ]; then
  echo "No zookeeper server to stop"
  exit 1
fi
kill -s TERM $pids
