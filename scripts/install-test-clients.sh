#!/usr/bin/env bash
# Installs the Kafka clients the integration tests drive beside Debian's (python3-kafka,
# python3-confluent-kafka, kcat), each at a pinned version from its own registry:
#   - Apache Kafka's Java clients and Kafka Streams, 3.9 and 4.x lines (Maven Central), pinned in
#     tests/integration/java/<line>/pom.xml
#   - the newest confluent-kafka (PyPI), pinned in tests/integration/python/requirements-confluent.txt
#   - franz-go and sarama (the Go module proxy), pinned in tests/integration/go/go.mod + go.sum
#   - kafkajs and @platformatic/kafka (npm), pinned in tests/integration/js/package-lock.json
# Everything but js/node_modules lands outside the source tree, in
# ${SLUICE_CLIENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice}. Each part is keyed by a hash of
# its pin file, so a run with nothing changed asks no registry and takes a second or two. A
# registry that cannot be reached, or a toolchain that is missing or too old, stops the script
# with a non-zero exit naming what failed: it never skips a client.
# Called by scripts/install-deps.sh after the Debian packages; safe to run by hand.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
it="$here/tests/integration"
cache="${SLUICE_CLIENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice}"
export SLUICE_CLIENTS_CACHE="$cache"
mkdir -p "$cache"

fail() {
  echo "install-test-clients: FAILED: $*" >&2
  exit 1
}
say() { echo "install-test-clients: $*"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# version_at_least HAVE WANT: true when dotted version HAVE >= WANT.
version_at_least() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]; }

# --- toolchains ------------------------------------------------------------------------------
command -v javac >/dev/null || fail "javac not found: a JDK 17+ is needed (Debian: default-jdk-headless)"
command -v java >/dev/null || fail "java not found: a Java 17+ runtime is needed (Debian: default-jdk-headless)"
java_version=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
version_at_least "${java_version:-0}" 17 || fail "java is version ${java_version:-unknown}; Kafka 4.x clients need 17+"
command -v mvn >/dev/null || fail "mvn not found: Maven fetches the Java clients (Debian: maven)"
go_want=$(sed -n 's/^go //p' "$it/go/go.mod")
command -v go >/dev/null \
  || fail "go not found: Go $go_want+ builds the franz-go/sarama programs (Debian 12's golang-go is too old)"
go_have=$(GOTOOLCHAIN=local go env GOVERSION | sed 's/^go//')
version_at_least "$go_have" "$go_want" || fail "go is $go_have; tests/integration/go/go.mod needs $go_want+"
command -v node >/dev/null && command -v npm >/dev/null || fail "node/npm not found: Node.js 20.19+ runs the JS clients"
node_have=$(node -p 'process.versions.node')
version_at_least "$node_have" 20.19.4 || fail "node is $node_have; @platformatic/kafka needs 20.19.4+"
/usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null \
  || fail "Debian's python3 cannot make a virtualenv (Debian: python3-venv)"

# --- Java: Kafka clients + Streams per line, by Maven ------------------------------------------
for line in 3.9 4.x; do
  pom="$it/java/$line/pom.xml"
  home="$cache/java/$line"
  want=$(sha "$pom")
  if [[ "$(cat "$home/lib.stamp" 2>/dev/null)" != "$want" ]]; then
    say "Maven: Kafka Java clients $line ($pom)"
    mkdir -p "$home"
    rm -rf "$home/lib.new"
    mvn -B -q -Dstyle.color=never -f "$pom" -Dmaven.repo.local="$cache/java/m2" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$home/lib.new" \
      || fail "Maven could not resolve $pom (is Maven Central reachable? see the output above)"
    ls "$home/lib.new"/kafka-clients-*.jar >/dev/null 2>&1 || fail "Maven resolved $pom but copied no kafka-clients jar"
    rm -rf "$home/lib"
    mv "$home/lib.new" "$home/lib"
    echo "$want" >"$home/lib.stamp"
  fi
done

# --- Python: the newest confluent-kafka in a virtualenv of Debian's python3 ------------------------
venv="$cache/venv-confluent"
req="$it/python/requirements-confluent.txt"
want=$(sha "$req")
if [[ "$(cat "$venv/sluice.stamp" 2>/dev/null)" != "$want" || ! -x "$venv/bin/python" ]]; then
  say "PyPI: $(grep -v '^#' "$req" | xargs) into $venv"
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv" || fail "python3 -m venv $venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$req" \
    || fail "pip could not install $req (is PyPI reachable? see the output above)"
  "$venv/bin/python" -c 'import confluent_kafka' || fail "confluent_kafka does not import in $venv"
  echo "$want" >"$venv/sluice.stamp"
fi

# --- JavaScript: kafkajs and @platformatic/kafka, by npm ci from the lockfile ------------------
lock="$it/js/package-lock.json"
want=$(sha "$lock")
if [[ "$(cat "$it/js/node_modules/.sluice-lock.sha256" 2>/dev/null)" != "$want" ]]; then
  say "npm ci: kafkajs and @platformatic/kafka ($lock)"
  (cd "$it/js" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || fail "npm ci in $it/js failed (is the npm registry reachable? see the output above)"
  echo "$want" >"$it/js/node_modules/.sluice-lock.sha256"
fi

# --- Go modules, then compile the Java programs and build the Go one (clients.py) ------------------
# The go command fetches what go.sum pins and is missing from the module cache; clients.py builds
# nothing when the sources are unchanged.
mkdir -p "$cache/go"
if ! out=$(cd "$it" && nice /usr/bin/python3 clients.py prepare --online 2>&1); then
  echo "$out" >&2
  fail "building the test client programs (Go modules from the Go module proxy, javac) failed"
fi
