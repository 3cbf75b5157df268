#!/usr/bin/env bash
# Creates .venv and installs exactly requirements.lock into it, every file checked against its
# hash, then sdgcities itself, editable from src/ (as `pip install -e .`), without fetching a
# build backend: setuptools and wheel are in the lock. The installer is uv, itself pinned in the
# lock and bootstrapped by the pip that comes with Python (hash-checked, nothing floats).
# Packages come only from the package index that uv is configured with (the public default
# unless UV_INDEX_URL / uv.toml say otherwise).
# Usage: scripts/setup-python.sh [--uv-only] [PYTHON]   (--uv-only: the venv and uv, for `make lock`)
set -euo pipefail
cd "$(dirname "$0")/.."

UV_ONLY=0
if [ "${1:-}" = "--uv-only" ]; then UV_ONLY=1; shift; fi
PYTHON=${1:-${PYTHON:-python3}}
VENV=.venv
LOCK=requirements.lock
export UV_PYTHON_DOWNLOADS=never          # use the Python given, never download one

if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating $VENV with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi

want_uv=$(sed -n 's/^uv==\([^ ;\\]*\).*/\1/p' "$LOCK" 2>/dev/null || true)
if [ -z "$want_uv" ]; then
  echo "$LOCK has no uv==VERSION line: restore it from git (git checkout $LOCK)" >&2
  exit 1
fi
have_uv=$("$VENV/bin/uv" --version 2>/dev/null | cut -d' ' -f2 || true)
if [ "$have_uv" != "$want_uv" ]; then
  echo "Bootstrapping uv $want_uv (hash-checked) with the pip that comes with Python"
  req=$(mktemp)
  trap 'rm -f "$req"' EXIT
  awk '/^uv==/ {on = 1} on {print} on && !/\\$/ {exit}' "$LOCK" > "$req"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --require-hashes -r "$req"
fi

[ "$UV_ONLY" = 1 ] && exit 0

echo "Installing exactly $LOCK ($(grep -c '^[A-Za-z]' "$LOCK") pins, hashes checked)"
# --compile-bytecode: .pyc files written now, as pip does, so that no command compiles the
# libraries' sources at start-up (where PYTHONDONTWRITEBYTECODE is set, on every run)
"$VENV/bin/uv" pip sync --quiet --python "$VENV/bin/python" --require-hashes --compile-bytecode "$LOCK"
"$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps --no-build-isolation -e .
"$VENV/bin/python" scripts/check_lock.py
