#!/usr/bin/env bash
# Installs what Cortado needs on a fresh Debian machine with Swift already present.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if ! [ -f /usr/include/jemalloc/jemalloc.h ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libjemalloc-dev >/dev/null
fi
echo "setup: libjemalloc-dev present"
# zlib: gzip-compressed ItemReader objects and S3 Inventory files (Distributed Map).
if ! [ -f /usr/include/zlib.h ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq zlib1g-dev >/dev/null
fi
echo "setup: zlib1g-dev present"

# Debian's chromium (headless) draws `cortado graph` SVGs and report pages in the tests; they
# skip with a message where it cannot be installed.
if ! command -v chromium >/dev/null 2>&1; then
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; } \
    || echo "setup: chromium could not be installed; the browser checks will be skipped"
fi

# boto3 and the AWS CLI (PyPI), the clients scripts/serve_tests.py drives `cortado serve` with.
pip_install() {
  if ! python3 -m pip --version >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pip >/dev/null
  fi
  # A Debian system Python refuses a plain `pip install` (PEP 668): install for this user then.
  python3 -m pip install --quiet --disable-pip-version-check "$@" \
    || python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages "$@"
}
python3 -c "import boto3" 2>/dev/null || pip_install boto3
# `aws` may be off PATH after a --user install; serve_tests.py falls back to `python3 -m awscli`.
aws --version >/dev/null 2>&1 || python3 -m awscli --version >/dev/null 2>&1 || pip_install awscli
echo "setup: boto3 and awscli present"

# moto's server stands in for DynamoDB (and other services) in scripts/aws_tests.py.
command -v moto_server >/dev/null 2>&1 && python3 -c "import moto.server, flask" 2>/dev/null || pip_install 'moto[server]' \
  || echo "setup: moto[server] could not be installed; scripts/aws_tests.py will skip"
