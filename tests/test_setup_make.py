"""The two README commands and their developer knobs: ``make demo PORT=…``, ``make test ARGS=…``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(*args: str) -> str:
    """What ``make -n`` would run (nothing is executed)."""
    proc = subprocess.run(
        ["make", "-n", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_readme_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert [line.split("#")[0].strip() for line in block] == ["make demo", "make test"]


def test_demo_takes_a_port() -> None:
    assert ".venv/bin/sdgcities demo --port 8000" in _dry_run("demo")
    assert ".venv/bin/sdgcities demo --port 8010" in _dry_run("demo", "PORT=8010")


def test_test_passes_arguments_to_pytest() -> None:
    assert "scripts/run-tests.sh tests/web -x" in _dry_run("test", "ARGS=tests/web -x")


def test_setup_builds_the_catalogues_and_assets() -> None:
    out = _dry_run("setup")
    assert "sdgcities.web.i18n compile" in out
    assert "scripts/vendor-assets.sh" in out
