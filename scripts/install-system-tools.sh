#!/usr/bin/env bash
# Debian packages the tests use, installed when missing: Chromium (Playwright drives it,
# never downloading its own) and poppler-utils (pdftoppm renders PDF pages to PNG in the
# document tests). WeasyPrint's Pango comes with Chromium's dependencies.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ "${#missing[@]}" = 0 ] && exit 0
echo "Installing Debian's ${missing[*]} for the tests"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
