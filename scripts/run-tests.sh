#!/usr/bin/env bash
# The whole suite: lint, types, then pytest on SQLite and a real PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== ruff"
$BIN/ruff check src tests bench
$BIN/ruff format --check src tests bench
echo "== mypy"
$BIN/mypy

pgdir=$(mktemp -d /tmp/sdgcities-pg.XXXXXX)
cleanup() { bash scripts/test-postgres.sh stop "$pgdir" || true; rm -rf "$pgdir"; }
trap cleanup EXIT
echo "== starting PostgreSQL"
SDGCITIES_TEST_POSTGRES_URL=$(bash scripts/test-postgres.sh start "$pgdir")
export SDGCITIES_TEST_POSTGRES_URL
export SDGCITIES_REQUIRE_POSTGRES=1
export SDGCITIES_REQUIRE_BROWSER=1
mkdir -p artifacts/screenshots
echo "== pytest"
$BIN/pytest -p no:cacheprovider --timeout=900 "$@"
