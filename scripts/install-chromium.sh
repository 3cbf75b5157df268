#!/usr/bin/env bash
# Debian's Chromium for the browser tests; Playwright drives it (never downloads its own).
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
echo "Installing Debian's chromium for the browser tests"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
