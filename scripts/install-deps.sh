#!/usr/bin/env bash
# Installs everything `make build` / `make test` need on Debian 12. Idempotent: skips what is present.
set -euo pipefail
APT_PKGS=(build-essential cmake pkg-config git googletest libgtest-dev libgmock-dev libbenchmark-dev
  libsnappy-dev libzstd-dev zlib1g-dev libfmt-dev libcli11-dev nlohmann-json3-dev librdkafka-dev kcat python3-kafka libcurl4-openssl-dev libxgboost-dev python3-sklearn python3-xgboost libeigen3-dev python3-torch libsqlite3-dev libedit-dev libcpp-httplib-dev chromium
  clang-14 libclang-rt-14-dev nodejs npm)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from another channel (e.g. nodesource or a preinstalled binary)
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
