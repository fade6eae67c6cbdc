#!/usr/bin/env bash
# Installs what Cortado needs on a fresh Debian machine with Swift already present.
set -euo pipefail
if ! [ -f /usr/include/jemalloc/jemalloc.h ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libjemalloc-dev >/dev/null
fi
echo "setup: libjemalloc-dev present"
