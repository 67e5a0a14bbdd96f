#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test WaveDefect.
# Safe to run repeatedly: it only calls apt-get / pip when something is missing.
set -euo pipefail

APT_PACKAGES=(
  pkg-config
  libuv1-dev
  libssl-dev
  libsqlite3-dev
  libfftw3-dev
  libavcodec-dev libavformat-dev libswresample-dev libavutil-dev
  libcurl4-openssl-dev
  libhiredis-dev  # the cluster's Redis client (docs/cluster.md)
  ffmpeg
)
# Only for `make test`: the browser tests drive Debian's Chromium through its driver.
TEST_APT_PACKAGES=(
  chromium
  chromium-driver
  curl      # an independent HTTPS client for the TLS tests
  openssl   # the TLS tests make their CA and certificates with the CLI
  redis-server  # the cluster tests start their own Redis
)
if [ "${1:-}" = "--test" ]; then
  APT_PACKAGES+=("${TEST_APT_PACKAGES[@]}")
fi

if [ "${1:-}" = "--list" ]; then
  echo "${APT_PACKAGES[@]}"
  exit 0
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing apt packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
fi

if [ "${1:-}" = "--test" ]; then
  # Independent peers used by the integration tests (a non-Swift WebSocket client,
  # LiveKit's own token minter and API client) and Selenium for the browser tests.
  if ! python3 -c "import websockets, livekit.api, selenium" 2>/dev/null; then
    python3 -m pip install -q -r scripts/requirements-test.txt
  fi
fi
