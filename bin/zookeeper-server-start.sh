#!/usr/bin/env bash
# zookeeper-server-start.sh [-daemon] zookeeper.properties
# Starts Apache ZooKeeper from Debian's `zookeeper` package (/usr/share/java/zookeeper.jar, run by
# java) with a Kafka-format config/zookeeper.properties (ZooKeeper's own zoo.cfg keys: dataDir,
# clientPort, server.N=host:peerPort:electionPort[;clientPort], ...).
#
# For an ensemble (server.N lines) ZooKeeper needs dataDir/myid. When that file is missing it is
# written from the config: the `myid=N` key if present, else the server.N line whose
# `;clientPort` suffix equals clientPort, else the only server.N line.
#
# In the foreground the script becomes the java process. With -daemon it detaches: output in
# $LOG_DIR/zookeeper-<config name>.out, pid in $LOG_DIR/zookeeper-<config name>.pid ($LOG_DIR
# defaults to logs/ beside bin/). JVM settings as Kafka's script: KAFKA_HEAP_OPTS (default
# -Xmx512M -Xms512M), KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS, KAFKA_OPTS.
set -u
. "$(dirname "$(readlink -f "$0")")/sluice-tool.sh"

usage() {
  echo "USAGE: $0 [-daemon] zookeeper.properties"
  exit 1
}

[ $# -ge 1 ] || usage
daemon=false
if [ "$1" = "-daemon" ]; then
  daemon=true
  shift
fi
[ $# -eq 1 ] || usage
config="$1"
if [ ! -r "$config" ]; then
  echo "$(basename "$0"): cannot read $config" >&2
  exit 1
fi
config="$(readlink -f "$config")"

# The last value of a key in a properties file, blanks around it removed ("" when absent).
property() {
  sed -n -E "s/^[[:space:]]*$(printf '%s' "$1" | sed 's/\./\\./g')[[:space:]]*[=:][[:space:]]*//p" \
    "$config" | tail -n 1 | sed -E 's/[[:space:]]+$//'
}

zookeeper_jar="${SLUICE_ZOOKEEPER_JAR:-/usr/share/java/zookeeper.jar}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if [ ! -r "$zookeeper_jar" ]; then
  echo "$(basename "$0"): Apache ZooKeeper is not installed ($zookeeper_jar is missing);" \
    "install Debian's zookeeper package (scripts/install-deps.sh)" >&2
  exit 1
fi
if ! command -v "$java" >/dev/null 2>&1; then
  echo "$(basename "$0"): java is not installed (Debian's zookeeper package brings it)" >&2
  exit 1
fi

data_dir="$(property dataDir)"
if [ -z "$data_dir" ]; then
  echo "$(basename "$0"): $config has no dataDir" >&2
  exit 1
fi
mkdir -p "$data_dir" || exit 1

# An ensemble member needs its id in dataDir/myid.
servers="$(sed -n -E 's/^[[:space:]]*server\.([0-9]+)[[:space:]]*[=:][[:space:]]*(.*)$/\1 \2/p' "$config")"
if [ -n "$servers" ] && [ ! -s "$data_dir/myid" ]; then
  myid="$(property myid)"
  if [ -z "$myid" ]; then
    client_port="$(property clientPort)"
    # server.N=host:peer:election[:role][;[clientHost:]clientPort]
    myid="$(echo "$servers" | while read -r id spec; do
      case "$spec" in
        *";"*)
          port="${spec##*;}"
          port="${port##*:}"
          [ -n "$client_port" ] && [ "$port" = "$client_port" ] && echo "$id" ;;
      esac
    done | head -n 1)"
  fi
  if [ -z "$myid" ] && [ "$(echo "$servers" | wc -l)" -eq 1 ]; then
    myid="${servers%% *}"
  fi
  if [ -z "$myid" ]; then
    echo "$(basename "$0"): cannot tell which server.N of $config this server is: write N to" \
      "$data_dir/myid, add myid=N to the config, or end its server.N line with ;<clientPort>" >&2
    exit 1
  fi
  if ! echo "$servers" | grep -q -E "^$myid "; then
    echo "$(basename "$0"): myid $myid has no server.$myid line in $config" >&2
    exit 1
  fi
  echo "$myid" >"$data_dir/myid" || exit 1
fi

classpath="$zookeeper_jar"
for jar in /usr/share/java/slf4j-log4j12.jar /usr/share/java/log4j-1.2.jar; do
  [ -r "$jar" ] && classpath="$classpath:$jar"
done
log4j_config="${SLUICE_ZOOKEEPER_LOG4J:-/etc/zookeeper/conf/log4j.properties}"
log4j_opts="${KAFKA_LOG4J_OPTS:-}"
if [ -z "$log4j_opts" ] && [ -r "$log4j_config" ]; then
  log4j_opts="-Dlog4j.configuration=file:$log4j_config -Dzookeeper.root.logger=INFO,CONSOLE"
fi
heap_opts="${KAFKA_HEAP_OPTS:--Xmx512M -Xms512M}"
performance_opts="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true}"

# sluice.zookeeper.config marks the process as started by this script (zookeeper-server-stop.sh).
# shellcheck disable=SC2086  # the *_opts variables hold several words on purpose
command=("$java" $heap_opts $performance_opts $log4j_opts ${KAFKA_OPTS:-}
  "-Dsluice.zookeeper.config=$config" -cp "$classpath"
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$config")

if [ "$daemon" = false ]; then
  exec "${command[@]}"
fi

LOG_DIR="${LOG_DIR:-$SLUICE_HOME/logs}"
mkdir -p "$LOG_DIR"
name="$(basename "$config" .properties)"
out="$LOG_DIR/zookeeper-$name.out"
pid_file="$LOG_DIR/zookeeper-$name.pid"
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "$(basename "$0"): ZooKeeper for $config is already running (pid $(cat "$pid_file"))" >&2
  exit 1
fi
nohup "${command[@]}" >"$out" 2>&1 </dev/null &
echo $! >"$pid_file"
