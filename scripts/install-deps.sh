#!/usr/bin/env bash
# Installs what Sluice needs to build and test: Debian's packages here; with --test-clients also
# the pinned Kafka clients of the integration tests from Maven Central, PyPI, the Go module proxy
# and npm (scripts/install-test-clients.sh; `make test` asks for them, `make run` does not).
# Idempotent: a package already installed is not touched, so on a ready machine this is a no-op.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  # build
  cmake ninja-build g++ ccache pkg-config git
  libasio-dev libssl-dev zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  librdkafka-dev libzookeeper-mt-dev libre2-dev
  clang-14 libclang-rt-14-dev clang-format
  # test clients and servers
  python3 python3-pytest python3-kafka python3-confluent-kafka python3-kazoo kcat zookeeper
  # toolchains of the registry-fetched test clients (install-test-clients.sh): a JDK and Maven for
  # Kafka's Java clients, venv for the newest confluent-kafka. Go 1.26+ and Node.js 20.19+ come
  # with the machine (Debian 12's golang-go and nodejs are older than the clients need).
  python3-venv default-jdk-headless maven
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Kafka clients the integration tests drive (Java, Go, npm, the newest confluent-kafka), pinned
# and cached outside the tree; fails, naming what, when a registry or a toolchain is missing.
if [[ "${1:-}" == "--test-clients" ]]; then
  "$here/scripts/install-test-clients.sh"
fi
