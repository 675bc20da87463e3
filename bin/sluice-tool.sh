# Sourced by the scripts in bin/: finds Sluice's built programs from the script's own location.
# Looks in $SLUICE_BUILD_DIR (when set), then build/release, then build/debug of the source tree
# this bin/ folder belongs to.

SLUICE_BIN_DIR="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
SLUICE_HOME="$(cd "$SLUICE_BIN_DIR/.." && pwd)"

# Prints the path of a built program (e.g. cli/sluice, src/server/sluiced); fails with a message.
sluice_find_program() {
  local relative="$1" dir
  for dir in ${SLUICE_BUILD_DIR:+"$SLUICE_BUILD_DIR"} "$SLUICE_HOME/build/release" "$SLUICE_HOME/build/debug"; do
    if [ -x "$dir/$relative" ]; then
      echo "$dir/$relative"
      return 0
    fi
  done
  echo "$(basename "$0"): $(basename "$relative") is not built; run make build in $SLUICE_HOME" >&2
  return 1
}

# Runs `sluice <tool> args...` in place of this script.
sluice_exec_tool() {
  local tool="$1" program
  shift
  program="$(sluice_find_program cli/sluice)" || exit 1
  exec "$program" "$tool" "$@"
}
