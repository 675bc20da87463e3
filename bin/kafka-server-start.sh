#!/usr/bin/env bash
# kafka-server-start.sh [-daemon] server.properties [--override property=value]*
# Starts a Sluice broker (sluiced) with a Kafka-format server.properties: in the foreground, or with
# -daemon detached, its output in $LOG_DIR/sluiced-<config name>.out and its pid in
# $LOG_DIR/sluiced-<config name>.pid ($LOG_DIR defaults to logs/ beside bin/).
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*"
  exit 1
fi

daemon=false
if [ "$1" = "-daemon" ]; then
  daemon=true
  shift
fi
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*"
  exit 1
fi
config="$1"
shift
if [ ! -r "$config" ]; then
  echo "$(basename "$0"): cannot read $config" >&2
  exit 1
fi
program="$(sluice_find_program src/server/sluiced)" || exit 1

if [ "$daemon" = false ]; then
  exec "$program" "$config" "$@"
fi

LOG_DIR="${LOG_DIR:-$SLUICE_HOME/logs}"
mkdir -p "$LOG_DIR"
name="$(basename "$config" .properties)"
out="$LOG_DIR/sluiced-$name.out"
pid_file="$LOG_DIR/sluiced-$name.pid"
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "$(basename "$0"): sluiced for $config is already running (pid $(cat "$pid_file"))" >&2
  exit 1
fi
nohup "$program" "$config" "$@" >"$out" 2>&1 </dev/null &
echo $! >"$pid_file"
