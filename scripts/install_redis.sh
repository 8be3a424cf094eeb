#!/usr/bin/env bash
# Install Debian's redis-server when it is missing: the celery executor test (tests/scale/) uses it as the
# broker on 127.0.0.1. Idempotent; needs root or sudo when the package is absent.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server present: $(redis-server --version)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "redis-server missing and not root (no sudo): install the Debian package redis-server" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package may start a system service on :6379; the tests start their own server on a free port.
echo "installed: $(redis-server --version)"
