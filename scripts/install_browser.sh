#!/usr/bin/env bash
# Install Debian's Chromium (and its ChromeDriver) for the browser tests when missing.
# Idempotent: does nothing when /usr/bin/chromium is already there. Needs root (CI runs as root) or sudo;
# without either it prints why and exits 0, and the browser tests then skip with a loud reason.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    echo "install_browser: $(chromium --version 2>/dev/null || echo chromium) already installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser: no apt-get on this machine; install Chromium yourself (browser tests will skip)" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install_browser: not root and no passwordless sudo; cannot install Chromium (browser tests will skip)" >&2
        exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
echo "install_browser: installed $(chromium --version 2>/dev/null || echo chromium)"
