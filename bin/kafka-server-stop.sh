#!/usr/bin/env bash
# kafka-server-stop.sh [--process-role broker] [pid]
# Sends SIGTERM to the running Sluice brokers (sluiced): all of them, or the one whose pid is given.
# Exits 1 when none is running, as Kafka's script does.
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"

target=""
while [ $# -gt 0 ]; do
  case "$1" in
    --process-role)
      # Sluice runs one kind of process, the broker; any other role selects nothing.
      if [ "$2" != "broker" ]; then
        echo "No kafka server with role $2 to stop"
        exit 1
      fi
      shift 2 ;;
    --process-role=*)
      if [ "${1#*=}" != "broker" ]; then
        echo "No kafka server with role ${1#*=} to stop"
        exit 1
      fi
      shift ;;
    *) target="$1"; shift ;;
  esac
done

if [ -n "$target" ]; then
  pids="$target"
else
  # Processes whose program is named sluiced, owned by this user.
  pids="$(pgrep -x -u "$(id -u)" sluiced || true)"
fi
if [ -z "$pids" ]; then
  echo "No kafka server to stop"
  exit 1
fi
kill -s TERM $pids
