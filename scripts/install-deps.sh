#!/usr/bin/env bash
# Installs what Sluice needs to build and test, from Debian's packages and npm only.
# Idempotent: a package already installed is not touched, so on a ready machine this is a no-op.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  # build
  cmake ninja-build g++ ccache pkg-config git
  libasio-dev libssl-dev zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  librdkafka-dev libzookeeper-mt-dev
  clang-14 libclang-rt-14-dev clang-format
  # test clients and servers
  python3 python3-pytest python3-kafka python3-confluent-kafka python3-kazoo kcat zookeeper
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

# kafkajs for the JavaScript integration tests, pinned by package-lock.json.
if [[ -f "$here/tests/integration/js/package.json" ]]; then
  if [[ ! -d "$here/tests/integration/js/node_modules/kafkajs" ]]; then
    echo "install-deps: npm ci (kafkajs)"
    (cd "$here/tests/integration/js" && npm ci --no-audit --no-fund --silent)
  fi
fi
